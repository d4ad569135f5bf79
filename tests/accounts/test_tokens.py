from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken


def test_a_token_is_shown_once_and_stored_hashed(client: Client, developer: Any) -> None:
    client.force_login(developer)
    response = client.post(reverse("accounts:profile"), {"name": "nightly export"})
    html = response.content.decode()
    token = ApiToken.objects.get()
    raw = html.split('id="new-token">')[1].split("<")[0]
    assert raw.startswith(f"cad_{token.prefix}_")
    assert token.key_hash != raw and raw.split("_")[-1] not in token.key_hash
    assert raw not in client.get(reverse("accounts:profile")).content.decode()


def test_a_token_authenticates_api_calls_until_it_is_revoked(developer: Any, product: Any) -> None:
    token, raw = services.create_api_token(user=developer, name="script")
    api = APIClient()
    assert api.get("/api/v1/products/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.get("/api/v1/products/")
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["results"]] == [product.slug]
    token.refresh_from_db()
    assert token.last_used_at is not None

    services.revoke_api_token(user=developer, token=token)
    assert api.get("/api/v1/products/").status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer cad_nope", "Bearer cad_abcd1234_wrong", "Bearer something", "Token x"]
)
def test_a_bad_token_is_refused(developer: Any, header: str) -> None:
    services.create_api_token(user=developer, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert api.get("/api/v1/products/").status_code in (401, 403)


def test_nobody_revokes_another_users_token(client: Client, developer: Any, po: Any) -> None:
    token, _ = services.create_api_token(user=developer, name="mine")
    client.force_login(po)
    assert client.post(reverse("accounts:profile"), {"revoke": token.pk}).status_code == 404
    token.refresh_from_db()
    assert token.active


def test_a_token_needs_a_name(client: Client, developer: Any) -> None:
    client.force_login(developer)
    assert client.post(reverse("accounts:profile"), {"name": " "}).status_code == 422
    assert not ApiToken.objects.exists()


def test_token_writes_are_throttled_with_retry_after(settings: Any, po: Any, product: Any) -> None:
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token_writes": "2/min"}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        _, raw = services.create_api_token(user=po, name="loop")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        codes = [
            api.post("/api/v1/stories/", {"product": product.pk, "title": f"S{i}"}).status_code
            for i in range(3)
        ]
        assert codes == [201, 201, 429]
        response = api.post("/api/v1/stories/", {"product": product.pk, "title": "again"})
        assert int(response["Retry-After"]) > 0
        assert api.get("/api/v1/stories/").status_code == 200  # reads aren't throttled
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
        assert api_settings  # the module's settings object is untouched

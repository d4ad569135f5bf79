"""A new password, changed on the profile or reset by e-mail, revokes the API tokens and
ends the other sessions."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, User

PROFILE = "/accounts/profile/"
NEW = "a-much-better-Passw0rd"


def _api_status(raw: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api.get("/api/v1/products/").status_code


def _change(client: Client, old: str = "password") -> Any:
    data = {
        "password-old_password": old,
        "password-new_password1": NEW,
        "password-new_password2": NEW,
    }
    return client.post(PROFILE, data, follow=True)


def test_changing_the_password_revokes_the_tokens_and_says_so(
    client: Client, developer: User
) -> None:
    _token, raw = services.create_api_token(user=developer, name="nightly")
    services.create_api_token(user=developer, name="export")
    assert _api_status(raw) == 200
    client.force_login(developer)
    page = _change(client).content.decode()
    assert "Password changed." in page
    assert "Your 2 API tokens were revoked" in page
    assert not ApiToken.objects.filter(user=developer, revoked_at__isnull=True).exists()
    assert _api_status(raw) == 401


def test_a_refused_change_revokes_nothing(client: Client, developer: User) -> None:
    _token, raw = services.create_api_token(user=developer, name="nightly")
    client.force_login(developer)
    assert _change(client, old="wrong").status_code == 422
    assert _api_status(raw) == 200


def test_other_users_tokens_survive(client: Client, developer: User, po: User) -> None:
    _token, raw = services.create_api_token(user=po, name="po's script")
    client.force_login(developer)
    page = _change(client).content.decode()
    assert "revoked with the old password" not in page  # the developer had none
    assert _api_status(raw) == 200


def test_changing_the_password_ends_the_other_sessions_only(developer: User) -> None:
    here, elsewhere = Client(), Client()
    here.login(username="developer", password="password")
    elsewhere.login(username="developer", password="password")
    assert _change(here).status_code == 200
    assert here.get(PROFILE).status_code == 200  # update_session_auth_hash kept this one
    assert elsewhere.get(PROFILE).status_code == 302  # the other one is signed out


def _reset(client: Client, email: str) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):  # the mail is queued on commit
        client.post(reverse("accounts:password_reset"), {"email": email})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/password-reset/" in line)
    form_page = client.get("/" + link.split("/", 3)[3], follow=True)
    new = {"new_password1": NEW, "new_password2": NEW}
    return client.post(form_page.redirect_chain[-1][0], new, follow=True)


def test_a_password_reset_revokes_the_tokens_and_ends_every_session(developer: User) -> None:
    _token, raw = services.create_api_token(user=developer, name="nightly")
    signed_in = Client()
    signed_in.login(username="developer", password="password")
    page = _reset(Client(), developer.email).content.decode()
    assert "Your API token was revoked" in page
    assert _api_status(raw) == 401
    assert signed_in.get(PROFILE).status_code == 302
    developer.refresh_from_db()
    assert developer.check_password(NEW)

"""Sign-in, password reset and invitation links are throttled per account and per address,
before any password is hashed, with a 429 page in the visitor's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import reverse

from accounts import throttle
from accounts.models import User
from core.access import Role
from products import invitations
from products.models import Membership, Product
from tests.products.factories import UserFactory

LOGIN = "/accounts/login/"
RESET = "/accounts/password-reset/"


def _login(client: Client, username: str, password: str = "wrong", **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every password the hasher hashes or checks, in order."""
    calls: list[str] = []
    encode, verify = MD5PasswordHasher.encode, MD5PasswordHasher.verify

    def spy_encode(self: Any, password: str, salt: str) -> str:
        calls.append("encode")
        return encode(self, password, salt)

    def spy_verify(self: Any, password: str, encoded: str) -> bool:
        calls.append("verify")
        return verify(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "encode", spy_encode)
    monkeypatch.setattr(MD5PasswordHasher, "verify", spy_verify)
    yield calls


def test_ten_wrong_passwords_then_the_right_one_is_refused(
    client: Client, developer: User, hashes: list[str]
) -> None:
    for _ in range(10):
        assert _login(client, "developer").status_code == 200
    hashes.clear()
    response = _login(client, "developer", "password")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    assert not _signed_in(client)
    assert hashes == []  # refused before the hasher runs
    assert client.get("/accounts/profile/").status_code == 302


def test_an_unknown_username_is_throttled_the_same_way(
    client: Client, developer: User, hashes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One instant for both runs: Retry-After counts the seconds left in the window, and a
    # second tick between the two answers made them differ (149 against 150).
    start = throttle.now()
    monkeypatch.setattr(throttle, "now", lambda: start)
    for _ in range(10):
        assert _login(client, "nobody-here").status_code == 200
    assert len(hashes) == 10  # Django hashes for unknown names too: the cost doesn't tell
    hashes.clear()
    unknown = _login(client, "nobody-here")
    for _ in range(10):
        _login(client, "developer")
    hashes.clear()
    known = _login(client, "developer")
    assert (unknown.status_code, known.status_code) == (429, 429)
    assert unknown["Retry-After"] == known["Retry-After"]
    assert hashes == []


def test_the_account_counter_ignores_case_and_spaces(client: Client, developer: User) -> None:
    for name in ["developer", "Developer", " DEVELOPER"] * 3 + ["developer"]:
        _login(client, name)
    assert _login(client, "developer", "password").status_code == 429


def test_another_account_from_the_same_address_is_throttled_per_address(
    client: Client, developer: User, po: User
) -> None:
    # 50 failures spread over ten names: no account reaches its limit, the address does.
    for n in range(10):
        for _ in range(5):
            _login(client, f"guess{n}")
    assert _login(client, "po", "password").status_code == 429
    assert not _signed_in(client)
    # From another address the same account signs in.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert _login(other, "po", "password").status_code == 302
    assert _signed_in(other)


def test_an_ipv6_client_is_counted_by_its_64(client: Client, developer: User) -> None:
    for n in range(50):
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}").post(
            LOGIN, {"username": f"guess{n}", "password": "x"}
        )
    assert (
        _login(Client(REMOTE_ADDR="2001:db8:1:2::ffff"), "developer", "password").status_code == 429
    )
    assert _login(Client(REMOTE_ADDR="2001:db8:1:3::1"), "developer", "password").status_code == 302


def test_sign_in_works_again_once_the_window_has_passed(
    client: Client, developer: User, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    start = 1_800_000_000.0
    monkeypatch.setattr(throttle, "now", lambda: start)
    for _ in range(10):
        _login(client, "developer")
    assert _login(client, "developer", "password").status_code == 429
    monkeypatch.setattr(throttle, "now", lambda: start + settings.THROTTLE_WINDOW)
    assert _login(client, "developer", "password").status_code == 302
    assert _signed_in(client)


def test_the_429_page_is_in_french_for_a_french_browser(client: Client, developer: User) -> None:
    for _ in range(10):
        _login(client, "developer")
    response = _login(client, "developer", "password", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()


def test_the_429_page_is_in_the_users_language(client: Client, developer: User) -> None:
    developer.language = "fr"
    developer.save()
    client.force_login(developer)
    data = {
        "password-old_password": "wrong",
        "password-new_password1": "a-much-better-Passw0rd",
        "password-new_password2": "a-much-better-Passw0rd",
    }
    for _ in range(10):
        assert client.post("/accounts/profile/", data, HTTP_ACCEPT_LANGUAGE="en").status_code == 422
    data["password-old_password"] = "password"
    response = client.post("/accounts/profile/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    developer.refresh_from_db()
    assert developer.check_password("password")


def test_the_admin_login_counts_and_obeys_the_same_limit(client: Client, superuser: User) -> None:
    for _ in range(10):
        client.post("/admin/login/", {"username": "head", "password": "wrong"})
    # Refused at the admin's door too (its own form, without the hasher) and at ours.
    client.post("/admin/login/", {"username": "head", "password": "password"})
    assert not _signed_in(client)
    assert _login(client, "head", "password").status_code == 429


def test_a_failing_cache_counts_in_the_process_and_never_answers_500(
    client: Client, developer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Redis is down")

    for name in ("get_many", "add", "incr", "set"):
        monkeypatch.setattr(cache, name, down)
    throttle._fallback.clear()
    try:
        for _ in range(10):
            assert _login(client, "developer").status_code == 200
        assert _login(client, "developer", "password").status_code == 429
    finally:
        throttle._fallback.clear()


def _ask_reset(client: Client, email: str, **headers: Any) -> Any:
    # The mail is queued after commit: run the commit callbacks as a request's commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(RESET, {"email": email}, **headers)


def test_password_reset_requests_are_throttled_per_e_mail(client: Client, db: None) -> None:
    UserFactory(username="reset", email="reset@example.com")
    for _ in range(5):
        assert _ask_reset(client, "Reset@example.com").status_code == 302
    response = _ask_reset(client, "reset@example.com", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert len(mail.outbox) == 5
    # An address nobody uses gets the same answers at the same count.
    for _ in range(5):
        assert _ask_reset(client, "ghost@example.com").status_code == 302
    assert _ask_reset(client, "ghost@example.com").status_code == 429


def test_password_reset_requests_are_throttled_per_address(client: Client, db: None) -> None:
    UserFactory(username="reset", email="reset@example.com")
    for n in range(20):
        client.post(RESET, {"email": f"someone{n}@example.com"})
    assert _ask_reset(client, "reset@example.com").status_code == 429
    assert mail.outbox == []
    assert _ask_reset(Client(REMOTE_ADDR="10.9.9.9"), "reset@example.com").status_code == 302
    assert len(mail.outbox) == 1


def _signup(username: str) -> dict[str, str]:
    return {
        "first_name": "Nina",
        "last_name": "Novak",
        "username": username,
        "password1": "short",
        "password2": "short",
    }


def test_an_invitation_link_is_throttled_per_link(
    client: Client, pm: User, product: Product, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    _invitation, token = invitations.invite(
        actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
    )
    url = f"/invitations/{token}/"
    for _ in range(10):
        assert client.post(url, _signup("nina")).status_code == 422  # weak password
    good = _signup("nina") | {
        "password1": "a-long-enough-Passw0rd",
        "password2": "a-long-enough-Passw0rd",
    }
    response = client.post(url, good, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert not User.objects.filter(username="nina").exists()
    assert not Membership.objects.filter(product=product, role=Role.STAKEHOLDER).exists()
    # The link is shut for everyone (whoever holds it could accept it anyway), not for long.
    assert Client(REMOTE_ADDR="10.3.3.3").post(url, good).status_code == 429
    later = throttle.now() + settings.THROTTLE_WINDOW
    monkeypatch.setattr(throttle, "now", lambda: later)
    assert client.post(url, good).status_code == 302


def test_invitation_links_are_throttled_per_address(
    client: Client, pm: User, product: Product
) -> None:
    for n in range(30):
        client.post(f"/invitations/not-a-token-{n}/", _signup("x"))
    _invitation, token = invitations.invite(
        actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
    )
    assert client.post(f"/invitations/{token}/", _signup("nina")).status_code == 429
    assert client.get(reverse("products:invitation", args=[token])).status_code == 200

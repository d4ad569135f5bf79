"""The profile page: name, initials colour, language, time zone, password; password reset."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.forms import PasswordResetForm
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts import services
from accounts.models import User
from tests.products.factories import UserFactory

URL = "/accounts/profile/"


def _profile(**values: str) -> dict[str, str]:
    data = {"first_name": "Ada", "last_name": "Lovelace", "avatar_colour": "teal",
            "language": "fr", "timezone": "Europe/Paris"} | values  # fmt: skip
    return {f"profile-{k}": v for k, v in data.items()}


def test_a_user_edits_their_profile(client: Client, developer: User) -> None:
    client.force_login(developer)
    assert client.post(URL, _profile()).status_code == 302
    developer.refresh_from_db()
    assert (developer.first_name, developer.avatar_colour) == ("Ada", "teal")
    assert (developer.language, developer.timezone) == ("fr", "Europe/Paris")
    page = client.get(URL).content.decode()
    assert "avatar-teal" in page
    assert '<html lang="fr">' in page


def test_an_unknown_time_zone_is_refused(client: Client, developer: User) -> None:
    client.force_login(developer)
    assert client.post(URL, _profile(timezone="Mars/Olympus")).status_code == 422
    with pytest.raises(ValidationError):
        services.update_profile(
            user=developer, first_name="A", last_name="", timezone="Mars/Olympus"
        )


def test_the_password_changes_through_djangos_form(client: Client, developer: User) -> None:
    client.force_login(developer)
    data = {
        "password-old_password": "password",
        "password-new_password1": "a-much-better-Passw0rd",
        "password-new_password2": "a-much-better-Passw0rd",
    }
    assert client.post(URL, data).status_code == 302
    developer.refresh_from_db()
    assert developer.check_password("a-much-better-Passw0rd")
    assert client.get(URL).status_code == 200  # still signed in


def test_a_wrong_old_password_is_refused(client: Client, developer: User) -> None:
    client.force_login(developer)
    data = {
        "password-old_password": "wrong",
        "password-new_password1": "a-much-better-Passw0rd",
        "password-new_password2": "a-much-better-Passw0rd",
    }
    assert client.post(URL, data).status_code == 422
    developer.refresh_from_db()
    assert developer.check_password("password")


def test_create_user_refuses_a_weak_password_and_a_taken_name(db: None) -> None:
    with pytest.raises(ValidationError):
        services.create_user(username="x", email="x@example.com", password="123")
    services.create_user(username="x", email="x@example.com", password="a-long-Passw0rd!")
    with pytest.raises(ValidationError):
        services.create_user(username="X", email="y@example.com", password="a-long-Passw0rd!")


def test_password_reset_by_e_mail_end_to_end(
    client: Client, db: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    user = UserFactory(username="reset", email="reset@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "reset@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    path = "/" + link.split("/", 3)[3]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    new = {"new_password1": "a-fresh-Passw0rd!", "new_password2": "a-fresh-Passw0rd!"}
    assert client.post(form_page.redirect_chain[-1][0], new).status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-fresh-Passw0rd!")


def test_the_reset_e_mail_is_written_in_the_users_language(
    client: Client,
    db: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    UserFactory(username="claire", email="claire@example.com", language="fr")
    languages: list[str] = []
    original = PasswordResetForm.send_mail

    def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        languages.append(translation.get_language())
        original(self, *args, **kwargs)

    monkeypatch.setattr(PasswordResetForm, "send_mail", spy)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password_reset"),
            {"email": "claire@example.com"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert languages == ["fr"]
    assert len(mail.outbox) == 1

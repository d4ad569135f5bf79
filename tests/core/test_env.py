"""The settings' environment readers: a value they don't understand stops the start."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist, mailer

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "On"])
def test_true_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FLAG", value)
    assert envbool("FLAG", False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "OFF"])
def test_false_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FLAG", value)
    assert envbool("FLAG", True) is False


@pytest.mark.parametrize("value", [None, "", "  "])
def test_unset_or_empty_is_the_default(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("FLAG", raising=False)
    else:
        monkeypatch.setenv("FLAG", value)
    assert envbool("FLAG", True) is True
    assert envbool("FLAG", False) is False


@pytest.mark.parametrize("value", ["flase", "enabled", "2", "y"])
def test_a_value_not_understood_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("DEBUG", value)
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        envbool("DEBUG", True)


def test_whole_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT_X", " 25 ")
    assert envint("PORT_X", 587) == 25
    monkeypatch.setenv("PORT_X", "")
    assert envint("PORT_X", 587) == 587
    monkeypatch.setenv("PORT_X", "twenty")
    with pytest.raises(ImproperlyConfigured, match="PORT_X"):
        envint("PORT_X", 587)


def test_lists_drop_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", "a.example, ,b.example,")
    assert envlist("HOSTS", "") == ["a.example", "b.example"]


@pytest.fixture
def no_mail_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_development_prints_mail(no_mail_env: pytest.MonkeyPatch) -> None:
    assert mailer(debug=True) == {"BACKEND": CONSOLE}


def test_an_smtp_host_sends_mail_even_in_development(no_mail_env: pytest.MonkeyPatch) -> None:
    no_mail_env.setenv("EMAIL_HOST", "smtp.example.com")
    no_mail_env.setenv("EMAIL_PORT", "2525")
    config = mailer(debug=True)
    assert config["BACKEND"] == SMTP
    assert config["OPTIONS"] == {
        "host": "smtp.example.com",
        "port": 2525,
        "username": "",
        "password": "",
        "use_tls": True,
    }


def test_production_sends_by_smtp(no_mail_env: pytest.MonkeyPatch) -> None:
    assert mailer(debug=False)["BACKEND"] == SMTP


def test_an_explicit_backend_wins(no_mail_env: pytest.MonkeyPatch) -> None:
    no_mail_env.setenv("EMAIL_HOST", "smtp.example.com")
    no_mail_env.setenv("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    assert mailer(debug=False) == {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}

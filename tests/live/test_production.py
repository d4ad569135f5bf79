"""The production profile: check --deploy silent, /healthz, one JSON log line per request."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from pytest_django import DjangoAssertNumQueries, Settings

from accounts.models import User
from config.logs import JsonFormatter
from tests.live.servers import NOT_FOR_SERVERS

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Qe2v-production-like-key-for-the-deploy-check-9fK3mLp0zR8sT1uV4wY6",
    "ALLOWED_HOSTS": "cadence.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://cadence.example.com",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # As a deployment would have it: without what the test run set for itself.
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", *NOT_FOR_SERVERS} and not k.startswith("PYTEST")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_silent_under_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert result.stderr == ""


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "Set SECRET_KEY when DEBUG is off." in result.stderr


@pytest.mark.django_db
def test_healthz_answers_without_login_and_checks_the_database(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client: Client, monkeypatch: Any) -> None:
    def broken() -> None:
        raise ConnectionError("down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "error: ConnectionError"},
    }


@pytest.mark.django_db
def test_healthz_checks_redis_when_it_is_configured(
    client: Client, settings: Settings, monkeypatch: Any
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"  # the cache itself stays local here
    assert client.get("/healthz").json()["checks"] == {"database": "ok", "redis": "ok"}

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError

    monkeypatch.setattr(cache, "set", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "error: ConnectionRefusedError",
    }


@pytest.mark.django_db
def test_healthz_is_exempt_from_the_https_redirect(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.django_db
def test_each_request_logs_one_line_with_method_path_status_duration_and_user(
    client: Client, developer: User, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(developer)
    with caplog.at_level(logging.INFO, logger="cadence.request"):
        client.get("/healthz?x=1")
    (record,) = [r for r in caplog.records if r.name == "cadence.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "INFO"
    assert line["logger"] == "cadence.request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["user_id"] == developer.pk
    assert isinstance(line["duration_ms"], float)
    assert line["message"].startswith("GET /healthz 200 ")
    assert line["time"].endswith("+00:00")


def test_the_json_formatter_keeps_exceptions_on_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info()
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "failed here"
    assert "ValueError: boom" in line["exception"]

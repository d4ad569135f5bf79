"""With Redis down the pages still answer: the cache forgives, /healthz says 503.

Redis "down" is a cache pointed at a port where nothing listens (connection refused), so
the test doesn't stop the Redis that other runs share; the last test runs against the real
one when it is up."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.services import create_api_token
from backlog.models import Sprint
from core import clock
from core.cache import ForgivingRedisCache
from products.models import Product, Team
from sprints.services import regenerate_calendar_token, schedule_sprint_ceremonies
from tests.backlog.factories import EpicFactory, ReleaseFactory

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _forgiving(location: str) -> dict[str, Any]:
    return {"default": {"BACKEND": "core.cache.ForgivingRedisCache", "LOCATION": location}}


@pytest.fixture
def redis_down(settings: Settings) -> ForgivingRedisCache:
    settings.REDIS_URL = DOWN
    settings.CACHES = _forgiving(DOWN)
    cache = caches["default"]
    assert isinstance(cache, ForgivingRedisCache)
    return cache


def test_every_operation_falls_back_to_memory(
    redis_down: ForgivingRedisCache, caplog: pytest.LogCaptureFixture
) -> None:
    cache = redis_down
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert cache.get("missing", "default") == "default"
        cache.set("a", 1)
        assert cache.get("a") == 1
        assert cache.add("b", 1) and not cache.add("b", 2)
        assert cache.incr("b") == 2
        assert cache.get_or_set("c", lambda: 3) == 3
        cache.set_many({"d": 4, "e": 5})
        assert cache.get_many(["d", "e", "f"]) == {"d": 4, "e": 5}
        assert cache.has_key("d")
        cache.delete("d")
        assert not cache.has_key("d")
    # One warning, not one per call: a down Redis must not flood the log.
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    with pytest.raises(Exception):  # noqa: B017 - whatever redis raises, it isn't forgiven
        cache.check()


def test_healthz_says_503_while_the_pages_go_on(redis_down: ForgivingRedisCache) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


def test_the_product_overview_answers(
    redis_down: ForgivingRedisCache, client: Client, pm: Any, product: Product, team: Team
) -> None:
    release = ReleaseFactory(product=product, date=clock.today() + dt.timedelta(days=60))
    EpicFactory(product=product, release=release)
    client.force_login(pm)
    response = client.get(reverse("sprints:product_overview", args=[product.slug]))
    assert response.status_code == 200
    assert release.name in response.content.decode()


def test_the_calendar_feed_answers(
    redis_down: ForgivingRedisCache, po: Any, team: Team, sprint: Sprint
) -> None:
    schedule_sprint_ceremonies(actor=po, sprint=sprint)
    token = regenerate_calendar_token(actor=po, team=team).token
    response = Client().get(reverse("sprints:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert b"BEGIN:VCALENDAR" in response.content


def test_an_api_write_with_a_token_answers(
    redis_down: ForgivingRedisCache, po: Any, make_story: Any
) -> None:
    # The API's write rate is counted in the cache (DRF's throttle).
    first, second = make_story(), make_story()
    _, secret = create_api_token(user=po, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    moved = api.post(f"/api/v1/stories/{second.pk}/move/", {"before": first.pk}, format="json")
    assert moved.status_code == 200, moved.content


def _redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_is_up(), reason="needs the Redis at 127.0.0.1:6379")
def test_with_redis_up_it_is_redis(settings: Settings) -> None:
    settings.CACHES = _forgiving("redis://127.0.0.1:6379/0")
    settings.CACHES["default"]["KEY_PREFIX"] = "cadence-test-cache"
    cache = caches["default"]
    assert isinstance(cache, ForgivingRedisCache)
    cache.set("shared", "yes", timeout=30)
    assert cache.local.get("shared") is None  # not in memory: in Redis
    assert cache.get("shared") == "yes"
    cache.check()
    cache.delete("shared")

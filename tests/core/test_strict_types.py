"""The API refuses a JSON value of the wrong type (core.serializers) instead of coercing it.

DRF saved ``"title": 0`` as "0", ``"done": 0`` as false and ``"story": "2"`` as the story 2;
the schema says a string, a boolean, an id.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.models import User
from backlog.models import Sprint, Story, Task
from core.models import Event
from core.serializers import StrictTypes
from products.models import Team

pytestmark = pytest.mark.django_db

APPS = ("accounts", "products", "backlog", "sprints", "changelog")


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _serializer_classes() -> list[type[Any]]:
    found = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".tests" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, serializers.BaseSerializer) and cls.__module__ == info.name:
                    found.append(cls)
    return found


def test_every_serializer_of_the_api_refuses_wrong_types() -> None:
    classes = _serializer_classes()
    assert len(classes) > 30
    lenient = [c.__qualname__ for c in classes if not issubclass(c, StrictTypes)]
    assert lenient == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 0}, "title"),
        ({"title": "Write it", "done": 0}, "done"),
        ({"title": "Write it", "done": "true"}, "done"),
        ({"title": "Write it", "story": "{story}"}, "story"),
        ({"title": ["Write it"]}, "title"),
    ],
)
def test_a_task_body_of_the_wrong_type_is_400_naming_the_field(
    po: User, make_story: Callable[..., Story], body: dict[str, Any], field: str
) -> None:
    story = make_story(title="Export")
    before = Event.objects.count()
    body = {k: v.format(story=story.pk) if v == "{story}" else v for k, v in body.items()}
    response = _api(po).post("/api/v1/tasks/", {"story": story.pk, **body})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Task.objects.exists() and Event.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"points": "5"}, "points"),
        ({"points": True}, "points"),
        ({"team": "1"}, "team"),
        ({"epic": "1"}, "epic"),
        ({"at_top": 1}, "at_top"),
    ],
)
def test_a_story_body_of_the_wrong_type_is_400(
    po: User, team: Team, body: dict[str, Any], field: str
) -> None:
    body = {"product": team.product_id, "title": "Typed", **body}
    response = _api(po).post("/api/v1/stories/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Story.objects.filter(title="Typed").exists()


def test_values_of_the_right_type_are_still_taken(po: User, team: Team, sprint: Sprint) -> None:
    body = {
        "product": team.product_id,
        "title": "Typed",
        "points": 5,
        "team": team.pk,
        "labels": [],
        "at_top": True,
        "epic": None,
    }
    response = _api(po).post("/api/v1/stories/", body)
    assert response.status_code == 201, response.content
    story = Story.objects.get(title="Typed")
    response = _api(po).post("/api/v1/tasks/", {"story": story.pk, "title": "Go", "done": False})
    assert response.status_code == 201, response.content

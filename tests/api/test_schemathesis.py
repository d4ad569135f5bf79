"""Schemathesis fuzzes every operation of the live schema, in process, with a personal token.

Run it alone with ``pytest tests/api/test_schemathesis.py``. Each operation is one test on a
freshly seeded product (so xdist shares them out); every other generated case has its path
ids, id-like query parameters and id-like body fields replaced by ids of real objects of the
user's product, so the fuzzer reaches the services and not only the 404s. The run is
deterministic: fixed seed, derandomized Hypothesis, no example database.

Every check schemathesis has runs, negative data included, plus one of ours. Schema-valid
data may still be refused with 400 for what a schema can't say (an id of nothing, a sprint
already closed, a product's last PM): schemathesis's positive-data check is told that 400
is such an answer, and ``refused_only_for_its_meaning`` holds that refusal to naming a
rule, never a field's type, presence, length or format, which the schema does say. The run
is deterministic (fixed seed); ``FUZZ_SEED=<n>`` runs another one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.urls import resolve
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework import fields as drf_fields
from rest_framework.generics import GenericAPIView
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from schemathesis.config import SchemathesisConfig

from accounts.api import TokenWriteThrottle
from accounts.models import User
from accounts.services import create_api_token
from backlog import services as backlog_services
from backlog.models import SprintState
from config.api import router
from config.wsgi import application
from core import serializers as strict
from core.access import Role
from products import invitations
from products import services as product_services
from products.models import Product, StatusCategory
from sprints import models as ceremonies
from sprints import services as sprint_services
from tests.backlog.factories import LabelFactory, StoryFactory
from tests.products.factories import MembershipFactory, TeamFactory, UserFactory, status_of
from tests.sprints.factories import SprintFactory

# Small enough that the ~40 operations run in about two minutes on two cores; the schema's
# examples and the coverage phase's boundary values come on top of these.
MAX_EXAMPLES = 12

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": int(os.environ.get("FUZZ_SEED", "20261126")),
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # A NUL is refused at the edge (core.middleware, core.parsers), tested on its own;
            # generated in valid strings it would make every such case a 400.
            "allow-x00": False,
        },
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
            }
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


def _message_pattern(template: object) -> re.Pattern[str]:
    """DRF's ``"Ensure this field has no more than {max_length} characters."`` as a regex."""
    parts = re.split(r"\{[a-z_]+\}", str(template))
    return re.compile(".*".join(re.escape(part) for part in parts) + "$", re.S)


# What a 400 says when a value has the wrong type, is missing, too long or badly formed:
# DRF's fields' messages, core.serializers' and core.parsing's.
SHAPE_CODES = {
    "required", "null", "blank", "invalid", "incorrect_type", "invalid_choice", "max_length",
    "min_length", "max_value", "min_value", "not_a_list", "not_a_dict", "empty",
    "max_string_length", "date", "datetime", "make_aware", "overflow",
}  # fmt: skip
SHAPE_MESSAGES = [
    _message_pattern(message)
    for field in (
        drf_fields.CharField, drf_fields.IntegerField, drf_fields.BooleanField,
        drf_fields.DateField, drf_fields.DateTimeField, drf_fields.ChoiceField,
        drf_fields.MultipleChoiceField, drf_fields.ListField, drf_fields.DictField,
        drf_fields.EmailField, drf_fields.URLField, drf_fields.FloatField,
        PrimaryKeyRelatedField,
    )  # fmt: skip
    for code, message in field.default_error_messages.items()
    # Whether a URL's host or an e-mail address exists is more than the schema's format says.
    if code in SHAPE_CODES
    and not (code == "invalid" and field in (drf_fields.URLField, drf_fields.EmailField))
] + [
    _message_pattern(message)
    for message in (strict.NOT_A_STRING, strict.NOT_A_BOOLEAN, strict.NOT_A_NUMBER,
                    strict.NOT_AN_ID, strict.NOT_A_LIST, strict.NOT_AN_OBJECT)
]  # fmt: skip


def _messages(body: Any) -> Iterator[str]:
    if isinstance(body, str):
        yield body
    elif isinstance(body, dict):
        for value in body.values():
            yield from _messages(value)
    elif isinstance(body, list):
        for value in body:
            yield from _messages(value)


@schemathesis.check
def refused_only_for_its_meaning(ctx: Any, response: Any, case: Any) -> None:
    """A schema-valid request refused with 400 names a rule, not its own shape."""
    meta = case.meta
    if response.status_code != 400 or meta is None or not meta.generation.mode.is_positive:
        return
    try:
        body = response.json()
    except ValueError:
        return
    for message in _messages(body):
        if any(pattern.match(message) for pattern in SHAPE_MESSAGES):
            raise AssertionError(
                f"Schema-valid data refused for its shape: {message!r}. The schema and the "
                "serializer disagree about this field."
            )


# Body fields and query parameters that name an object, and the list that holds it.
ID_FIELDS = {
    "product": "products",
    "team": "teams",
    "status": "statuses",
    "epic": "epics",
    "release": "releases",
    "story": "stories",
    "after": "stories",
    "before": "stories",
    "sprint": "sprints",
    "carry_over_to": "sprints",
    "label": "labels",
    "assignee": "users",
    "owner": "users",
    "user": "users",
    "ceremony": "ceremonies",
    "card": "retro-cards",
    "under": "retro-cards",
    "round": "estimation-rounds",
    "about": "stories",
    "blocker_story": "stories",
    "move_to": "statuses",
}


class World:
    """A product with two teams and something of everything; ids looked up by list prefix."""

    def __init__(self, user: User, token: str) -> None:
        self.user = user
        self.token = token
        self.calls = 0
        self._ids: dict[str, list[int]] = {}

    def id_for(self, prefix: str) -> int | None:
        """One of the objects the user sees through ``/api/v1/<prefix>/``, in turn.

        In turn, so that a sprint action meets the closed, the active and the planned sprint.
        """
        if prefix not in self._ids:
            self._ids[prefix] = self._visible_ids(prefix)
        ids = self._ids[prefix]
        return ids[(self.calls // 2) % len(ids)] if ids else None

    def _visible_ids(self, prefix: str) -> list[int]:
        if prefix == "users":
            return [self.user.pk]
        for registered, viewset, _basename in router.registry:
            if registered == prefix:
                view = viewset()
                # Every viewset of the API is a generic one: it has a queryset.
                assert isinstance(view, GenericAPIView)
                request = Request(APIRequestFactory().get(f"/api/v1/{prefix}/"))
                request.user = self.user
                view.request, view.action, view.kwargs, view.format_kwarg = (
                    request,
                    "retrieve",
                    {},
                    None,
                )
                return list(view.get_queryset().values_list("pk", flat=True)[:10])
        return []


def seed(superuser: User) -> World:
    """PM of the product, PO of one team and developer of the other: most doors open."""
    product: Product = product_services.create_product(actor=superuser, name="Fuzz", slug="fuzz")
    team = TeamFactory(product=product, name="Falcons", slug="falcons")
    other = TeamFactory(product=product, name="Owls", slug="owls")
    user = UserFactory(username="fuzzer")
    MembershipFactory(user=user, product=product, team=None, role=Role.PM)
    MembershipFactory(user=user, product=product, team=team, role=Role.PO)
    MembershipFactory(user=user, product=product, team=other, role=Role.DEVELOPER)

    release = backlog_services.create_release(actor=user, product=product, name="1.0")
    epic = backlog_services.create_epic(
        actor=user, product=product, title="Onboarding", release=release
    )
    LabelFactory(product=product, name="ux")
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    closed = SprintFactory(
        team=team,
        name="Done",
        start_date=monday - dt.timedelta(days=28),
        end_date=monday - dt.timedelta(days=15),
        state=SprintState.CLOSED,
    )
    active = SprintFactory(
        team=team,
        name="Now",
        start_date=monday,
        end_date=monday + dt.timedelta(days=13),
        state=SprintState.ACTIVE,
    )
    SprintFactory(
        team=team,
        name="Next",
        start_date=monday + dt.timedelta(days=14),
        end_date=monday + dt.timedelta(days=27),
    )
    SprintFactory(
        team=other,
        name="Owls next",
        start_date=monday + dt.timedelta(days=14),
        end_date=monday + dt.timedelta(days=27),
    )
    done = status_of(product, StatusCategory.DONE)
    StoryFactory(product=product, team=team, sprint=closed, status=done, points=3)
    card = StoryFactory(product=product, team=team, sprint=active, epic=epic, points=5)
    StoryFactory(product=product, team=team, sprint=active, points=2)
    for i in range(4):
        backlog_services.create_story(
            actor=user,
            product=product,
            title=f"Backlog {i}",
            team=team if i % 2 else None,
            epic=epic,
            release=release,
        )
    StoryFactory(product=product, team=other, title="Owls' story")
    backlog_services.add_task(actor=user, story=card, title="Write the test")
    sprint_services.flag_impediment(actor=user, story=card, reason="Waiting for the API key")

    # One row of each ceremony record, so the ceremonies' endpoints find real ids too.
    ceremony = ceremonies.Ceremony.objects.create(
        team=team,
        sprint=active,
        kind=ceremonies.CeremonyKind.RETROSPECTIVE,
        starts_at=timezone.now(),
        duration_minutes=60,
    )
    daily = ceremonies.Ceremony.objects.create(
        team=team,
        sprint=active,
        kind=ceremonies.CeremonyKind.DAILY,
        starts_at=timezone.now(),
        duration_minutes=15,
    )
    ceremonies.DailyEntry.objects.create(ceremony=daily, author=user, done="Reviewed")
    retro_card = ceremonies.RetroCard.objects.create(
        ceremony=ceremony, column=ceremonies.RetroColumn.choices[0][0], text="Pairing", author=user
    )
    ceremonies.RetroVote.objects.create(card=retro_card, voter=user)
    ceremonies.RetroAction.objects.create(
        ceremony=ceremony, card=retro_card, text="Pair daily", created_by=user
    )
    review = ceremonies.Ceremony.objects.create(
        team=team,
        sprint=active,
        kind=ceremonies.CeremonyKind.REVIEW,
        starts_at=timezone.now(),
        duration_minutes=120,
        video_url="https://meet.example.com/falcons-review",
    )
    ceremonies.ReviewFeedback.objects.create(
        ceremony=review, about=card, text="Can the export include comments?", author=user
    )
    refinement = ceremonies.Ceremony.objects.create(
        team=team,
        sprint=active,
        kind=ceremonies.CeremonyKind.REFINEMENT,
        starts_at=timezone.now(),
        duration_minutes=60,
    )
    estimation = ceremonies.EstimationRound.objects.create(
        team=team, story=card, ceremony=refinement, opened_by=user
    )
    ceremonies.EstimationVote.objects.create(round=estimation, voter=user, card="5", points=5)

    invitations.invite(
        actor=user,
        product=product,
        email="newcomer@example.com",
        role=Role.DEVELOPER,
        team=other,
        base_url="http://testserver",
    )

    _token, raw = create_api_token(user=user, name="schemathesis")
    return World(user, raw)


@pytest.fixture
def fuzz_world(superuser: User, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    # Django's handler closes "old" connections at each request's start and end: inside the
    # test's transaction that would be the test's own connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Hundreds of writes a minute with one token: the throttle is tested on its own elsewhere.
    monkeypatch.setattr(TokenWriteThrottle, "THROTTLE_RATES", {"token_writes": "100000/min"})
    try:
        yield seed(superuser)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _prefix_before(path: str, name: str) -> str | None:
    """``/api/v1/stories/{id}/move/`` and ``id`` → ``stories``."""
    parts = path.strip("/").split("/")
    for i, part in enumerate(parts):
        if part == f"{{{name}}}" and i > 0:
            return parts[i - 1]
    return None


def aim_at_real_objects(case: Any, world: World) -> None:
    """Every other case: the ids it names become ids of the seeded product's objects."""
    world.calls += 1
    # A negative case keeps what makes it invalid: a real id would make it a valid one.
    if world.calls % 2 or (case.meta is not None and case.meta.generation.mode.is_negative):
        return
    for name in list(case.path_parameters or {}):
        prefix = _prefix_before(case.operation.path, name)
        if prefix and (pk := world.id_for(prefix)) is not None:
            case.path_parameters[name] = pk
    for name, value in list((case.query or {}).items()):
        if name in ID_FIELDS and (pk := world.id_for(ID_FIELDS[name])) is not None:
            case.query[name] = pk if isinstance(value, int) else str(pk)
    if isinstance(case.body, dict):
        for name in list(case.body):
            # A string is no id: an estimation vote's "card" is a label ("5", "M").
            if isinstance(case.body[name], str):
                continue
            if name in ID_FIELDS and (pk := world.id_for(ID_FIELDS[name])) is not None:
                case.body[name] = pk


@schema.parametrize()
# One seeded product serves all the cases of an operation, on purpose (writes pile up as
# they would in a real product); slow cases are the database's, not the generator's.
@settings(suppress_health_check=list(HealthCheck), deadline=None)
@pytest.mark.django_db
@pytest.mark.fuzz
def test_no_generated_input_breaks_the_api(case: Any, fuzz_world: World) -> None:
    aim_at_real_objects(case, fuzz_world)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_world.token}"},
    )


def test_every_api_prefix_has_a_seeded_object_to_aim_at(fuzz_world: World) -> None:
    # Otherwise the fuzzer only ever meets 404s on that prefix's detail routes.
    for prefix, _viewset, _basename in router.registry:
        assert fuzz_world.id_for(prefix) is not None, prefix
        assert resolve(f"/api/v1/{prefix}/")

"""Every parameter a page or an endpoint reads, with values it doesn't take: a 4xx, never a
500, and nothing written.

One table per kind of edge (API filters, page query strings, page forms, API bodies); each
row names the URL and the parameter, each bad value is tried on it. NUL bytes matter most
on PostgreSQL, which refuses them in any text value; run this module there too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from backlog.models import Sprint, Story
from core.models import Event
from products.models import Team
from sprints import services
from sprints.models import Ceremony, CeremonyKind, EstimationRound, RetroCard

pytestmark = pytest.mark.django_db

# Values no id parameter takes: a superscript digit ("²".isdigit() is true), words, signs,
# fractions, zero, and ids past a bigint (2**63 overflows SQLite).
BAD_IDS = ["²", "٣", "abc", "null", "-1", "1.5", "0", str(2**63), "9" * 30]
NUL = "\x00"
FORM = "application/x-www-form-urlencoded"
BAD_DATES = ["2026-13-45", "0000-00-00", "9999-12-31", "1999-12-31", "2101-01-01", "abc"]


@dataclass
class World:
    po: User
    pm: User
    team: Team
    sprint: Sprint
    story: Story
    daily: Ceremony
    retro: Ceremony
    card: RetroCard
    round: EstimationRound
    token: ApiToken

    def fill(self, url: str) -> str:
        return url.format(w=self)


@pytest.fixture
def world(
    po: User, pm: User, team: Team, sprint: Sprint, make_story: Callable[..., Story]
) -> World:
    services.schedule_sprint_ceremonies(actor=po, sprint=sprint)
    story = make_story(title="Export", points=None)
    retro = sprint.ceremonies.get(kind=CeremonyKind.RETROSPECTIVE)
    card = services.add_retro_card(actor=po, ceremony=retro, column="well", text="Pairing")
    round = services.open_round(actor=po, team=team, story=story)
    from accounts.services import create_api_token

    token, _clear = create_api_token(user=po, name="script")
    return World(
        po=po,
        pm=pm,
        team=team,
        sprint=sprint,
        story=story,
        daily=sprint.ceremonies.filter(kind=CeremonyKind.DAILY).order_by("starts_at")[:1].get(),
        retro=retro,
        card=card,
        round=round,
        token=token,
    )


def _writes() -> int:
    # Every write records an event in the same transaction (CONTRIBUTING, "One write path").
    return Event.objects.count()


def _page(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _api(user: User) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def _refused(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])


# API list filters ------------------------------------------------------------------------

API_ID_FILTERS = [
    ("/api/v1/impediments/", "team"),
    ("/api/v1/sprints/", "team"),
    ("/api/v1/ceremonies/", "team"),
    ("/api/v1/ceremonies/", "sprint"),
    ("/api/v1/estimation-rounds/", "team"),
    ("/api/v1/estimation-rounds/", "story"),
    ("/api/v1/estimation-votes/", "round"),
    ("/api/v1/stories/", "product"),
    ("/api/v1/stories/", "sprint"),
    ("/api/v1/tasks/", "story"),
    ("/api/v1/epics/", "product"),
    ("/api/v1/releases/", "product"),
    ("/api/v1/statuses/", "product"),
    ("/api/v1/teams/", "product"),
    ("/api/v1/memberships/", "product"),
    ("/api/v1/invitations/", "product"),
    ("/api/v1/checklist-items/", "product"),
    ("/api/v1/events/", "product"),
    ("/api/v1/events/", "sprint"),
    ("/api/v1/events/", "object_id"),
    ("/api/v1/daily-entries/", "ceremony"),
    ("/api/v1/retro-cards/", "ceremony"),
    ("/api/v1/retro-votes/", "ceremony"),
    ("/api/v1/retro-actions/", "ceremony"),
    ("/api/v1/review-feedback/", "ceremony"),
]


@pytest.mark.parametrize("value", BAD_IDS)
@pytest.mark.parametrize(("url", "name"), API_ID_FILTERS)
def test_an_api_filter_refuses_what_is_not_an_id(
    world: World, url: str, name: str, value: str
) -> None:
    response = _api(world.po).get(url, {name: value, "object_type": "story"})
    assert response.status_code == 400, response.content[:300]
    assert name in response.json()


def test_an_api_filter_still_narrows_with_a_good_id(world: World) -> None:
    api = _api(world.po)
    assert api.get("/api/v1/impediments/", {"team": world.team.pk}).status_code == 200
    assert api.get("/api/v1/ceremonies/", {"team": world.team.pk + 1}).json()["count"] == 0


API_CHOICE_FILTERS = [
    ("/api/v1/sprints/", "state", ["bogus", NUL, "planned" + NUL]),
    ("/api/v1/estimation-rounds/", "state", ["bogus", NUL]),
    ("/api/v1/ceremonies/", "kind", ["bogus", NUL]),
    ("/api/v1/checklist-items/", "kind", ["bogus", NUL]),
    ("/api/v1/events/", "object_type", ["Story!", NUL, "story" + NUL]),
    ("/api/v1/impediments/", "open", ["maybe", NUL]),
    ("/api/v1/stories/", "backlog", ["maybe"]),
    ("/api/v1/stories/", "unestimated", ["maybe", "null"]),
    # An API filter left empty is no filter the schema offers: leave it out.
    ("/api/v1/sprints/", "team", ["", " "]),
    ("/api/v1/review-feedback/", "ceremony", [""]),
    ("/api/v1/sprints/", "page", ["", "abc", "0", "-1", "²"]),
    ("/api/v1/ceremonies/", "from", BAD_DATES),
    ("/api/v1/ceremonies/", "to", BAD_DATES),
]


@pytest.mark.parametrize(
    ("url", "name", "value"),
    [(url, name, value) for url, name, values in API_CHOICE_FILTERS for value in values],
)
def test_an_api_filter_refuses_a_value_it_does_not_take(
    world: World, url: str, name: str, value: str
) -> None:
    response = _api(world.po).get(url, {name: value, "object_id": str(world.story.pk)})
    assert response.status_code == 400, response.content[:300]


@pytest.mark.parametrize(("name", "value"), [("kind", "story"), ("q", "login"), ("ready", "yes")])
def test_the_story_list_refuses_a_backlog_filter_without_its_product(
    world: World, name: str, value: str
) -> None:
    # Ignored without the product, it gave the unfiltered list for a filtered one.
    response = _api(world.po).get("/api/v1/stories/", {name: value})
    assert response.status_code == 400, response.content[:300]
    assert name in response.json()["product"][0]


@pytest.mark.parametrize(("name", "value"), [("team", "abc"), ("team", "null"), ("epic", "²")])
def test_the_story_list_refuses_a_backlog_filter_it_does_not_take(
    world: World, name: str, value: str
) -> None:
    api = _api(world.po)
    response = api.get("/api/v1/stories/", {"product": str(world.team.product_id), name: value})
    assert response.status_code == 400 and name in response.json()


# Page query strings ----------------------------------------------------------------------

PAGE_QUERIES = [
    ("/p/cadence/backlog/", {"after": BAD_IDS}),
    ("/p/cadence/backlog/?after={w.story.pk}", {"start": ["abc", "²", "-5", "9" * 30]}),
    ("/p/cadence/teams/falcons/refinement/", {"ceremony": BAD_IDS, "after": BAD_IDS}),
    ("/p/cadence/teams/falcons/calendar/", {"week": BAD_DATES}),
    ("/p/cadence/backlog/", {"q": [NUL], "team": [NUL]}),
    ("/p/cadence/sprints/{w.sprint.pk}/", {"x": [NUL]}),
    # A page's view switches: an unknown value is refused, not read as the default.
    ("/p/cadence/roadmap/", {"group": ["teams", NUL], "scale": ["year"], "layout": ["grid"]}),
    ("/p/cadence/teams/falcons/calendar/", {"view": ["month", NUL]}),
    ("/p/cadence/teams/falcons/impediments/", {"show": ["closed", NUL]}),
    ("/p/cadence/ceremonies/{w.retro.pk}/retro/", {"sort": ["stars"]}),
    ("/p/cadence/vision/", {"edit": ["yes"]}),
]

# The switches' own values, each still served.
PAGE_SWITCHES = [
    ("/p/cadence/roadmap/", "group", ["release", "team"]),
    ("/p/cadence/roadmap/", "scale", ["month", "quarter"]),
    ("/p/cadence/roadmap/", "layout", ["timeline", "lanes"]),
    ("/p/cadence/teams/falcons/calendar/", "view", ["week", "list"]),
    ("/p/cadence/teams/falcons/impediments/", "show", ["open", "resolved", "all"]),
    ("/p/cadence/ceremonies/{w.retro.pk}/retro/", "sort", ["time", "votes"]),
    ("/p/cadence/vision/", "edit", ["0", "1"]),
]


@pytest.mark.parametrize(
    ("url", "name", "value"), [(u, n, v) for u, n, vs in PAGE_SWITCHES for v in vs]
)
def test_a_page_serves_each_value_of_its_switches(
    world: World, url: str, name: str, value: str
) -> None:
    response = _page(world.po).get(world.fill(url) + "?" + urlencode({name: value}))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url", "name", "value"),
    [(url, name, v) for url, params in PAGE_QUERIES for name, vs in params.items() for v in vs],
)
def test_a_page_refuses_a_query_value_it_does_not_take(
    world: World, url: str, name: str, value: str
) -> None:
    url = world.fill(url)
    response = _page(world.po).get(url + ("&" if "?" in url else "?") + urlencode({name: value}))
    _refused(response)


# Page forms ------------------------------------------------------------------------------

PAGE_FORMS: list[tuple[str, dict[str, str], str, list[str]]] = [
    ("/p/cadence/backlog/bulk/", {"do": "top"}, "stories", BAD_IDS),
    ("/p/cadence/backlog/bulk/", {"stories": "{w.story.pk}"}, "do", [f"epic:{v}" for v in BAD_IDS]),
    ("/p/cadence/ceremonies/{w.daily.pk}/attendance/", {}, "attendees", BAD_IDS),
    ("/p/cadence/teams/falcons/refinement/estimate/", {}, "story", BAD_IDS),
    ("/p/cadence/estimation/{w.round.pk}/agree/", {}, "points", BAD_IDS + ["1001"]),
    (
        "/p/cadence/ceremonies/{w.retro.pk}/retro/cards/{w.card.pk}/group/",
        {},
        "under",
        BAD_IDS,
    ),
    ("/accounts/profile/", {}, "revoke", ["abc", "²", str(2**63)]),
    ("/accounts/profile/", {}, "name", ["script" + NUL]),
    ("/p/cadence/settings/checklists/", {"new-ready-text": "Tested"}, "kind", ["bogus", NUL]),
    ("/p/cadence/backlog/add/", {}, "title", ["Login" + NUL]),
]


@pytest.mark.parametrize(
    ("url", "data", "name", "value"),
    [(url, data, name, v) for url, data, name, values in PAGE_FORMS for v in values],
)
def test_a_form_refuses_a_value_it_does_not_take_and_writes_nothing(
    world: World, url: str, data: dict[str, str], name: str, value: str
) -> None:
    before = _writes(), ApiToken.objects.filter(revoked_at__isnull=True).count()
    form = {k: world.fill(v) for k, v in data.items()} | {name: value}
    response = _page(world.po).post(world.fill(url), form)
    _refused(response)
    assert (_writes(), ApiToken.objects.filter(revoked_at__isnull=True).count()) == before


# API bodies ------------------------------------------------------------------------------


def _deep(depth: int) -> str:
    return '{"title": ' + "[" * depth + "]" * depth + "}"


API_BODIES: list[tuple[str, str, str]] = [
    ("post", "/api/v1/stories/", _deep(100_000)),
    ("post", "/api/v1/stories/", _deep(40)),
    ("patch", "/api/v1/stories/{w.story.pk}/", _deep(100_000)),
    ("post", "/api/v1/stories/", json.dumps({"product": 2**63, "title": "x"})),
    ("post", "/api/v1/stories/", '{"product": 1, "title": "a\\u0000b"}'),
    ("post", "/api/v1/memberships/", '{"product": 1, "user": "po\\u0000", "role": "developer"}'),
    ("post", "/api/v1/impediments/", '{"team": 1, "reason": "x", "\\u0000": 1}'),
    ("post", "/api/v1/ceremonies/{w.daily.pk}/attendance/", json.dumps({"attendees": [2**63]})),
    ("post", "/api/v1/ceremonies/{w.daily.pk}/attendance/", json.dumps({"attendees": [0]})),
]


@pytest.mark.parametrize(("method", "url", "body"), API_BODIES)
def test_an_api_body_it_does_not_take_is_400_and_writes_nothing(
    world: World, method: str, url: str, body: str
) -> None:
    before = _writes()
    # The PM may add members; the others' bodies are the PO's to send.
    client = _api(world.pm if "memberships" in url else world.po)
    response = getattr(client, method)(
        world.fill(url),
        body.replace('"product": 1', f'"product": {world.team.product_id}'),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content[:300]
    assert _writes() == before


def test_a_json_body_with_a_nul_is_refused(world: World) -> None:
    response = _api(world.po).post(
        "/api/v1/stories/", {"product": world.team.product_id, "title": "a" + NUL}
    )
    assert response.status_code == 400 and "detail" in response.json()
    assert not Story.objects.filter(title__startswith="a").exists()


@pytest.mark.parametrize("format", ["multipart", None])
def test_the_api_takes_json_only(world: World, format: str | None) -> None:
    # A form can't say null or false apart from "" and "0": DRF's form parsers read "" as a
    # cleared date and "0" as false, so the API saved what its schema refuses.
    body = {"product": world.team.product_id, "title": "By form"}
    client = _api(world.po)
    if format:
        response = client.post("/api/v1/stories/", body, format=format)
    else:
        response = client.post("/api/v1/stories/", urlencode(body), content_type=FORM)
    assert response.status_code == 415, response.content[:300]
    assert not Story.objects.filter(title="By form").exists()


def test_a_shallow_body_is_still_accepted(world: World) -> None:
    body = {"product": world.team.product_id, "title": "Nested fine", "labels": []}
    response = _api(world.po).post("/api/v1/stories/", body, format="json")
    assert response.status_code == 201, response.content

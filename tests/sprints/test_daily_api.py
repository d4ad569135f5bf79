"""The daily entries' endpoint and the impediments' new fields: the same services and
rights as the pages, scoped to the user's products."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from backlog.models import Sprint, SprintState, Story
from core import clock
from core.access import Role
from products.models import Product, Team
from sprints import services
from sprints.models import Ceremony, DailyEntry, Impediment
from tests.conftest import MakeStory
from tests.products.factories import MembershipFactory, ProductFactory, TeamFactory, UserFactory
from tests.sprints.factories import CeremonyFactory, SprintFactory

DURING = dt.datetime(2026, 3, 3, 8, 40, tzinfo=dt.UTC)  # 09:40 in Paris
NEXT_DAY = DURING + dt.timedelta(days=1)
ENTRIES = "/api/v1/daily-entries/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def active(team: Team) -> Sprint:
    return SprintFactory(team=team, name="Sprint 3", state=SprintState.ACTIVE)


@pytest.fixture
def daily(team: Team, active: Sprint) -> Ceremony:
    return CeremonyFactory(team=team, sprint=active)


@pytest.fixture
def story(active: Sprint, make_story: MakeStory) -> Story:
    return make_story(title="Card payments", sprint=active)


def _post(api: APIClient, user: User, data: dict[str, Any], url: str = ENTRIES) -> Any:
    api.force_authenticate(user)
    with clock.at(DURING):
        return api.post(url, data, format="json")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("po", 201),
        ("scrum_master", 201),
        ("developer", 201),
        ("pm", 403),
        ("stakeholder", 403),
        ("other_team_developer", 403),
        ("outsider", 403),  # no role anywhere to write a daily: refused before the body
    ],
)
def test_only_team_members_write_entries(
    api: APIClient, request: pytest.FixtureRequest, daily: Ceremony, role: str, status: int
) -> None:
    response = _post(api, request.getfixturevalue(role), {"ceremony": daily.pk, "done": "x"})
    assert response.status_code == status, response.content
    assert DailyEntry.objects.exists() == (status == 201)


def test_a_blocker_through_the_api_raises_an_impediment(
    api: APIClient, developer: User, daily: Ceremony, story: Story
) -> None:
    response = _post(
        api,
        developer,
        {"ceremony": daily.pk, "doing": "Tests", "blockers": "No keys", "blocker_story": story.pk},
    )
    assert response.status_code == 201
    assert response.json()["author"] == developer.pk and response.json()["version"] == 1
    impediment = Impediment.objects.get()
    assert (impediment.story, impediment.owner, impediment.raised_in) == (story, developer, daily)
    listed = api.get("/api/v1/impediments/", {"open": "1"}).json()["results"]
    assert listed[0]["owner"] == developer.pk and listed[0]["raised_in"] == daily.pk


def test_a_past_daily_is_read_only_through_the_api(
    api: APIClient, developer: User, daily: Ceremony
) -> None:
    api.force_authenticate(developer)
    with clock.at(NEXT_DAY):
        response = api.post(ENTRIES, {"ceremony": daily.pk, "done": "late"}, format="json")
    assert response.status_code == 400


def test_editing_needs_a_fresh_version_and_the_author(
    api: APIClient, developer: User, scrum_master: User, daily: Ceremony
) -> None:
    entry = _post(api, developer, {"ceremony": daily.pk, "doing": "A"}).json()
    url = f"{ENTRIES}{entry['id']}/"
    with clock.at(DURING):
        ok = api.patch(url, {"version": 1, "doing": "B"}, format="json")
        stale = api.patch(url, {"version": 1, "doing": "C"}, format="json")
        api.force_authenticate(scrum_master)
        theirs = api.patch(url, {"version": 2, "doing": "D"}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert stale.status_code == 409 and stale.json()["current"]["doing"] == "B"
    assert theirs.status_code == 403
    assert DailyEntry.objects.get(author=developer).doing == "B"


def test_the_done_action(api: APIClient, developer: User, daily: Ceremony) -> None:
    response = _post(
        api, developer, {"ceremony": daily.pk, "finished": True}, url=f"{ENTRIES}finished/"
    )
    assert response.status_code == 200 and response.json()["finished"] is True


def test_the_list_is_scoped_and_filtered_by_daily(
    api: APIClient, developer: User, po: User, daily: Ceremony, outsider: User
) -> None:
    with clock.at(DURING):
        services.write_daily_entry(actor=po, ceremony=daily, done="a", doing="", blockers="")
    other = ProductFactory()
    stranger = UserFactory()
    other_team = TeamFactory(product=other)
    MembershipFactory(user=stranger, product=other, team=other_team, role=Role.DEVELOPER)
    elsewhere = CeremonyFactory(team=other_team)
    with clock.at(DURING):
        services.write_daily_entry(
            actor=stranger, ceremony=elsewhere, done="secret", doing="", blockers=""
        )
    api.force_authenticate(developer)
    ids = [e["ceremony"] for e in api.get(ENTRIES).json()["results"]]
    assert ids == [daily.pk]
    assert api.get(ENTRIES, {"ceremony": elsewhere.pk}).json()["results"] == []
    secret = DailyEntry.objects.get(author=stranger)
    assert api.get(f"{ENTRIES}{secret.pk}/").status_code == 404
    api.force_authenticate(outsider)
    assert api.get(ENTRIES).json()["results"] == []


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_whatever_the_entries(
    api: APIClient,
    product: Product,
    team: Team,
    po: User,
    daily: Ceremony,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    for _ in range(count):
        user = UserFactory()
        MembershipFactory(user=user, product=product, team=team, role=Role.DEVELOPER)
        with clock.at(DURING):
            services.write_daily_entry(actor=user, ceremony=daily, done="", doing="x", blockers="")
    api.force_authenticate(po)
    with django_assert_num_queries(2):  # the count and the page
        response = api.get(ENTRIES, {"ceremony": daily.pk})
    assert response.json()["count"] == count


def test_an_impediment_of_the_whole_team_through_the_api(
    api: APIClient, developer: User, team: Team, stakeholder: User
) -> None:
    api.force_authenticate(developer)
    response = api.post(
        "/api/v1/impediments/", {"team": team.pk, "reason": "CI down"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["story"] is None and response.json()["owner"] == developer.pk
    assert api.post("/api/v1/impediments/", {"reason": "?"}, format="json").status_code == 400
    api.force_authenticate(stakeholder)
    refused = api.post("/api/v1/impediments/", {"team": team.pk, "reason": "x"}, format="json")
    assert refused.status_code == 403


def test_the_schema_documents_the_daily_entries(api: APIClient, po: User) -> None:
    api.force_authenticate(po)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/daily-entries/" in schema["paths"]
    assert "/api/v1/daily-entries/finished/" in schema["paths"]


# Found by the schemathesis run (tests/api/test_schemathesis.py): "?ceremony=²" raised
# ValueError in int(), and an id past the database's range overflowed SQLite: 500s.
@pytest.mark.django_db
def test_a_ceremony_filter_that_is_no_id_is_refused(developer: User) -> None:
    api = APIClient()
    api.force_authenticate(developer)
    for value in ("99999999999999999999", "²"):
        response = api.get("/api/v1/daily-entries/", {"ceremony": value})
        assert response.status_code == 400, (value, response.content)

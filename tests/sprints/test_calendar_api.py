"""/api/v1/ceremonies/: the calendar's list and one ceremony's edits, as the pages do them."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.models import User
from backlog.models import Sprint
from core import clock
from products.models import Team
from sprints.models import Ceremony, CeremonyKind
from sprints.services import schedule_sprint_ceremonies
from tests.sprints.factories import SprintFactory

pytestmark = pytest.mark.django_db

K = CeremonyKind
URL = "/api/v1/ceremonies/"


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def scheduled(po: User, sprint: Sprint) -> Sprint:
    schedule_sprint_ceremonies(actor=po, sprint=sprint)
    return sprint


@pytest.fixture
def review(scheduled: Sprint) -> Ceremony:
    return scheduled.ceremonies.get(kind=K.REVIEW)


def test_the_list_filters_by_team_sprint_kind_and_dates(
    developer: User, scheduled: Sprint, team: Team
) -> None:
    api = _api(developer)
    assert api.get(URL).json()["count"] == 13
    assert api.get(URL, {"team": team.pk}).json()["count"] == 13
    assert api.get(URL, {"sprint": str(scheduled.pk), "kind": "daily"}).json()["count"] == 9
    week = api.get(URL, {"from": "2026-03-09", "to": "2026-03-14"}).json()
    assert week["count"] == 7  # five dailies (Monday to Friday), review and retro
    first = week["results"][0]
    assert first["uid"] == f"ceremony-{first['id']}@cadence"
    assert first["kind"] == "daily" and first["version"] == 1


def test_non_members_see_nothing_of_other_products(
    outsider: User, scheduled: Sprint, team: Team, review: Ceremony
) -> None:
    api = _api(outsider)
    assert api.get(URL).json()["count"] == 0
    assert api.get(URL, {"team": team.pk}).json()["count"] == 0
    assert api.get(f"{URL}{review.pk}/").status_code == 404


def test_the_list_costs_the_same_queries_for_one_or_five_sprints(
    po: User, team: Team, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    api = _api(po)
    start = dt.date(2026, 3, 2)
    for n in (1, 5):
        while Sprint.objects.filter(team=team).count() < n:
            sprint = SprintFactory(team=team, start_date=start)
            schedule_sprint_ceremonies(actor=po, sprint=sprint)
            start += dt.timedelta(days=14)
        with django_assert_num_queries(3):
            assert api.get(URL, {"team": team.pk}).status_code == 200


def test_patch_moves_and_stale_is_409(po: User, review: Ceremony) -> None:
    api = _api(po)
    later = "2026-03-13T10:00:00+01:00"
    response = api.patch(
        f"{URL}{review.pk}/", {"version": 1, "starts_at": later, "location": "Room 4"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["version"], body["location"], body["moved_by_hand"]) == (2, "Room 4", True)
    stale = api.patch(f"{URL}{review.pk}/", {"version": 1, "title": "x"})
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2
    too_long = api.patch(f"{URL}{review.pk}/", {"version": 2, "duration_minutes": 121})
    assert too_long.status_code == 400
    assert "duration_minutes" in too_long.json()


def test_patch_notes_by_a_developer_but_not_the_time(developer: User, review: Ceremony) -> None:
    api = _api(developer)
    response = api.patch(f"{URL}{review.pk}/", {"version": 1, "notes": "- went well"})
    assert response.status_code == 200
    assert response.json()["notes"] == "- went well"
    assert api.patch(f"{URL}{review.pk}/", {"version": 2, "title": "x"}).status_code == 403


def test_actions_cancel_restore_start_end_attendance(
    scrum_master: User, developer: User, review: Ceremony
) -> None:
    api = _api(scrum_master)
    assert api.post(f"{URL}{review.pk}/cancel/").json()["cancelled"] is True
    assert api.post(f"{URL}{review.pk}/cancel/").status_code == 400
    assert api.post(f"{URL}{review.pk}/restore/").json()["cancelled"] is False
    start = dt.datetime(2026, 3, 13, 13, 0, tzinfo=dt.UTC)
    with clock.at(start):
        assert api.post(f"{URL}{review.pk}/start/").status_code == 200
    with clock.at(start + dt.timedelta(minutes=125)):
        assert api.post(f"{URL}{review.pk}/end/").json()["overrun_minutes"] == 5
    response = api.post(f"{URL}{review.pk}/attendance/", {"attendees": [developer.pk]}, "json")
    assert response.json()["attendees"] == [developer.pk]
    assert (
        api.post(f"{URL}{review.pk}/attendance/", {"attendees": [99999]}, "json").status_code == 400
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [("po", 200), ("scrum_master", 200), ("developer", 403), ("pm", 403), ("stakeholder", 403),
     ("other_team_po", 403), ("other_team_developer", 403), ("outsider", 404)],
)  # fmt: skip
@pytest.mark.parametrize("action", ["cancel", "start", "attendance"])
def test_who_may_schedule_through_the_api(
    request: pytest.FixtureRequest, review: Ceremony, role: str, status: int, action: str
) -> None:
    api = _api(request.getfixturevalue(role))
    response = api.post(f"{URL}{review.pk}/{action}/", {"attendees": []}, "json")
    assert response.status_code == status


# Found by the schemathesis run (tests/api/test_schemathesis.py).


def test_a_ceremony_without_a_video_link_answers_as_documented(
    scrum_master: User, review: Ceremony
) -> None:
    from drf_spectacular.generators import SchemaGenerator

    # An empty link is "": the schema said "format: uri", which "" breaks.
    api = _api(scrum_master)
    assert api.get(f"{URL}{review.pk}/").json()["video_url"] == ""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    video_url = schema["components"]["schemas"]["Ceremony"]["properties"]["video_url"]
    assert "format" not in video_url and {"maxLength": 0} in video_url["anyOf"]
    # Still a link when one is given.
    response = api.patch(
        f"{URL}{review.pk}/", {"version": review.version, "video_url": "not a link"}, format="json"
    )
    assert response.status_code == 400 and "video_url" in response.json()
    response = api.patch(
        f"{URL}{review.pk}/",
        {"version": review.version, "video_url": "https://meet.example.com/r"},
        format="json",
    )
    assert response.json()["video_url"] == "https://meet.example.com/r"
    response = api.patch(
        f"{URL}{review.pk}/",
        {"version": response.json()["version"], "video_url": ""},
        format="json",
    )
    assert response.json()["video_url"] == ""


def test_a_filter_id_past_the_databases_range_is_refused(
    developer: User, scheduled: Sprint
) -> None:
    api = _api(developer)
    for name in ("team", "sprint"):
        for value in ("99999999999999999999", "²"):
            response = api.get(URL, {name: value})
            assert response.status_code == 400 and name in response.json()

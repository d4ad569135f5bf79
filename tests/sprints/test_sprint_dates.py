"""A team's sprints never overlap, a new sprint can't be over already unless it is recorded
as past, and the sprint's day count runs from the day it was actually started (issue 16)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, TypedDict

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from backlog.models import Sprint, SprintState
from core import clock
from core.models import Event
from products.models import Team
from sprints import services
from sprints.models import Ceremony
from sprints.services import sprint as sprint_services
from tests.conftest import violates
from tests.sprints.factories import SPRINT_START, SprintFactory

pytestmark = pytest.mark.django_db

# Sunday 1 March 2026, the day before the ``sprint`` fixture (2–15 March) begins.
BEFORE = dt.datetime(2026, 3, 1, 11, 0, tzinfo=dt.UTC)
OVERLAP = "These dates overlap Sprint 1 (2–15 March)."


@pytest.fixture(autouse=True)
def _before_the_sprint() -> Iterator[None]:
    with clock.at(BEFORE):
        yield


class _Dates(TypedDict):
    start_date: dt.date
    end_date: dt.date


def _dates(start: dt.date, days: int = 14) -> _Dates:
    return {"start_date": start, "end_date": start + dt.timedelta(days=days - 1)}


def _nothing_written_but(*sprints: Sprint) -> None:
    assert list(Sprint.objects.order_by("pk")) == list(sprints)
    assert not Event.objects.filter(verb="sprint.created").exists()


# Overlaps: the service


@pytest.mark.parametrize("state", [SprintState.PLANNED, SprintState.ACTIVE, SprintState.CLOSED])
def test_it_refuses_a_sprint_that_overlaps_another_of_the_team_whatever_its_state(
    po: User, sprint: Sprint, state: SprintState
) -> None:
    Sprint.objects.filter(pk=sprint.pk).update(state=state)
    with pytest.raises(ValidationError) as refused:
        services.create_sprint(
            actor=po, team=sprint.team, name="Sprint 2", **_dates(SPRINT_START + dt.timedelta(7))
        )
    assert refused.value.message_dict == {"start_date": [OVERLAP]}
    _nothing_written_but(sprint)
    assert not Ceremony.objects.exists()


def test_it_refuses_a_sprint_that_holds_another_inside_it(po: User, sprint: Sprint) -> None:
    with pytest.raises(ValidationError, match="overlap Sprint 1"):
        services.create_sprint(
            actor=po, team=sprint.team, name="Sprint 2", **_dates(SPRINT_START, 28)
        )


def test_a_sprint_may_start_the_day_after_the_last_one_ends(po: User, sprint: Sprint) -> None:
    created = services.create_sprint(
        actor=po, team=sprint.team, name="Sprint 2", **_dates(sprint.end_date + dt.timedelta(1))
    )
    assert created.start_date == dt.date(2026, 3, 16)


def test_it_refuses_a_sprint_that_ends_on_the_first_day_of_another(
    po: User, sprint: Sprint
) -> None:
    with pytest.raises(ValidationError, match="overlap Sprint 1"):
        services.create_sprint(
            actor=po,
            team=sprint.team,
            name="Sprint 0",
            start_date=SPRINT_START - dt.timedelta(13),
            end_date=SPRINT_START,
        )


def test_another_teams_sprint_may_have_the_same_dates(
    other_team_po: User, other_team: Team, sprint: Sprint
) -> None:
    created = services.create_sprint(
        actor=other_team_po, team=other_team, name="Sprint 1", **_dates(SPRINT_START)
    )
    assert created.team == other_team


def test_the_refusal_names_both_months_of_a_sprint_across_two(
    po: User, team: Team, superuser: User
) -> None:
    SprintFactory(team=team, name="Sprint 4", **_dates(dt.date(2026, 3, 23)))  # to 5 April
    with pytest.raises(ValidationError) as refused:
        services.create_sprint(actor=po, team=team, name="Sprint 5", **_dates(dt.date(2026, 4, 1)))
    assert refused.value.messages == ["These dates overlap Sprint 4 (23 March–5 April)."]


def test_update_sprint_refuses_dates_that_overlap_another_sprint(po: User, sprint: Sprint) -> None:
    later = SprintFactory(team=sprint.team, name="Sprint 2")  # 16–29 March
    with pytest.raises(ValidationError) as refused:
        services.update_sprint(
            actor=po,
            sprint=later,
            name=later.name,
            goal="",
            **_dates(sprint.end_date),
        )
    assert refused.value.message_dict == {"start_date": [OVERLAP]}
    later.refresh_from_db()
    assert later.start_date == dt.date(2026, 3, 16)
    assert not Event.objects.filter(verb="sprint.updated").exists()


def test_update_sprint_may_move_a_sprint_over_its_own_days(po: User, sprint: Sprint) -> None:
    moved = services.update_sprint(
        actor=po, sprint=sprint, name=sprint.name, goal="", **_dates(SPRINT_START, 21)
    )
    assert moved.length_days == 21


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's constraint")
def test_the_database_refuses_overlapping_sprints_of_a_team(sprint: Sprint) -> None:
    with violates("backlog_sprint_no_overlap"):
        Sprint.objects.create(
            team=sprint.team, name="Twin", **_dates(SPRINT_START + dt.timedelta(13))
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's constraint")
def test_the_database_lets_a_sprint_follow_the_last_one(sprint: Sprint) -> None:
    Sprint.objects.create(
        team=sprint.team, name="Next", **_dates(sprint.end_date + dt.timedelta(1))
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's constraint")
def test_a_race_past_the_check_gets_the_same_refusal(
    po: User, sprint: Sprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another transaction wrote its sprint after this one's check: the constraint's error
    becomes the check's message."""
    check = sprint_services.check_no_overlap
    calls: list[object] = []

    def blind_first(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        if len(calls) > 1:
            check(*args, **kwargs)

    monkeypatch.setattr(sprint_services, "check_no_overlap", blind_first)
    with pytest.raises(ValidationError) as refused:
        services.create_sprint(
            actor=po, team=sprint.team, name="Sprint 2", **_dates(SPRINT_START + dt.timedelta(1))
        )
    assert refused.value.message_dict == {"start_date": [OVERLAP]}
    assert len(calls) == 2
    _nothing_written_but(sprint)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_creating_and_moving_a_sprint_lock_the_team_first(po: User, sprint: Sprint) -> None:
    with CaptureQueriesContext(connection) as ctx:
        services.create_sprint(
            actor=po, team=sprint.team, name="Sprint 2", **_dates(sprint.end_date + dt.timedelta(1))
        )
        services.update_sprint(
            actor=po, sprint=sprint, name=sprint.name, goal="x", **_dates(SPRINT_START)
        )
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 2 and all('"products_team"' in q for q in locks)


# Overlaps: the page and the API


def _page_create(client: Client, team: Team, start: dt.date, **extra: str) -> Any:
    url = reverse("sprints:sprint_create", args=[team.product.slug, team.slug])
    end = start + dt.timedelta(days=13)
    data = {"name": "Sprint 2", "start_date": start.isoformat(), "end_date": end.isoformat()}
    return client.post(url, data | extra)


def test_the_page_refuses_an_overlapping_sprint(client: Client, po: User, sprint: Sprint) -> None:
    client.force_login(po)
    response = _page_create(client, sprint.team, SPRINT_START + dt.timedelta(3))
    assert response.status_code == 422
    assert OVERLAP in response.content.decode()
    _nothing_written_but(sprint)


def test_the_edit_page_refuses_overlapping_dates(client: Client, po: User, sprint: Sprint) -> None:
    later = SprintFactory(team=sprint.team, name="Sprint 2")
    client.force_login(po)
    url = reverse("sprints:sprint_edit", args=[sprint.team.product.slug, later.pk])
    start, end = dt.date(2026, 3, 10), dt.date(2026, 3, 23)
    response = client.post(
        url, {"name": "Sprint 2", "start_date": start.isoformat(), "end_date": end.isoformat()}
    )
    assert response.status_code == 422
    assert OVERLAP in response.content.decode()
    later.refresh_from_db()
    assert later.start_date == dt.date(2026, 3, 16)


def _api(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _api_create(user: User, team: Team, start: dt.date, **extra: object) -> Any:
    end = start + dt.timedelta(days=13)
    body = {"team": team.pk, "name": "Sprint 2", "start_date": start, "end_date": end}
    return _api(user).post("/api/v1/sprints/", body | extra, format="json")


def test_the_api_refuses_an_overlapping_sprint(po: User, sprint: Sprint) -> None:
    response = _api_create(po, sprint.team, SPRINT_START + dt.timedelta(3))
    assert response.status_code == 400
    assert response.json()["start_date"] == [OVERLAP]
    _nothing_written_but(sprint)


# A sprint that is over already


PAST_START = dt.date(2026, 2, 2)  # to 15 February, before BEFORE


def test_it_refuses_a_new_sprint_entirely_in_the_past(po: User, team: Team) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_sprint(actor=po, team=team, name="Sprint 0", **_dates(PAST_START))
    assert list(refused.value.message_dict) == ["end_date"]
    assert "Record a past sprint" in refused.value.messages[0]
    _nothing_written_but()


def test_a_sprint_that_ends_today_is_not_past(po: User, team: Team) -> None:
    end = dt.date(2026, 3, 1)
    sprint = services.create_sprint(
        actor=po, team=team, name="S", start_date=end - dt.timedelta(13), end_date=end
    )
    assert sprint.end_date == end


def test_a_recorded_past_sprint_is_created_without_ceremonies(po: User, team: Team) -> None:
    sprint = services.create_sprint(
        actor=po, team=team, name="Sprint 0", record_past=True, **_dates(PAST_START)
    )
    assert sprint.state == SprintState.PLANNED
    assert not Ceremony.objects.exists()
    assert Event.objects.get(verb="sprint.created").after["record_past"] is True


def test_a_planned_sprint_still_gets_its_ceremonies(po: User, team: Team) -> None:
    services.create_sprint(actor=po, team=team, name="Sprint 1", **_dates(SPRINT_START))
    assert Ceremony.objects.filter(sprint__team=team).exists()


def test_only_a_sprint_that_ended_can_be_recorded_as_past(po: User, team: Team) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_sprint(
            actor=po, team=team, name="S", record_past=True, **_dates(SPRINT_START)
        )
    assert list(refused.value.message_dict) == ["record_past"]
    _nothing_written_but()


def test_a_recorded_past_sprint_may_not_overlap_either(po: User, sprint: Sprint) -> None:
    with (
        clock.at(dt.datetime(2026, 3, 20, 11, 0, tzinfo=dt.UTC)),
        pytest.raises(ValidationError, match="overlap Sprint 1"),
    ):
        services.create_sprint(
            actor=po,
            team=sprint.team,
            name="Sprint 0",
            record_past=True,
            **_dates(dt.date(2026, 2, 17)),  # to 2 March, Sprint 1's first day
        )


def test_the_past_is_the_teams_today(po: User, team: Team) -> None:
    """At 23:30 UTC on 1 March it is already 2 March in Paris: a sprint ending on the 1st
    is over there."""
    assert team.timezone == "Europe/Paris"
    end = dt.date(2026, 3, 1)
    with clock.at(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)), pytest.raises(ValidationError):
        services.create_sprint(
            actor=po, team=team, name="S", start_date=end - dt.timedelta(13), end_date=end
        )


def test_the_page_refuses_a_past_sprint_unless_recorded(
    client: Client, po: User, team: Team
) -> None:
    client.force_login(po)
    refused = _page_create(client, team, PAST_START)
    assert refused.status_code == 422
    assert "Record a past sprint" in refused.content.decode()
    assert not Sprint.objects.exists()
    recorded = _page_create(client, team, PAST_START, record_past="on")
    assert recorded.status_code == 302
    assert Sprint.objects.get().end_date == dt.date(2026, 2, 15)
    assert not Ceremony.objects.exists()


def test_the_team_page_offers_to_record_a_past_sprint(client: Client, po: User, team: Team) -> None:
    client.force_login(po)
    html = client.get(reverse("sprints:team", args=[team.product.slug, team.slug])).content
    assert b'name="record_past"' in html and b"Record a past sprint" in html


def test_the_api_refuses_a_past_sprint_unless_recorded(po: User, team: Team) -> None:
    refused = _api_create(po, team, PAST_START)
    assert refused.status_code == 400
    assert "Record a past sprint" in refused.json()["end_date"][0]
    assert not Sprint.objects.exists()
    recorded = _api_create(po, team, PAST_START, record_past=True)
    assert recorded.status_code == 201, recorded.json()
    assert "record_past" not in recorded.json()
    assert not Ceremony.objects.exists()


def test_the_api_refuses_to_record_a_future_sprint_as_past(po: User, team: Team) -> None:
    response = _api_create(po, team, SPRINT_START, record_past=True)
    assert response.status_code == 400 and "record_past" in response.json()
    assert not Sprint.objects.exists()


# The day count


def _started(sprint: Sprint, when: dt.datetime, po: User) -> Sprint:
    with clock.at(when):
        return services.start_sprint(actor=po, sprint=sprint)


def test_a_sprint_started_early_counts_its_days_from_its_start(po: User, sprint: Sprint) -> None:
    sprint = _started(sprint, dt.datetime(2026, 2, 23, 9, 0, tzinfo=dt.UTC), po)  # a week early
    assert sprint.first_day == dt.date(2026, 2, 23)
    assert sprint.running_days == 21 and sprint.length_days == 14
    assert sprint.day_number(dt.date(2026, 2, 23)) == 1
    assert sprint.day_number(SPRINT_START) == 8
    assert sprint.day_number(sprint.end_date) == 21


def test_a_sprint_started_late_has_the_days_left(po: User, sprint: Sprint) -> None:
    sprint = _started(sprint, dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC), po)
    assert sprint.running_days == 12
    assert sprint.day_number(dt.date(2026, 3, 4)) == 1


def test_a_planned_sprint_counts_from_its_start_date(sprint: Sprint) -> None:
    assert sprint.first_day == SPRINT_START and sprint.running_days == 14
    assert sprint.day_number(SPRINT_START + dt.timedelta(3)) == 4


def test_the_start_day_is_the_teams_day(po: User, sprint: Sprint) -> None:
    """Started at 23:30 UTC on Sunday 1 March: Monday already, in Paris."""
    sprint = _started(sprint, dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), po)
    assert sprint.first_day == SPRINT_START


def test_the_board_counts_the_days_of_a_sprint_started_early(
    client: Client, po: User, sprint: Sprint
) -> None:
    _started(sprint, dt.datetime(2026, 2, 23, 9, 0, tzinfo=dt.UTC), po)
    client.force_login(po)
    url = reverse("sprints:board", args=[sprint.team.product.slug, sprint.team.slug])
    with clock.at(dt.datetime(2026, 2, 23, 15, 0, tzinfo=dt.UTC)):
        assert "day 1 of 21" in client.get(url).content.decode()
    with clock.at(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)):
        assert "day 8 of 21" in client.get(url).content.decode()


def test_the_overview_counts_the_days_of_a_sprint_started_early(
    client: Client, po: User, sprint: Sprint
) -> None:
    _started(sprint, dt.datetime(2026, 2, 23, 9, 0, tzinfo=dt.UTC), po)
    client.force_login(po)
    url = reverse("sprints:product_overview", args=[sprint.team.product.slug])
    with clock.at(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)):
        assert "day 8 of 21" in client.get(url).content.decode()

from __future__ import annotations

import datetime as dt

import pytest

from backlog.models import Sprint, SprintState
from products.models import Team
from tests.conftest import violates
from tests.sprints.factories import SPRINT_START, SprintFactory

pytestmark = pytest.mark.django_db


def _sprint(team: Team, days: int, **kwargs: object) -> Sprint:
    """A sprint of ``days`` days, both ends included, written straight to the table."""
    kwargs.setdefault("name", f"{days} days")
    return Sprint.objects.create(
        team=team,
        start_date=SPRINT_START,
        end_date=SPRINT_START + dt.timedelta(days=days - 1),
        **kwargs,
    )


@pytest.mark.parametrize("days", [1, 13, 29, 60])
def test_it_refuses_a_sprint_shorter_than_two_or_longer_than_four_weeks(
    team: Team, days: int
) -> None:
    with violates("backlog_sprint_length_2_to_4_weeks"):
        _sprint(team, days)


def test_it_refuses_a_sprint_that_ends_before_it_starts(team: Team) -> None:
    with violates("backlog_sprint_length_2_to_4_weeks"):
        _sprint(team, -13)


@pytest.mark.parametrize("days", [14, 21, 28])
def test_it_accepts_a_sprint_of_two_to_four_weeks(team: Team, days: int) -> None:
    assert _sprint(team, days).length_days == days


def test_it_refuses_two_active_sprints_in_a_team(team: Team) -> None:
    SprintFactory(team=team, state=SprintState.ACTIVE)
    with violates("backlog_sprint_one_active_per_team"):
        SprintFactory(team=team, state=SprintState.ACTIVE)


def test_it_accepts_one_active_sprint_in_each_of_two_teams(team: Team, other_team: Team) -> None:
    SprintFactory(team=team, state=SprintState.ACTIVE)
    SprintFactory(team=other_team, state=SprintState.ACTIVE)


def test_it_accepts_many_planned_and_closed_sprints_beside_the_active_one(team: Team) -> None:
    SprintFactory(team=team, state=SprintState.ACTIVE)
    SprintFactory.create_batch(2, team=team, state=SprintState.PLANNED)
    SprintFactory.create_batch(2, team=team, state=SprintState.CLOSED)


def test_it_refuses_two_sprints_with_one_name_in_a_team(team: Team) -> None:
    SprintFactory(team=team, name="Sprint 1")
    with violates("backlog_sprint_name_unique"):
        SprintFactory(team=team, name="Sprint 1")


def test_it_accepts_one_sprint_name_in_two_teams(team: Team, other_team: Team) -> None:
    SprintFactory(team=team, name="Sprint 1")
    SprintFactory(team=other_team, name="Sprint 1")

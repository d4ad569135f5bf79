from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import User
from backlog.models import Sprint, SprintState
from core.access import Role
from core.models import Event
from products.models import Product, Team
from sprints.models import Ceremony, CeremonyKind
from sprints.services import plan_for, schedule_sprint_ceremonies
from tests.products.factories import MembershipFactory, TeamFactory
from tests.sprints.factories import SPRINT_START, SprintFactory

pytestmark = pytest.mark.django_db

K = CeremonyKind
# The Scrum Guide's timeboxes for a one-month sprint, in minutes; shorter sprints get less.
GUIDE_CAPS = {K.PLANNING: 8 * 60, K.REVIEW: 4 * 60, K.RETROSPECTIVE: 3 * 60, K.DAILY: 15}


def _local(ceremony: Ceremony) -> dt.datetime:
    return ceremony.starts_at.astimezone(ceremony.team.tzinfo)


def _of(ceremonies: list[Ceremony], kind: CeremonyKind) -> list[Ceremony]:
    return [c for c in ceremonies if c.kind == kind]


def test_a_two_week_sprint_gets_the_scrum_events_on_its_working_days(sprint: Sprint) -> None:
    ceremonies = plan_for(sprint)
    assert Counter(c.kind for c in ceremonies) == {
        K.PLANNING: 1,
        K.DAILY: 9,
        K.REFINEMENT: 1,
        K.REVIEW: 1,
        K.RETROSPECTIVE: 1,
    }
    (planning,) = _of(ceremonies, K.PLANNING)
    assert _local(planning) == dt.datetime(2026, 3, 2, 10, 0, tzinfo=sprint.team.tzinfo)

    working_days = [SPRINT_START + dt.timedelta(days=d) for d in (*range(5), *range(7, 12))]
    daily_days = [_local(c).date() for c in _of(ceremonies, K.DAILY)]
    assert daily_days == working_days[1:]  # planning takes the first day's place

    (refinement,) = _of(ceremonies, K.REFINEMENT)
    assert _local(refinement).date().isoweekday() == 3
    assert _local(refinement).date() < working_days[5]  # not in the last week

    (review,) = _of(ceremonies, K.REVIEW)
    (retro,) = _of(ceremonies, K.RETROSPECTIVE)
    last_friday = dt.date(2026, 3, 13)
    assert _local(review).date() == _local(retro).date() == last_friday
    assert retro.starts_at >= review.ends_at


def test_ceremonies_keep_to_the_teams_working_days(product: Product) -> None:
    team = TeamFactory(product=product, working_days=[7, 1, 2, 3, 4])  # Sunday to Thursday
    sprint = SprintFactory(team=team)
    days = {_local(c).date().isoweekday() for c in plan_for(sprint)}
    assert days <= {7, 1, 2, 3, 4}
    (review,) = _of(plan_for(sprint), K.REVIEW)
    assert _local(review).date() == dt.date(2026, 3, 15)  # its last day, a Sunday, is worked


@pytest.mark.parametrize(
    ("weeks", "planning", "review", "retro"),
    [(2, 240, 120, 90), (3, 360, 180, 135), (4, 480, 240, 180)],
)
def test_timeboxes_grow_with_the_sprint_up_to_the_scrum_guide_caps(
    team: Team, weeks: int, planning: int, review: int, retro: int
) -> None:
    sprint = SprintFactory(team=team, end_date=SPRINT_START + dt.timedelta(days=7 * weeks - 1))
    minutes = {c.kind: c.duration_minutes for c in plan_for(sprint)}
    assert minutes[K.PLANNING] == planning
    assert minutes[K.REVIEW] == review
    assert minutes[K.RETROSPECTIVE] == retro
    assert minutes[K.DAILY] == 15
    for kind, cap in GUIDE_CAPS.items():
        assert minutes[kind] <= cap


@pytest.mark.parametrize("weeks", [2, 3, 4])
def test_the_review_and_retrospective_end_within_the_working_day(team: Team, weeks: int) -> None:
    sprint = SprintFactory(team=team, end_date=SPRINT_START + dt.timedelta(days=7 * weeks - 1))
    ceremonies = plan_for(sprint)
    (review,) = _of(ceremonies, K.REVIEW)
    (retro,) = _of(ceremonies, K.RETROSPECTIVE)
    last_daily = max(_of(ceremonies, K.DAILY), key=lambda c: c.starts_at)
    assert review.starts_at >= last_daily.ends_at
    assert retro.starts_at >= review.ends_at
    assert retro.ends_at.astimezone(team.tzinfo).time() <= dt.time(18, 0)


@pytest.mark.parametrize(
    ("timezone", "start", "change"),
    [
        # Last Sunday of March: Paris moves from UTC+1 to UTC+2.
        ("Europe/Paris", dt.date(2026, 3, 23), dt.date(2026, 3, 29)),
        # Second Sunday of March: New York moves from UTC-5 to UTC-4.
        ("America/New_York", dt.date(2026, 3, 2), dt.date(2026, 3, 8)),
    ],
)
def test_dailies_stay_at_the_teams_local_time_across_a_dst_change(
    po: User, product: Product, timezone: str, start: dt.date, change: dt.date
) -> None:
    team = TeamFactory(product=product, timezone=timezone, daily_time=dt.time(9, 30))
    sprint = SprintFactory(team=team, start_date=start, end_date=start + dt.timedelta(days=13))
    MembershipFactory(user=po, product=team.product, team=team, role=Role.PO)
    schedule_sprint_ceremonies(actor=po, sprint=sprint)

    zone = zoneinfo.ZoneInfo(timezone)
    dailies = list(Ceremony.objects.filter(sprint=sprint, kind=K.DAILY))
    before = [d for d in dailies if d.starts_at.date() < change]
    after = [d for d in dailies if d.starts_at.date() > change]
    assert before and after
    assert {d.starts_at.astimezone(zone).time() for d in dailies} == {dt.time(9, 30)}
    # Stored in UTC, one hour apart on either side of the change.
    utc_before = {d.starts_at.astimezone(dt.UTC).time() for d in before}
    utc_after = {d.starts_at.astimezone(dt.UTC).time() for d in after}
    assert len(utc_before) == len(utc_after) == 1
    (b,), (a,) = utc_before, utc_after
    assert dt.datetime.combine(start, b) - dt.datetime.combine(start, a) == dt.timedelta(hours=1)


# schedule_sprint_ceremonies


@pytest.mark.parametrize("role", ["po", "scrum_master"])
def test_schedule_sprint_ceremonies_saves_the_plan(
    request: pytest.FixtureRequest, sprint: Sprint, role: str
) -> None:
    user: User = request.getfixturevalue(role)
    saved = schedule_sprint_ceremonies(actor=user, sprint=sprint)
    assert len(saved) == Ceremony.objects.filter(sprint=sprint, team=sprint.team).count() == 13
    (event,) = Event.objects.filter(verb="ceremonies.scheduled")
    assert (event.sprint_id, event.after) == (sprint.pk, {"count": 13})


def test_schedule_sprint_ceremonies_refuses_a_second_scheduling(po: User, sprint: Sprint) -> None:
    schedule_sprint_ceremonies(actor=po, sprint=sprint)
    with pytest.raises(ValidationError):
        schedule_sprint_ceremonies(actor=po, sprint=sprint)
    assert Ceremony.objects.filter(sprint=sprint).count() == 13


def test_schedule_sprint_ceremonies_refuses_a_closed_sprint(po: User, team: Team) -> None:
    closed = SprintFactory(team=team, state=SprintState.CLOSED)
    with pytest.raises(ValidationError):
        schedule_sprint_ceremonies(actor=po, sprint=closed)


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("developer", PermissionDenied),
        ("pm", PermissionDenied),
        ("stakeholder", PermissionDenied),
        ("other_team_po", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_schedule_sprint_ceremonies_refuses_who_may_not_schedule_them(
    request: pytest.FixtureRequest, sprint: Sprint, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        schedule_sprint_ceremonies(actor=request.getfixturevalue(role), sprint=sprint)
    assert not Ceremony.objects.exists()


# Across month ends, weekends, DST and unusual weeks


def test_a_sprint_across_a_month_end_keeps_to_working_days(team: Team) -> None:
    # Monday 23 March to Sunday 5 April 2026: the month turns on a Wednesday.
    sprint = SprintFactory(team=team, start_date=dt.date(2026, 3, 23), end_date=dt.date(2026, 4, 5))
    ceremonies = plan_for(sprint)
    days = sorted({_local(c).date() for c in ceremonies})
    assert dt.date(2026, 3, 31) in days and dt.date(2026, 4, 1) in days
    assert all(day.isoweekday() <= 5 for day in days)  # no weekend
    (review,) = _of(ceremonies, K.REVIEW)
    assert _local(review).date() == dt.date(2026, 4, 3)  # the last Friday, not the Sunday


def test_a_four_week_sprint_gets_three_refinements_and_the_largest_timeboxes(team: Team) -> None:
    sprint = SprintFactory(team=team, end_date=SPRINT_START + dt.timedelta(days=27))
    ceremonies = plan_for(sprint)
    assert len(_of(ceremonies, K.DAILY)) == 19
    assert len(_of(ceremonies, K.REFINEMENT)) == 3  # none in the last week
    minutes = {c.kind: c.duration_minutes for c in ceremonies}
    assert (minutes[K.PLANNING], minutes[K.REVIEW], minutes[K.RETROSPECTIVE]) == (480, 240, 180)


def test_a_sunday_to_thursday_team_meets_on_sundays_and_never_on_friday(product: Product) -> None:
    team = TeamFactory(product=product, timezone="Asia/Jerusalem", working_days=[7, 1, 2, 3, 4])
    sprint = SprintFactory(
        team=team, start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 14)
    )  # Sunday 1 to Saturday 14 March
    ceremonies = plan_for(sprint)
    (planning,) = _of(ceremonies, K.PLANNING)
    assert _local(planning).date() == dt.date(2026, 3, 1)  # a Sunday
    weekdays = {_local(c).date().isoweekday() for c in ceremonies}
    assert weekdays == {7, 1, 2, 3, 4}
    (review,) = _of(ceremonies, K.REVIEW)
    assert _local(review).date() == dt.date(2026, 3, 12)  # the last Thursday
    assert len(_of(ceremonies, K.DAILY)) == 9


@pytest.mark.parametrize(
    ("start", "change"),
    [
        (dt.date(2026, 3, 23), dt.date(2026, 3, 29)),  # last Sunday of March: UTC+1 → UTC+2
        (dt.date(2026, 10, 19), dt.date(2026, 10, 25)),  # last Sunday of October: back to UTC+1
    ],
)
def test_a_paris_daily_stays_at_0930_on_both_sides_of_the_2026_changes(
    product: Product, start: dt.date, change: dt.date
) -> None:
    team = TeamFactory(product=product, timezone="Europe/Paris", daily_time=dt.time(9, 30))
    sprint = SprintFactory(team=team, start_date=start, end_date=start + dt.timedelta(days=13))
    dailies = _of(plan_for(sprint), K.DAILY)
    assert {_local(d).time() for d in dailies} == {dt.time(9, 30)}
    offsets = {d.starts_at.date() < change: d.starts_at.utcoffset() for d in dailies}
    utc = {d.starts_at.date() < change: d.starts_at.astimezone(dt.UTC).time() for d in dailies}
    assert utc[True] != utc[False]
    assert offsets[True] != offsets[False]

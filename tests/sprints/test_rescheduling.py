"""Planning a sprint schedules its ceremonies, and new dates move them: create_sprint and
update_sprint call the scheduling services themselves, in their transaction."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from accounts.models import User
from backlog.models import Sprint
from core import clock
from core.models import Event
from products.models import Team
from sprints import services as sprints
from sprints.models import Ceremony, CeremonyKind
from sprints.services import update_ceremony

pytestmark = pytest.mark.django_db

K = CeremonyKind
MONDAY = dt.date(2026, 3, 2)
# Before the sprint: every ceremony is still in the future.
BEFORE = dt.datetime(2026, 2, 20, 12, 0, tzinfo=dt.UTC)


def _local(ceremony: Ceremony) -> dt.datetime:
    return ceremony.starts_at.astimezone(ceremony.team.tzinfo)


# Planning a sprint


def _create(actor: User, team: Team, start: dt.date = MONDAY, days: int = 14) -> Sprint:
    with clock.at(BEFORE):
        return sprints.create_sprint(
            actor=actor,
            team=team,
            name="S",
            start_date=start,
            end_date=start + dt.timedelta(days=days - 1),
        )


@pytest.mark.parametrize("role", ["po", "scrum_master", "superuser"])
def test_creating_a_sprint_schedules_its_ceremonies(
    request: pytest.FixtureRequest, team: Team, role: str
) -> None:
    sprint = _create(request.getfixturevalue(role), team)
    kinds = Counter(sprint.ceremonies.values_list("kind", flat=True))
    assert kinds == {K.PLANNING: 1, K.DAILY: 9, K.REFINEMENT: 1, K.REVIEW: 1, K.RETROSPECTIVE: 1}
    verbs = list(Event.objects.filter(sprint_id=sprint.pk).values_list("verb", flat=True))
    assert verbs == ["sprint.created", "ceremonies.scheduled"]


def test_a_sprint_whose_ceremonies_cannot_be_scheduled_is_not_created(
    po: User, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**kwargs: Any) -> None:
        raise RuntimeError("the calendar is full")

    monkeypatch.setattr("sprints.services.sprint.schedule_sprint_ceremonies", fail)
    with pytest.raises(RuntimeError):
        _create(po, team)
    assert not Sprint.objects.exists()
    assert not Event.objects.filter(verb__startswith="sprint.").exists()


def test_a_sprint_uses_the_teams_timeboxes(po: User, team: Team) -> None:
    team.planning_minutes_per_week, team.review_minutes_per_week = 60, 30
    team.retro_minutes_per_week, team.refinement_minutes = 30, 90
    team.save()
    sprint = _create(po, team)
    minutes = dict(sprint.ceremonies.values_list("kind", "duration_minutes"))
    assert minutes[K.PLANNING] == 120
    assert minutes[K.REVIEW] == 60
    assert minutes[K.RETROSPECTIVE] == 60
    assert minutes[K.REFINEMENT] == 90


# New dates


def _move(actor: User, sprint: Sprint, days: int, now: dt.datetime = BEFORE) -> None:
    with clock.at(now):
        sprints.update_sprint(
            actor=actor,
            sprint=sprint,
            name=sprint.name,
            goal=sprint.goal,
            start_date=sprint.start_date + dt.timedelta(days=days),
            end_date=sprint.end_date + dt.timedelta(days=days),
        )


def test_new_dates_move_the_future_ceremonies_keeping_their_ids(po: User, team: Team) -> None:
    sprint = _create(po, team)
    before = {c.pk: c for c in sprint.ceremonies.all()}
    _move(po, sprint, 7)
    after = {c.pk: c for c in sprint.ceremonies.all()}
    assert set(after) == set(before)  # same ids: calendars update them in place
    assert sorted(c.starts_at for c in after.values()) == sorted(
        c.starts_at + dt.timedelta(days=7) for c in before.values()
    )
    for pk, ceremony in after.items():
        moved = ceremony.starts_at != before[pk].starts_at
        # Each move is a new SEQUENCE; a daily already on a day of the new dates stays put.
        assert ceremony.version == before[pk].version + moved
        assert not ceremony.cancelled
    (event,) = Event.objects.filter(verb="ceremonies.rescheduled")
    # Four dailies (Tuesday 10 to Friday 13) were already where the new plan wants them.
    assert event.after == {"moved": 9, "added": 0, "cancelled": 0, "kept": 0}


def test_a_new_name_alone_moves_nothing(po: User, team: Team) -> None:
    sprint = _create(po, team)
    with clock.at(BEFORE):
        sprints.update_sprint(
            actor=po,
            sprint=sprint,
            name="Renamed",
            goal="",
            start_date=sprint.start_date,
            end_date=sprint.end_date,
        )
    assert not Event.objects.filter(verb="ceremonies.rescheduled").exists()
    assert set(sprint.ceremonies.values_list("version", flat=True)) == {1}


def test_new_dates_leave_past_and_hand_moved_ceremonies_where_they_are(
    po: User, team: Team
) -> None:
    sprint = _create(po, team)
    review = sprint.ceremonies.get(kind=K.REVIEW)
    moved_to = review.starts_at - dt.timedelta(hours=3)
    with clock.at(BEFORE):
        update_ceremony(
            actor=po,
            ceremony=review,
            version=review.version,
            title="Demo day",
            starts_at=moved_to,
            duration_minutes=review.duration_minutes,
            location="",
            video_url="",
        )
    # Halfway through the first week: Monday to Wednesday are past.
    wednesday_evening = dt.datetime(2026, 3, 4, 18, 0, tzinfo=team.tzinfo)
    past = set(
        sprint.ceremonies.filter(starts_at__lt=wednesday_evening).values_list("pk", "starts_at")
    )
    # The end moves a week later (the sprint grows to three weeks).
    with clock.at(wednesday_evening):
        sprints.update_sprint(
            actor=po,
            sprint=sprint,
            name=sprint.name,
            goal="",
            start_date=sprint.start_date,
            end_date=sprint.end_date + dt.timedelta(days=7),
        )
    assert past <= set(sprint.ceremonies.values_list("pk", "starts_at"))
    review.refresh_from_db()
    assert (review.starts_at, review.title) == (moved_to, "Demo day")
    assert sprint.ceremonies.filter(kind=K.REVIEW).count() == 1  # no second review
    retro = sprint.ceremonies.get(kind=K.RETROSPECTIVE)
    assert _local(retro).date() == dt.date(2026, 3, 20)  # the new last Friday
    dailies = [_local(c).date() for c in sprint.ceremonies.filter(kind=K.DAILY, cancelled=False)]
    assert len(dailies) == 14 and dailies[-1] == dt.date(2026, 3, 20)


def test_a_shorter_sprint_cancels_the_dailies_it_has_no_room_for(po: User, team: Team) -> None:
    sprint = _create(po, team, days=21)
    ids = set(sprint.ceremonies.values_list("pk", flat=True))
    with clock.at(BEFORE):
        sprints.update_sprint(
            actor=po,
            sprint=sprint,
            name=sprint.name,
            goal="",
            start_date=sprint.start_date,
            end_date=sprint.end_date - dt.timedelta(days=7),
        )
    assert set(sprint.ceremonies.values_list("pk", flat=True)) == ids  # none deleted
    live = sprint.ceremonies.filter(cancelled=False)
    assert live.filter(kind=K.DAILY).count() == 9
    assert sprint.ceremonies.filter(cancelled=True, kind=K.DAILY).count() == 5
    last_day = dt.datetime(2026, 3, 16, 0, 0, tzinfo=team.tzinfo)
    assert not live.filter(starts_at__gte=last_day).exists()
    # Back to three weeks: the cancelled ones come back, under the same ids.
    with clock.at(BEFORE):
        sprints.update_sprint(
            actor=po,
            sprint=sprint,
            name=sprint.name,
            goal="",
            start_date=sprint.start_date,
            end_date=sprint.end_date + dt.timedelta(days=7),
        )
    assert set(sprint.ceremonies.values_list("pk", flat=True)) == ids
    assert not sprint.ceremonies.filter(cancelled=True).exists()


def test_a_ceremony_cancelled_by_hand_stays_cancelled(po: User, team: Team) -> None:
    from sprints.services import cancel_ceremony

    sprint = _create(po, team)
    daily = sprint.ceremonies.filter(kind=K.DAILY).order_by("starts_at").first()
    assert daily is not None
    with clock.at(BEFORE):
        cancel_ceremony(actor=po, ceremony=daily)
    _move(po, sprint, 1)  # one day later: Tuesday to Monday
    daily.refresh_from_db()
    assert daily.cancelled

"""Every change to ceremonies."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ceremonies.models import Ceremony, CeremonyKind
from products import access, events
from products.access import Capability
from sprints.models import Sprint, SprintState

if TYPE_CHECKING:
    from accounts.models import User

# Scrum Guide timeboxes, in minutes per sprint week, and their maximum for a month.
PLANNING_PER_WEEK, PLANNING_MAX = 120, 480
REVIEW_PER_WEEK, REVIEW_MAX = 60, 240
RETRO_PER_WEEK, RETRO_MAX = 45, 180
DAILY_MINUTES = 15
REFINEMENT_MINUTES = 60
BREAK_MINUTES = 15
END_OF_DAY = dt.time(17, 30)


def _local(team_day: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    # Wall-clock time in the team's zone: a 09:30 daily stays 09:30 across DST changes.
    return dt.datetime.combine(team_day, time, tzinfo=tz)


def plan_for(sprint: Sprint) -> list[Ceremony]:
    """The ceremonies a sprint gets, unsaved: in the team's time zone, on its working days."""
    team = sprint.team
    tz = team.tzinfo
    weeks = max(1, round(sprint.length_days / 7))
    days = [
        sprint.start_date + dt.timedelta(days=i)
        for i in range(sprint.length_days)
        if (sprint.start_date + dt.timedelta(days=i)).isoweekday() in team.working_days
    ]
    if not days:
        return []
    first, last = days[0], days[-1]
    morning, afternoon = dt.time(10, 0), dt.time(14, 0)
    planned: list[Ceremony] = [
        Ceremony(
            team=team,
            sprint=sprint,
            kind=CeremonyKind.PLANNING,
            starts_at=_local(first, morning, tz),
            duration_minutes=min(PLANNING_PER_WEEK * weeks, PLANNING_MAX),
        ),
    ]
    # The first day's daily is replaced by planning.
    planned += [
        Ceremony(
            team=team,
            sprint=sprint,
            kind=CeremonyKind.DAILY,
            starts_at=_local(day, team.daily_time, tz),
            duration_minutes=DAILY_MINUTES,
        )
        for day in days[1:]
    ]
    # Refinement mid-week, once a week, except in the sprint's last week.
    for day in days:
        if day.isoweekday() == 3 and (last - day).days >= 4:
            planned.append(
                Ceremony(
                    team=team,
                    sprint=sprint,
                    kind=CeremonyKind.REFINEMENT,
                    starts_at=_local(day, afternoon, tz),
                    duration_minutes=REFINEMENT_MINUTES,
                )
            )
    review = min(REVIEW_PER_WEEK * weeks, REVIEW_MAX)
    retro = min(RETRO_PER_WEEK * weeks, RETRO_MAX)
    # Review in the afternoon, early enough that the retrospective ends by 17:30.
    review_at = min(
        _local(last, afternoon, tz),
        _local(last, END_OF_DAY, tz) - dt.timedelta(minutes=review + BREAK_MINUTES + retro),
    )
    planned += [
        Ceremony(
            team=team,
            sprint=sprint,
            kind=CeremonyKind.REVIEW,
            starts_at=review_at,
            duration_minutes=review,
        ),
        Ceremony(
            team=team,
            sprint=sprint,
            kind=CeremonyKind.RETROSPECTIVE,
            starts_at=review_at + dt.timedelta(minutes=review + BREAK_MINUTES),
            duration_minutes=retro,
        ),
    ]
    return planned


@transaction.atomic
def schedule_sprint_ceremonies(*, actor: User, sprint: Sprint) -> list[Ceremony]:
    """Refuses those who may not schedule the team's ceremonies, closed sprints, and a sprint
    already scheduled."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, sprint)
    if sprint.state == SprintState.CLOSED:
        raise ValidationError(_("A closed sprint's ceremonies can't be scheduled."))
    if sprint.ceremonies.exists():
        raise ValidationError(_("This sprint's ceremonies are already scheduled."))
    ceremonies = Ceremony.objects.bulk_create(plan_for(sprint))
    events.record(
        actor=actor,
        verb="ceremonies.scheduled",
        product=sprint.team.product,
        team=sprint.team,
        sprint_id=sprint.pk,
        obj=sprint,
        after={"count": len(ceremonies)},
    )
    return ceremonies

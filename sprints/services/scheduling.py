"""Scheduling: a sprint's ceremonies from the team's settings, following the sprint's dates,
and one ceremony moved, renamed or cancelled by hand."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from backlog.models import Sprint, SprintState
from core import access, clock, events
from core.access import Capability
from core.concurrency import check_version, versioned_update
from core.fields import check_days
from products.models import Team
from sprints.models import Ceremony, CeremonyKind

if TYPE_CHECKING:
    from accounts.models import User

# The Scrum Guide's maxima, in minutes per sprint week and for a one-month sprint; a team
# sets its own timeboxes below them (products.Team, its check constraint says the same).
PLANNING_PER_WEEK, PLANNING_MAX = 120, 480
REVIEW_PER_WEEK, REVIEW_MAX = 60, 240
RETRO_PER_WEEK, RETRO_MAX = 45, 180
DAILY_MINUTES = 15
REFINEMENT_MAX = 240
MIN_TIMEBOX = 15
BREAK_MINUTES = 15
END_OF_DAY = dt.time(17, 30)
K = CeremonyKind


# A stale edit answers with the ceremony as it is now, its team and sprint loaded.
CURRENT = Ceremony.objects.select_related("team", "sprint")


def sprint_weeks(sprint: Sprint | None) -> int:
    """Whole weeks the timeboxes scale with; a ceremony outside a sprint gets a month's."""
    if sprint is None:
        return 4
    return max(1, round(sprint.length_days / 7))


def timebox_limit(kind: str, sprint: Sprint | None) -> int:
    """The Scrum Guide's longest timebox, in minutes, for a ceremony of this kind and sprint."""
    weeks = sprint_weeks(sprint)
    return {
        K.PLANNING: min(PLANNING_PER_WEEK * weeks, PLANNING_MAX),
        K.REVIEW: min(REVIEW_PER_WEEK * weeks, REVIEW_MAX),
        K.RETROSPECTIVE: min(RETRO_PER_WEEK * weeks, RETRO_MAX),
        K.DAILY: DAILY_MINUTES,
        K.REFINEMENT: REFINEMENT_MAX,
    }[CeremonyKind(kind)]


def _local(team_day: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    # Wall-clock time in the team's zone: a 09:30 daily stays 09:30 across DST changes.
    return dt.datetime.combine(team_day, time, tzinfo=tz)


def plan_for(sprint: Sprint) -> list[Ceremony]:
    """The ceremonies a sprint gets, unsaved: in the team's time zone, on its working days,
    with the team's timeboxes (never above the Scrum Guide's)."""
    team = sprint.team
    tz = team.tzinfo
    weeks = sprint_weeks(sprint)
    days = [
        sprint.start_date + dt.timedelta(days=i)
        for i in range(sprint.length_days)
        if (sprint.start_date + dt.timedelta(days=i)).isoweekday() in team.working_days
    ]
    if not days:
        return []
    first, last = days[0], days[-1]
    morning, afternoon = dt.time(10, 0), dt.time(14, 0)

    def make(kind: CeremonyKind, starts_at: dt.datetime, minutes: int) -> Ceremony:
        return Ceremony(
            team=team,
            sprint=sprint,
            kind=kind,
            starts_at=starts_at,
            duration_minutes=min(minutes, timebox_limit(kind, sprint)),
        )

    planned = [make(K.PLANNING, _local(first, morning, tz), team.planning_minutes_per_week * weeks)]
    # The first day's daily is replaced by planning.
    planned += [make(K.DAILY, _local(day, team.daily_time, tz), DAILY_MINUTES) for day in days[1:]]
    # Refinement mid-week (on Wednesday, or the middle working day of a team that doesn't
    # work Wednesdays), once a week, except in the sprint's last week.
    worked = sorted(team.working_days)
    refinement_day = 3 if 3 in worked else worked[len(worked) // 2]
    for day in days:
        if day.isoweekday() == refinement_day and (last - day).days >= 4:
            planned.append(make(K.REFINEMENT, _local(day, afternoon, tz), team.refinement_minutes))
    review = min(team.review_minutes_per_week * weeks, REVIEW_MAX)
    retro = min(team.retro_minutes_per_week * weeks, RETRO_MAX)
    # Review in the afternoon, early enough that the retrospective ends by 17:30.
    review_at = min(
        _local(last, afternoon, tz),
        _local(last, END_OF_DAY, tz) - dt.timedelta(minutes=review + BREAK_MINUTES + retro),
    )
    planned += [
        make(K.REVIEW, review_at, review),
        make(K.RETROSPECTIVE, review_at + dt.timedelta(minutes=review + BREAK_MINUTES), retro),
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
        sprint,
        "ceremonies.scheduled",
        actor=actor,
        after={"count": len(ceremonies)},
    )
    return ceremonies


def _slot(ceremony: Ceremony, tz: dt.tzinfo) -> tuple[str, dt.date | None]:
    """What a ceremony stands for in a sprint: one planning, review and retrospective; one
    daily or refinement per day."""
    if ceremony.kind in (K.DAILY, K.REFINEMENT):
        return ceremony.kind, ceremony.starts_at.astimezone(tz).date()
    return ceremony.kind, None


@transaction.atomic
def reschedule_sprint_ceremonies(*, actor: User, sprint: Sprint) -> dict[str, int]:
    """Follow the sprint's new dates: its future ceremonies not moved by hand go where the
    plan now puts them, keeping their ids (so calendars update them in place).

    Past ceremonies and those moved, renamed or cancelled by hand stay where they are, and
    the plan gives no second ceremony for the slot they hold. A ceremony the new dates have
    no room for is cancelled rather than deleted: subscribed calendars then show it
    cancelled (a deleted one would linger in some clients), its minutes survive, and it
    comes back if the dates move back. Refuses those who may not schedule the team's
    ceremonies and closed sprints."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, sprint)
    if sprint.state == SprintState.CLOSED:
        raise ValidationError(_("A closed sprint's ceremonies can't be scheduled."))
    now = clock.now()
    tz = sprint.team.tzinfo
    existing = list(sprint.ceremonies.select_for_update().order_by("starts_at", "pk"))
    fixed = [c for c in existing if c.starts_at <= now or c.moved_by_hand]
    taken = {_slot(c, tz) for c in fixed}
    plan = [p for p in plan_for(sprint) if p.starts_at > now and _slot(p, tz) not in taken]
    movable: dict[str, list[Ceremony]] = defaultdict(list)
    for ceremony in existing:
        if ceremony.starts_at > now and not ceremony.moved_by_hand:
            movable[ceremony.kind].append(ceremony)
    wanted: dict[str, list[Ceremony]] = defaultdict(list)
    for planned in plan:
        wanted[planned.kind].append(planned)

    changed: list[Ceremony] = []
    created: list[Ceremony] = []
    cancelled = 0
    for kind in CeremonyKind.values:
        have, want = movable[kind], wanted[kind]
        # Those already at a planned time stay put; the rest pair up in time order, live
        # ceremonies before those an earlier reschedule cancelled.
        at = {p.starts_at: p for p in want}
        staying = [c for c in have if c.starts_at in at and not c.cancelled]
        for ceremony in staying:
            planned = at.pop(ceremony.starts_at)
            want.remove(planned)
            if ceremony.duration_minutes != planned.duration_minutes:
                ceremony.duration_minutes = planned.duration_minutes
                changed.append(ceremony)
        rest = sorted(
            (c for c in have if c not in staying), key=lambda c: (c.cancelled, c.starts_at)
        )
        for ceremony, planned in zip(rest, want, strict=False):
            ceremony.starts_at = planned.starts_at
            ceremony.duration_minutes = planned.duration_minutes
            ceremony.cancelled = False
            changed.append(ceremony)
        created += want[len(rest) :]
        for ceremony in rest[len(want) :]:
            if not ceremony.cancelled:
                ceremony.cancelled = True
                cancelled += 1
                changed.append(ceremony)
    for ceremony in changed:
        ceremony.version += 1
        ceremony.updated_at = now
    Ceremony.objects.bulk_update(
        changed, ["starts_at", "duration_minutes", "cancelled", "version", "updated_at"]
    )
    Ceremony.objects.bulk_create(created)
    counts = {
        "moved": len(changed) - cancelled,
        "added": len(created),
        "cancelled": cancelled,
        "kept": len(fixed),
    }
    events.record(
        sprint,
        "ceremonies.rescheduled",
        actor=actor,
        after=counts,
    )
    return counts


def check_timebox(kind: str, sprint: Sprint | None, minutes: int) -> None:
    limit = timebox_limit(kind, sprint)
    if minutes < 1:
        raise ValidationError({"duration_minutes": _("A ceremony lasts at least a minute.")})
    if minutes > limit:
        raise ValidationError(
            {
                "duration_minutes": _(
                    "The Scrum Guide caps this ceremony at %(limit)d minutes for this sprint."
                )
                % {"limit": limit}
            }
        )


def _ceremony_event(actor: User, verb: str, ceremony: Ceremony, before: dict, after: dict) -> None:
    events.record(
        ceremony,
        verb,
        actor=actor,
        before=before,
        after=after,
    )


def _write(
    ceremony: Ceremony, version: int | None, *, where: dict | None = None, **values: object
) -> Ceremony:
    """One conditional UPDATE that bumps the version (the iCalendar SEQUENCE): of two edits of
    the same version (or two writes that each need ``where`` to hold), the second is refused
    with the ceremony as it is now."""
    return versioned_update(
        ceremony, version, where=where, current=CURRENT, **values, updated_at=clock.now()
    )


def _stringify(values: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in values.items()}


@transaction.atomic
def update_ceremony(
    *,
    actor: User,
    ceremony: Ceremony,
    version: int,
    title: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    location: str,
    video_url: str,
) -> Ceremony:
    """Move or rename one ceremony; a sprint's new dates then leave it where it is. Refuses
    those who may not schedule the team's ceremonies, timeboxes above the Scrum Guide's,
    naive times, links that aren't http(s), and a stale version."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, ceremony)
    if starts_at.tzinfo is None:
        raise ValidationError({"starts_at": _("Give the time with its time zone.")})
    # Before anything is written: a time past the range would overflow the ceremony's end
    # and its local time on every page and feed that shows it.
    check_days(starts_at=starts_at)
    check_timebox(ceremony.kind, ceremony.sprint, duration_minutes)
    video_url = video_url.strip()
    if video_url:
        try:
            URLValidator(schemes=["http", "https"])(video_url)
        except ValidationError as error:
            raise ValidationError({"video_url": _("Enter a web address.")}) from error
    values: dict[str, Any] = {
        "title": title.strip(),
        "starts_at": starts_at,
        "duration_minutes": duration_minutes,
        "location": location.strip(),
        "video_url": video_url,
    }
    before = {k: getattr(ceremony, k) for k in values}
    changed = {k: v for k, v in values.items() if before[k] != v}
    if not changed:
        check_version(ceremony, version, current=CURRENT)
        return ceremony
    _write(ceremony, version, **changed, moved_by_hand=True)
    _ceremony_event(
        actor,
        "ceremony.updated",
        ceremony,
        _stringify({k: before[k] for k in changed}),
        _stringify(changed),
    )
    return ceremony


def _set_cancelled(actor: User, ceremony: Ceremony, cancelled: bool) -> Ceremony:
    access.require(actor, Capability.SCHEDULE_CEREMONIES, ceremony)
    if ceremony.cancelled == cancelled:
        raise ValidationError(
            _("This ceremony is already cancelled.")
            if cancelled
            else _("This ceremony is not cancelled.")
        )
    # Cancelled (or restored) by hand: new sprint dates leave the decision alone.
    _write(ceremony, None, cancelled=cancelled, moved_by_hand=True)
    _ceremony_event(
        actor,
        "ceremony.cancelled" if cancelled else "ceremony.restored",
        ceremony,
        {"cancelled": not cancelled},
        {"cancelled": cancelled},
    )
    return ceremony


@transaction.atomic
def cancel_ceremony(*, actor: User, ceremony: Ceremony) -> Ceremony:
    """Refuses those who may not schedule the team's ceremonies and a cancelled ceremony.
    It stays in the calendar feeds, marked cancelled."""
    return _set_cancelled(actor, ceremony, True)


@transaction.atomic
def restore_ceremony(*, actor: User, ceremony: Ceremony) -> Ceremony:
    """Refuses those who may not schedule the team's ceremonies and a ceremony not cancelled."""
    return _set_cancelled(actor, ceremony, False)


TIMEBOX_LIMITS = {
    "planning_minutes_per_week": PLANNING_PER_WEEK,
    "review_minutes_per_week": REVIEW_PER_WEEK,
    "retro_minutes_per_week": RETRO_PER_WEEK,
    "refinement_minutes": REFINEMENT_MAX,
}


@transaction.atomic
def update_team_timeboxes(
    *,
    actor: User,
    team: Team,
    planning_minutes_per_week: int,
    review_minutes_per_week: int,
    retro_minutes_per_week: int,
    refinement_minutes: int,
) -> Team:
    """The timeboxes the team's next sprints get (ceremonies already scheduled keep theirs).
    Refuses those who may not schedule the team's ceremonies, and any timebox under 15
    minutes or above the Scrum Guide's."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, team)
    values = {
        "planning_minutes_per_week": planning_minutes_per_week,
        "review_minutes_per_week": review_minutes_per_week,
        "retro_minutes_per_week": retro_minutes_per_week,
        "refinement_minutes": refinement_minutes,
    }
    messages = {
        "planning_minutes_per_week": _(
            "The Scrum Guide allows at most 2 hours (120 minutes) of sprint planning per sprint "
            "week."
        ),
        "review_minutes_per_week": _(
            "The Scrum Guide allows at most 1 hour (60 minutes) of sprint review per sprint week."
        ),
        "retro_minutes_per_week": _(
            "The Scrum Guide allows at most 45 minutes of retrospective per sprint week."
        ),
        "refinement_minutes": _("Keep backlog refinement to at most 4 hours (240 minutes) a week."),
    }
    errors: dict[str, str] = {}
    for name, value in values.items():
        if value < MIN_TIMEBOX:
            errors[name] = _("A timebox lasts at least 15 minutes.")
        elif value > TIMEBOX_LIMITS[name]:
            errors[name] = messages[name]
    if errors:
        raise ValidationError(errors)
    before = {name: getattr(team, name) for name in values}
    changed = {k: v for k, v in values.items() if before[k] != v}
    if not changed:
        return team
    for name, value in changed.items():
        setattr(team, name, value)
    team.save(update_fields=list(changed))
    events.record(
        team,
        "team.timeboxes_updated",
        actor=actor,
        before={k: before[k] for k in changed},
        after=changed,
    )
    return team

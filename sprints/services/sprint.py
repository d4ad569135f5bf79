"""A sprint's life (create, edit, start, close), which stories it holds, and its
impediments. Creating a sprint schedules its ceremonies, and new dates move them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backlog import ranks
from backlog.models import MAX_SPRINT_DAYS, MIN_SPRINT_DAYS, Sprint, SprintState, Story
from backlog.services import move_story, rebalance_if_long
from core import access, clock, events
from core.access import Capability
from core.fields import check_days
from products.models import Status, StatusCategory, Team
from sprints import completion, report
from sprints.completion import Unaccepted
from sprints.models import Impediment
from sprints.services.acceptance import accept_story
from sprints.services.scheduling import reschedule_sprint_ceremonies, schedule_sprint_ceremonies

if TYPE_CHECKING:
    from accounts.models import User


def check_dates(start_date: dt.date, end_date: dt.date) -> None:
    check_days(start_date=start_date, end_date=end_date)
    length = (end_date - start_date).days + 1
    if not MIN_SPRINT_DAYS <= length <= MAX_SPRINT_DAYS:
        raise ValidationError(
            {
                "end_date": _("A sprint lasts from 14 to 28 days; this one lasts %(days)d.")
                % {"days": length}
            }
        )


# The PostgreSQL exclusion constraint of backlog/migrations/0004_sprint_no_overlap.py.
OVERLAP_CONSTRAINT = "backlog_sprint_no_overlap"


def _days(start: dt.date, end: dt.date) -> str:
    """The days of a sprint, short: 12–25 May, 28 April–11 May, 22 December 2026–4 January
    2027 (month names in the active language)."""
    if start.year != end.year:
        return f"{date_format(start, 'j F Y')}–{date_format(end, 'j F Y')}"
    if start.month != end.month:
        return f"{date_format(start, 'j F')}–{date_format(end, 'j F')}"
    return f"{start.day}–{date_format(end, 'j F')}"


def _overlap_error(other: Sprint) -> ValidationError:
    message = _("These dates overlap %(sprint)s (%(days)s).") % {
        "sprint": other.name,
        "days": _days(other.start_date, other.end_date),
    }
    return ValidationError({"start_date": message})


def check_no_overlap(
    team: Team, start_date: dt.date, end_date: dt.date, *, exclude: Sprint | None = None
) -> None:
    """A team runs one sprint at a time: refuses dates that share a day with another of its
    sprints, whatever its state (a closed sprint happened; its days stay taken)."""
    others = team.sprints.filter(start_date__lte=end_date, end_date__gte=start_date)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    other = others.order_by("start_date").first()
    if other is not None:
        raise _overlap_error(other)


def _lock_team(team: Team) -> None:
    """Two plannings of one team at once wait for each other here, so that the overlap check
    sees the other's sprint (PostgreSQL; SQLite writes one transaction at a time anyway)."""
    Team.objects.select_for_update().filter(pk=team.pk).exists()


def _save_dates(sprint: Sprint, save: Any) -> None:
    """Runs ``save`` in a savepoint; the PostgreSQL constraint's refusal (a concurrent
    writer that got past the check) becomes the same refusal as the check's."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as exc:
        if OVERLAP_CONSTRAINT not in str(exc):
            raise
        check_no_overlap(sprint.team, sprint.start_date, sprint.end_date, exclude=sprint)
        raise ValidationError(_("These dates overlap another sprint of the team.")) from exc


def team_today(team: Team) -> dt.date:
    return timezone.localdate(clock.now(), team.tzinfo)


def suggest_next(team: Team) -> dict[str, object]:
    """Name and dates a new sprint of the team would most likely get."""
    last = team.sprints.order_by("-end_date").first()
    count = team.sprints.count()
    today = team_today(team)
    # The day after the last sprint, unless that is past: a new sprint can't be over already.
    start = max(last.end_date + dt.timedelta(days=1), today) if last else today
    return {
        "name": _("Sprint %(number)d") % {"number": count + 1},
        "start_date": start,
        "end_date": start + dt.timedelta(days=7 * team.sprint_weeks - 1),
    }


def _points(stories: QuerySet[Story]) -> int:
    total: int | None = stories.aggregate(total=Sum("points"))["total"]
    return total or 0


@transaction.atomic
def create_sprint(
    *,
    actor: User,
    team: Team,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    goal: str = "",
    record_past: bool = False,
) -> Sprint:
    """Refuses those who may not plan the team's sprints, sprints outside 14–28 days, dates
    that overlap another sprint of the team, and a sprint that is over already unless it is
    recorded as past (``record_past``: only such a one). Schedules the sprint's ceremonies,
    but none for a recorded past sprint."""
    access.require(actor, Capability.PLAN_SPRINTS, team)
    check_dates(start_date, end_date)
    if not name.strip():
        raise ValidationError({"name": _("A sprint needs a name.")})
    is_past = end_date < team_today(team)
    if is_past and not record_past:
        raise ValidationError(
            {
                "end_date": _(
                    "This sprint would be over already. To enter a sprint that happened, "
                    "tick “Record a past sprint”."
                )
            }
        )
    if record_past and not is_past:
        raise ValidationError(
            {"record_past": _("Only a sprint that ended before today can be recorded as past.")}
        )
    _lock_team(team)
    if team.sprints.filter(name=name.strip()).exists():
        raise ValidationError({"name": _("This team already has a sprint with that name.")})
    check_no_overlap(team, start_date, end_date)
    sprint = Sprint(
        team=team, name=name.strip(), goal=goal, start_date=start_date, end_date=end_date
    )
    _save_dates(sprint, sprint.save)
    after: dict[str, Any] = {
        "name": sprint.name,
        "start": start_date.isoformat(),
        "end": end_date.isoformat(),
    }
    if record_past:
        after["record_past"] = True
    events.record(sprint, "sprint.created", actor=actor, after=after)
    # Planning a sprint schedules its ceremonies, by whoever planned it; a sprint that
    # already happened has none to hold.
    if not record_past:
        schedule_sprint_ceremonies(actor=actor, sprint=sprint)
    return sprint


@transaction.atomic
def update_sprint(
    *, actor: User, sprint: Sprint, name: str, goal: str, start_date: dt.date, end_date: dt.date
) -> Sprint:
    """Refuses non-planners, closed sprints, lengths outside 14–28 days and dates that
    overlap another sprint of the team."""
    access.require(actor, Capability.PLAN_SPRINTS, sprint)
    if sprint.state == SprintState.CLOSED:
        raise ValidationError(_("A closed sprint can't be changed."))
    check_dates(start_date, end_date)
    _lock_team(sprint.team)
    if sprint.team.sprints.exclude(pk=sprint.pk).filter(name=name.strip()).exists():
        raise ValidationError({"name": _("This team already has a sprint with that name.")})
    check_no_overlap(sprint.team, start_date, end_date, exclude=sprint)
    fields = ("name", "goal", "start_date", "end_date")
    before = {f: str(getattr(sprint, f)) for f in fields}
    sprint.name, sprint.goal = name.strip(), goal
    sprint.start_date, sprint.end_date = start_date, end_date
    _save_dates(sprint, lambda: sprint.save(update_fields=list(fields)))
    after = {f: str(getattr(sprint, f)) for f in fields}
    events.record(
        sprint,
        "sprint.updated",
        actor=actor,
        before=before,
        after=after,
    )
    # New dates move the sprint's future ceremonies; a new name or goal moves nothing.
    if (before["start_date"], before["end_date"]) != (after["start_date"], after["end_date"]):
        reschedule_sprint_ceremonies(actor=actor, sprint=sprint)
    return sprint


@transaction.atomic
def add_story_to_sprint(*, actor: User, story: Story, sprint: Sprint) -> Story:
    """Refuses non-planners, closed sprints, and stories of another product or team."""
    access.require(actor, Capability.PLAN_SPRINTS, sprint)
    if story.product_id != sprint.team.product_id:
        raise ValidationError(_("This story belongs to another product."))
    if story.team_id not in (None, sprint.team_id):
        raise ValidationError(_("This story belongs to another team."))
    if sprint.state == SprintState.CLOSED:
        raise ValidationError(_("A closed sprint can't take stories."))
    if story.sprint_id == sprint.pk:
        return story
    before = {"sprint": story.sprint_id, "team": story.team_id}
    story.sprint, story.team = sprint, sprint.team
    Story.objects.filter(pk=story.pk).update(
        sprint=sprint, team=sprint.team, updated_by=actor, updated_at=clock.now()
    )
    events.record(
        story,
        "story.added_to_sprint",
        actor=actor,
        before=before,
        after={
            "sprint": sprint.pk,
            "team": sprint.team_id,
            "points": story.points,
            "active": sprint.is_active,
        },
    )
    return story


@transaction.atomic
def remove_story_from_sprint(*, actor: User, story: Story) -> Story:
    """Refuses non-planners and stories of a closed sprint."""
    sprint = story.sprint
    if sprint is None:
        return story
    access.require(actor, Capability.PLAN_SPRINTS, sprint)
    if sprint.state == SprintState.CLOSED:
        raise ValidationError(_("A closed sprint's stories stay where they were."))
    Story.objects.filter(pk=story.pk).update(sprint=None, updated_by=actor, updated_at=clock.now())
    story.sprint = None
    events.record(
        story,
        "story.removed_from_sprint",
        actor=actor,
        before={"sprint": sprint.pk},
        after={"sprint": None, "points": story.points, "active": sprint.is_active},
        sprint=sprint.pk,
    )
    return story


@transaction.atomic
def start_sprint(*, actor: User, sprint: Sprint) -> Sprint:
    """Refuses non-planners, sprints not planned, and a second active sprint in the team."""
    access.require(actor, Capability.PLAN_SPRINTS, sprint)
    if sprint.state != SprintState.PLANNED:
        raise ValidationError(_("Only a planned sprint can start."))
    if Sprint.objects.active().filter(team_id=sprint.team_id).exists():
        raise ValidationError(_("This team already has an active sprint; close it first."))
    stories = sprint.stories.all()
    sprint.state = SprintState.ACTIVE
    sprint.committed_points = _points(stories)
    sprint.started_at = clock.now()
    try:
        with transaction.atomic():
            sprint.save(update_fields=["state", "committed_points", "started_at"])
    except IntegrityError as exc:  # another start won the race
        raise ValidationError(_("This team already has an active sprint; close it first.")) from exc
    events.record(
        sprint,
        "sprint.started",
        actor=actor,
        before={"state": SprintState.PLANNED},
        after={
            "state": SprintState.ACTIVE,
            "committed_points": sprint.committed_points,
            "stories": list(stories.values_list("pk", flat=True)),
        },
    )
    return sprint


@transaction.atomic
def close_sprint(
    *,
    actor: User,
    sprint: Sprint,
    goal_met: bool | None = None,
    carry_over_to: Sprint | None = None,
    unaccepted: Mapping[int, str] | None = None,
) -> Sprint:
    """Refuses non-planners, sprints not active, and a story in a done column that is not
    accepted without a choice in ``unaccepted`` (story id: accept, carry_over or backlog;
    accepting is the PO's, with its Definition of Done ticked). Completed points are the
    accepted stories' (``sprints.completion``). Unfinished stories go back to the top of
    the backlog in their order, or into ``carry_over_to`` (a planned sprint of the team)."""
    access.require(actor, Capability.PLAN_SPRINTS, sprint)
    if sprint.state != SprintState.ACTIVE:
        raise ValidationError(_("Only an active sprint can be closed."))
    if carry_over_to is not None and (
        carry_over_to.team_id != sprint.team_id or carry_over_to.state != SprintState.PLANNED
    ):
        raise ValidationError(_("Unfinished stories can only go to a planned sprint of this team."))
    stories = list(sprint.stories.select_related("status", "acceptance").order_by("rank"))
    pending = [s for s in stories if s.status.category == StatusCategory.DONE]
    pending = [s for s in pending if not completion.is_completed(s)]
    choices = _unaccepted_choices(actor, pending, unaccepted or {}, carry_over_to)
    todo = _first_todo(sprint) if Unaccepted.BACKLOG in choices.values() else None
    for story in pending:
        if choices[story.pk] == Unaccepted.ACCEPT:
            try:
                story.acceptance = accept_story(actor=actor, story=story)
            except ValidationError as exc:
                raise ValidationError(
                    _("#%(id)d %(title)s: %(reason)s")
                    % {"id": story.pk, "title": story.title, "reason": " ".join(exc.messages)}
                ) from exc
    now_accepted = {pk for pk, choice in choices.items() if choice == Unaccepted.ACCEPT}
    done = [s for s in stories if completion.is_completed(s)]
    not_accepted = [s for s in pending if s.pk not in now_accepted]
    returned = [s for s in not_accepted if choices[s.pk] == Unaccepted.BACKLOG]
    open_ = [s for s in stories if s.status.category != StatusCategory.DONE]
    carried = [s for s in not_accepted if choices[s.pk] == Unaccepted.CARRY_OVER]
    # Where the unfinished stories go, the carried ones go too; returned ones always go to
    # the backlog, in a to-do column (a done story there would be out of planning's sight).
    if carry_over_to is None:  # nothing is carried (refused above)
        unfinished = back = sorted(open_ + returned, key=lambda s: s.rank)
    else:
        unfinished, back = sorted(open_ + carried, key=lambda s: s.rank), returned
    for story in returned:
        assert todo is not None  # _first_todo refused a workflow without one
        moved = move_story(actor=actor, story=story, status=todo)
        story.status, story.status_id = moved.status, moved.status_id
    sprint.state = SprintState.CLOSED
    sprint.completed_points = completion.points(done)
    sprint.goal_met = goal_met
    sprint.closed_at = clock.now()
    # Built before the unfinished stories leave, stored once: nothing writes it again.
    sprint.report = report.build(
        sprint,
        done=done,
        unfinished=unfinished,
        goal_met=goal_met,
        carried_to=carry_over_to,
        returned=returned if carry_over_to else [],
        not_accepted=not_accepted,
    )
    sprint.save(update_fields=["state", "completed_points", "goal_met", "closed_at", "report"])

    if back:
        # Back to the top of the backlog, keeping their order: new keys before the first.
        product_id = sprint.team.product_id
        first = (
            Story.objects.filter(product_id=product_id, sprint__isnull=True)
            .order_by("rank")
            .values_list("rank", flat=True)
            .first()
        )
        lo = (
            Story.objects.filter(product_id=product_id, rank__lt=first)
            .order_by("-rank")
            .values_list("rank", flat=True)
            .first()
            if first
            else Story.objects.filter(product_id=product_id)
            .exclude(pk__in=[s.pk for s in back])
            .order_by("-rank")
            .values_list("rank", flat=True)
            .first()
        )
        keys = []
        for _story in back:
            lo = ranks.between(lo, first)
            keys.append(lo)
        # Park first, then place: the new keys may equal keys these same stories hold.
        for story in back:
            Story.objects.filter(pk=story.pk).update(rank=f"~{story.pk}")
        for story, key in zip(back, keys, strict=True):
            story.rank = key
        rebalance_if_long(sprint.team.product, *keys)
    for story in back:
        Story.objects.filter(pk=story.pk).update(
            sprint=None, rank=story.rank, updated_by=actor, updated_at=clock.now()
        )
    if carry_over_to is not None:
        Story.objects.filter(pk__in=[s.pk for s in unfinished]).update(
            sprint=carry_over_to, updated_by=actor, updated_at=clock.now()
        )
    events.record(
        sprint,
        "sprint.closed",
        actor=actor,
        before={"state": SprintState.ACTIVE},
        after={
            "state": SprintState.CLOSED,
            "committed_points": sprint.committed_points,
            "completed_points": sprint.completed_points,
            "goal_met": goal_met,
            "done": [s.pk for s in done],
            "carried_over": [s.pk for s in unfinished],
            "carried_to": carry_over_to.pk if carry_over_to else None,
            "not_accepted": {str(s.pk): choices[s.pk] for s in not_accepted},
            "accepted_at_close": sorted(now_accepted),
        },
    )
    return sprint


def _unaccepted_choices(
    actor: User,
    pending: list[Story],
    unaccepted: Mapping[int, str],
    carry_over_to: Sprint | None,
) -> dict[int, str]:
    """Each done story that is not accepted, with what closing does with it; refuses a
    missing, unknown or impossible choice before anything is written."""
    ids = {s.pk for s in pending}
    try:
        given = {int(pk): str(choice) for pk, choice in unaccepted.items()}
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Name each story by its number.")) from exc
    if stray := sorted(set(given) - ids):
        raise ValidationError(
            _("Only a done story that is not accepted takes a choice; not: %(ids)s.")
            % {"ids": ", ".join(f"#{pk}" for pk in stray)}
        )
    if wrong := [pk for pk, choice in given.items() if choice not in Unaccepted.values]:
        raise ValidationError(
            _("Choose accept, carry_over or backlog for %(ids)s.")
            % {"ids": ", ".join(f"#{pk}" for pk in sorted(wrong))}
        )
    if missing := [s for s in pending if s.pk not in given]:
        raise ValidationError(
            _("Say what happens to each done story that is not accepted: %(stories)s.")
            % {"stories": ", ".join(f"#{s.pk} {s.title}" for s in missing)}
        )
    choices = set(given.values())
    if Unaccepted.CARRY_OVER in choices and carry_over_to is None:
        raise ValidationError(_("Choose the planned sprint that carried-over stories go to."))
    if Unaccepted.ACCEPT in choices and not access.can(
        actor, Capability.ACCEPT_STORY, next(s for s in pending if given[s.pk] == Unaccepted.ACCEPT)
    ):
        raise ValidationError(_("Only the Product Owner accepts a story."))
    return given


def _first_todo(sprint: Sprint) -> Status:
    todo = (
        Status.objects.filter(product_id=sprint.team.product_id, category=StatusCategory.TODO)
        .order_by("position", "id")
        .first()
    )
    if todo is None:
        raise ValidationError(_("The workflow has no to-do column to return a story to."))
    return todo


def _keep_blocked(*story_ids: int | None) -> None:
    """``Story.blocked`` says whether an open impediment names the story: set again after
    every change to impediments, in the same transaction."""
    ids = [pk for pk in story_ids if pk is not None]
    if not ids:
        return
    open_ = Impediment.objects.open().filter(story=OuterRef("pk"))
    Story.objects.filter(pk__in=ids).update(blocked=Exists(open_))


@transaction.atomic
def flag_impediment(
    *,
    actor: User,
    story: Story | None = None,
    reason: str,
    team: Team | None = None,
    sprint: Sprint | None = None,
    owner: User | None = None,
    raised_in: Any = None,
) -> Impediment:
    """Refuses anyone who may not move the team's cards, stories of no team or of another
    team, and empty reasons. Without a story the impediment blocks the whole team.

    ``raised_in`` is the daily meeting (a ``Ceremony``) it was raised in; the
    owner defaults to the actor."""
    if story is None and team is None:
        raise ValidationError(_("Say which story or which team is blocked."))
    if story is not None:
        access.require(actor, Capability.MOVE_CARDS, story)
        if story.team_id is None:
            raise ValidationError(_("Only a story of a team can be flagged as blocked."))
        if team is not None and story.team_id != team.pk:
            raise ValidationError({"story": _("This story belongs to another team.")})
        team_id, sprint_id = story.team_id, story.sprint_id
    else:
        assert team is not None
        access.require(actor, Capability.MOVE_CARDS, team)
        team_id, sprint_id = team.pk, sprint.pk if sprint else None
    if not reason.strip():
        raise ValidationError({"reason": _("Say what blocks the story.")})
    impediment = Impediment.objects.create(
        team_id=team_id,
        sprint_id=sprint_id,
        story=story,
        reason=reason.strip(),
        owner=owner or actor,
        raised_in=raised_in,
        opened_by=actor,
        opened_at=clock.now(),
    )
    _keep_blocked(impediment.story_id)
    after: dict[str, Any] = {"story": story.pk if story else None, "reason": impediment.reason}
    if raised_in is not None:
        after["raised_in"] = raised_in.pk
    events.record(
        impediment,
        "impediment.opened",
        actor=actor,
        after=after,
    )
    return impediment


@transaction.atomic
def reword_impediment(
    *, actor: User, impediment: Impediment, reason: str, story: Story | None
) -> Impediment:
    """Refuses anyone outside the team, resolved impediments, empty reasons and stories of
    another team. Used when the daily entry that raised it is edited."""
    access.require(actor, Capability.MOVE_CARDS, impediment)
    if not impediment.is_open:
        raise ValidationError(_("This impediment is already resolved."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what blocks the story.")})
    if story is not None and story.team_id != impediment.team_id:
        raise ValidationError({"story": _("This story belongs to another team.")})
    story_before = impediment.story_id
    before = {"story": story_before, "reason": impediment.reason}
    impediment.reason, impediment.story = reason.strip(), story
    after = {"story": impediment.story_id, "reason": impediment.reason}
    if after == before:
        return impediment
    impediment.save(update_fields=["reason", "story"])
    _keep_blocked(story_before, impediment.story_id)
    events.record(
        impediment,
        "impediment.reworded",
        actor=actor,
        before=before,
        after=after,
    )
    return impediment


@transaction.atomic
def resolve_impediment(*, actor: User, impediment: Impediment, note: str = "") -> Impediment:
    """Refuses anyone outside the team who may not move its cards, and resolved impediments."""
    access.require(actor, Capability.MOVE_CARDS, impediment)
    now = clock.now()
    # Conditional: of two people resolving at once, the second is told, not recorded twice.
    resolved = Impediment.objects.filter(pk=impediment.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=actor, resolution_note=note.strip()
    )
    if not resolved:
        raise ValidationError(_("This impediment is already resolved."))
    impediment.resolved_at, impediment.resolved_by = now, actor
    impediment.resolution_note = note.strip()
    _keep_blocked(impediment.story_id)
    events.record(
        impediment,
        "impediment.resolved",
        actor=actor,
        before={"resolved": False},
        after={"resolved": True, "story": impediment.story_id, "note": impediment.resolution_note},
    )
    return impediment

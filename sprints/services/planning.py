"""Planning a sprint: which stories it takes, held to the product's Definition of Ready,
and the members' days off, which scale the team's forecast capacity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog import readiness
from backlog.models import Sprint, SprintState, Story
from core import access, events
from core.access import Capability
from products.models import Membership, ReadinessRule
from sprints.models import MemberAvailability
from sprints.services.sprint import add_story_to_sprint

if TYPE_CHECKING:
    from accounts.models import User

# What the planning page flags on a story of the sprint (and the API's add-story answers).
NOT_READY = "not_ready"
NOT_ESTIMATED = "not_estimated"


def planning_warnings(story: Story) -> list[str]:
    """What a story lacks to be planned with confidence: not marked ready, no estimate."""
    warnings = []
    if not story.ready:
        warnings.append(NOT_READY)
    if story.points is None:
        warnings.append(NOT_ESTIMATED)
    return warnings


@transaction.atomic
def plan_story(*, actor: User, story: Story, sprint: Sprint) -> Story:
    """Add a story to the sprint (add_story_to_sprint's refusals), and refuse one that isn't
    marked ready when the product enforces its Definition of Ready (readiness.NotReady,
    with the items it misses). When the product warns it goes in, and planning_warnings
    says what it lacks."""
    access.require(actor, Capability.PLAN_SPRINTS, sprint)
    if (
        not story.ready
        and story.sprint_id != sprint.pk
        and story.product_id == sprint.team.product_id
        and readiness.rule_of(story.product_id) == ReadinessRule.ENFORCE
    ):
        raise readiness.NotReady(
            _(
                "“%(title)s” isn't marked ready, and this product enforces its Definition of "
                "Ready: mark it ready before planning it."
            )
            % {"title": story.title},
            readiness.missing(readiness.check_ready(story)),
            confirmable=False,
        )
    return add_story_to_sprint(actor=actor, story=story, sprint=sprint)


@transaction.atomic
def set_days_off(*, actor: User, sprint: Sprint, days_off: Mapping[int, int]) -> dict[int, int]:
    """Set days off by member id. Refuses non-planners, closed sprints, people outside the
    team, and days off below zero or beyond the sprint's working days. Returns every
    member's days off; one event names the changes."""
    access.require(actor, Capability.PLAN_SPRINTS, sprint)
    if sprint.state == SprintState.CLOSED:
        raise ValidationError(_("A closed sprint's availability can't change."))
    members = set(
        Membership.objects.filter(team_id=sprint.team_id).values_list("user_id", flat=True)
    )
    working = sprint.working_days
    for user_id, days in days_off.items():
        if user_id not in members:
            raise ValidationError(_("Only members of the team have days off in its sprints."))
        if not 0 <= days <= working:
            raise ValidationError(
                _("Days off go from 0 to the sprint's %(days)d working days.") % {"days": working}
            )
    rows = MemberAvailability.objects.select_for_update().filter(sprint=sprint)
    current = dict(rows.values_list("user_id", "days_off"))
    changed = {u: d for u, d in days_off.items() if current.get(u, 0) != d}
    for user_id, days in changed.items():
        MemberAvailability.objects.update_or_create(
            sprint=sprint, user_id=user_id, defaults={"days_off": days}
        )
    if changed:
        events.record(
            sprint,
            "sprint.availability_changed",
            actor=actor,
            before={str(u): current.get(u, 0) for u in changed},
            after={str(u): d for u, d in changed.items()},
        )
    return {u: d for u, d in (current | changed).items() if u in members}

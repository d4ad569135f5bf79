"""What "completed" means, in one place: a story the Product Owner accepted.

A story in a done column is only *done*; it is *completed* once its ``Acceptance`` row
exists (which ``accept_story`` writes only for a story in a done column whose Definition
of Done is all ticked, and which leaving the done column or a send-back removes). Every
figure of completed work reads this module: the points stored at close (and so velocity
and the forecast, which read them from the ``sprint.closed`` event), the close page, the
sprint page, the sprint report, the burndown and the product overview.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from products.models import StatusCategory

if TYPE_CHECKING:
    from backlog.models import Story, StoryQuerySet


class _Accepted(Protocol):
    """An acceptance, as this module reads it (sprints.models.Acceptance, which reads this
    module's CURRENT_ACCEPTANCE for the board's cards)."""

    accepted_at: dt.datetime


RULE_VERBS = ("story.accepted", "story.rejected", "story.acceptance_withdrawn")
"""The events that change whether a story is completed (the burndown replays them)."""


def completed_q(prefix: str = "") -> Q:
    """Stories completed: accepted by the Product Owner (and still in a done column: an
    acceptance never outlives the done column, ``move_card`` withdraws it). ``prefix``
    reaches them from another model: ``completed_q("stories__")`` on sprints."""
    return Q(
        **{f"{prefix}acceptance__isnull": False, f"{prefix}status__category": StatusCategory.DONE}
    ) & (
        # Accepted on this pass through the done columns, not on an earlier one (a story
        # moved out and back in by a path that doesn't withdraw the acceptance: the API's
        # or the story page's move, a deleted status).
        Q(**{f"{prefix}done_at__isnull": True})
        | Q(**{f"{prefix}acceptance__accepted_at__gte": F(f"{prefix}done_at")})
    )


def done_not_accepted_q(prefix: str = "") -> Q:
    """Stories in a done column that the Product Owner has not accepted (yet)."""
    return Q(**{f"{prefix}status__category": StatusCategory.DONE}) & (
        Q(**{f"{prefix}acceptance__isnull": True})
        # accepted on an earlier pass through the done columns (completed_q)
        | Q(
            **{
                f"{prefix}done_at__isnull": False,
                f"{prefix}acceptance__accepted_at__lt": F(f"{prefix}done_at"),
            }
        )
    )


def completed(stories: StoryQuerySet) -> StoryQuerySet:
    return stories.filter(completed_q())


def done_not_accepted(stories: StoryQuerySet) -> StoryQuerySet:
    return stories.filter(done_not_accepted_q())


def is_current(acceptance: _Accepted | None, story: Story) -> bool:
    """The acceptance was given on the story's present pass through the done columns."""
    return acceptance is not None and (
        story.done_at is None or acceptance.accepted_at >= story.done_at
    )


CURRENT_ACCEPTANCE = Q(story__done_at__isnull=True) | Q(accepted_at__gte=F("story__done_at"))
"""On Acceptance rows: those of the story's present pass (``is_current``)."""


def is_completed(story: Story) -> bool:
    """One story: its acceptance row exists (``select_related("acceptance")`` saves the
    query per story, ``select_related("status")`` the other)."""
    if story.status.category != StatusCategory.DONE or not hasattr(story, "acceptance"):
        return False
    return is_current(story.acceptance, story)


def points(stories: Iterable[Story]) -> int:
    """Completed points of these stories (unestimated ones count nothing)."""
    return sum(s.points or 0 for s in stories if is_completed(s))


class Unaccepted(models.TextChoices):
    """What closing a sprint does with a story in a done column that is not accepted."""

    ACCEPT = "accept", _("Accept it now")
    CARRY_OVER = "carry_over", _("Carry it over to the next sprint")
    BACKLOG = "backlog", _("Return it to the backlog")

"""Every change to a story's tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog import ranks
from backlog.models import (
    Story,
    Task,
)
from core import access, events
from core.access import Capability

if TYPE_CHECKING:
    from accounts.models import User

from backlog.services.common import (
    _check_assignee,
)


@transaction.atomic
def add_task(*, actor: User, story: Story, title: str, assignee: User | None = None) -> Task:
    """Refuses anyone who may not move the story's cards (the team, its PO)."""
    access.require(actor, Capability.MOVE_CARDS, story)
    _check_assignee(story.product, assignee)
    if not title.strip():
        raise ValidationError({"title": _("A task needs a title.")})
    title = title.strip()
    last = story.tasks.order_by("-rank").values_list("rank", flat=True).first()
    task = Task.objects.create(
        story=story, title=title, assignee=assignee, rank=ranks.between(last, None)
    )
    events.record(
        task,
        "task.added",
        actor=actor,
        after={"story": story.pk, "title": title},
    )
    return task


@transaction.atomic
def set_task_done(*, actor: User, task: Task, done: bool) -> Task:
    """Refuses anyone who may not move the story's cards."""
    story = task.story
    access.require(actor, Capability.MOVE_CARDS, story)
    if task.done != done:
        Task.objects.filter(pk=task.pk).update(done=done)
        task.done = done
        events.record(
            task,
            "task.done" if done else "task.reopened",
            actor=actor,
            before={"done": not done},
            after={"done": done},
        )
    return task


@transaction.atomic
def move_task(*, actor: User, task: Task, direction: str) -> Task:
    """Refuses anyone who may not move the story's cards; "up" or "down" one place."""
    story = task.story
    access.require(actor, Capability.MOVE_CARDS, story)
    siblings = story.tasks.exclude(pk=task.pk).order_by("rank")
    lo: str | None
    hi: str | None
    if direction == "up":
        above = list(siblings.filter(rank__lt=task.rank).order_by("-rank")[:2])
        if not above:
            return task
        lo, hi = (above[1].rank if len(above) > 1 else None), above[0].rank
    elif direction == "down":
        below = list(siblings.filter(rank__gt=task.rank)[:2])
        if not below:
            return task
        lo, hi = below[0].rank, (below[1].rank if len(below) > 1 else None)
    else:
        raise ValidationError(_("A task moves up or down."))
    before = task.rank
    task.rank = ranks.between(lo, hi)
    Task.objects.filter(pk=task.pk).update(rank=task.rank)
    events.record(
        task,
        "task.moved",
        actor=actor,
        before={"rank": before},
        after={"rank": task.rank},
    )
    return task


@transaction.atomic
def delete_task(*, actor: User, task: Task) -> None:
    """Refuses anyone who may not move the story's cards."""
    story = task.story
    access.require(actor, Capability.MOVE_CARDS, story)
    events.record(
        task,
        "task.deleted",
        actor=actor,
        before={"title": task.title},
    )
    task.delete()


# User research and product updates: the PM's (Capability.EDIT_VISION).

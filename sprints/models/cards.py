"""Stories as the board shows them: a card is a story read with what its face carries.

``Card`` is a proxy of ``backlog.models.Story`` (no table of its own): the sprints app
adds its reads (Definition of Done ticks, acceptance) to the story without the backlog
app knowing about them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.db.models import BigIntegerField, Count, F, Manager, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Greatest
from django.forms import BaseForm

from backlog.models import Story, StoryQuerySet, Task
from core.models import Event
from products.models import ChecklistItem, ChecklistKind
from sprints import completion
from sprints.models.work import Acceptance, DoneCheck, Impediment


def _entered_column() -> Subquery:
    """When the story last came into its current status in its current sprint. Only a move
    that changed the status counts: reordering a card inside its column doesn't make it
    younger; a move in an earlier sprint (a carried-over card) isn't this sprint's."""
    moves = (
        Event.objects.filter(
            verb="story.moved",
            object_type="story",
            object_id=OuterRef("pk"),
            sprint_id=OuterRef("sprint_id"),
        )
        .annotate(
            to_status=Cast(KT("after__status"), BigIntegerField()),
            from_status=Cast(KT("before__status"), BigIntegerField()),
        )
        .filter(to_status=OuterRef("status_id"))
        .exclude(from_status=F("to_status"))
        .order_by("-created_at", "-id")
    )
    return Subquery(moves.values("created_at")[:1])


def _joined_sprint() -> Subquery:
    added = Event.objects.filter(
        verb="story.added_to_sprint",
        object_type="story",
        object_id=OuterRef("pk"),
        sprint_id=OuterRef("sprint_id"),
    ).order_by("-created_at", "-id")
    return Subquery(added.values("created_at")[:1])


def _carried_in() -> Subquery:
    """When the previous sprint closed and handed its unfinished stories to this one. The
    event lists them in a JSON array, which SQLite can't search: the latest close into this
    sprint stands for all, right unless two sprints carried into the same one."""
    closed = (
        Event.objects.annotate(carried_to=Cast(KT("after__carried_to"), BigIntegerField()))
        .filter(verb="sprint.closed", object_type="sprint", carried_to=OuterRef("sprint_id"))
        .order_by("-created_at", "-id")
    )
    return Subquery(closed.values("created_at")[:1])


def _in_column_since() -> Coalesce:
    """The later of the card's coming into its column in this sprint and its coming into
    the sprint (added, or carried over); the story's creation when no event says."""
    moved, entered = _entered_column(), Coalesce(_joined_sprint(), _carried_in())
    # GREATEST is NULL on SQLite when either is (PostgreSQL skips a NULL): then the other.
    return Coalesce(Greatest(moved, entered), moved, entered, F("created_at"))


def _count(rows: QuerySet[Any], by: str) -> Coalesce:
    # order_by(): a default ordering would otherwise split the count (Task's by rank).
    counted = rows.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


class CardQuerySet(StoryQuerySet):
    def as_cards(self) -> CardQuerySet:
        """The board's cards in rank order, in one query: the epic and assignee joined;
        the task counts, the Definition of Done's progress, the acceptance and the time the
        card came into its column as subqueries. No query per card."""
        tasks = Task.objects.filter(story=OuterRef("pk"))
        done_items = ChecklistItem.objects.filter(
            product=OuterRef("product_id"), kind=ChecklistKind.DONE
        )
        return (
            self.select_related("epic", "assignee")
            .annotate(
                in_column_since=_in_column_since(),
                tasks_total=_count(tasks, "story"),
                tasks_done=_count(tasks.filter(done=True), "story"),
                status_category=F("status__category"),
                # The Definition of Done's progress and the PO's acceptance (views/card.py).
                dod_total=_count(done_items, "product"),
                dod_ticked=_count(DoneCheck.objects.filter(story=OuterRef("pk")), "story"),
                accepted_at=Subquery(
                    Acceptance.objects.filter(
                        completion.CURRENT_ACCEPTANCE, story=OuterRef("pk")
                    ).values("accepted_at")[:1]
                ),
            )
            .order_by("rank")
        )


class Card(Story):
    """A story on the board (``Card.objects.filter(sprint=s).as_cards()``)."""

    # A class variable, as Story's manager is; django-stubs types Card.objects from the
    # manager itself (its CardQuerySet methods included), whatever this annotation says.
    objects: ClassVar[Manager[Card]] = CardQuerySet.as_manager()

    # What the board reads beside the story's own fields, declared for the type checker
    # (no columns): the first is as_cards()'s annotation, the others sprints.views.board
    # sets on each card for its template.
    in_column_since: dt.datetime
    age_days: int
    blockers: list[Impediment]
    can_move: bool
    flag_form: BaseForm | None  # the card's flag form, with its errors, after a refusal
    errors: list[str] | None

    class Meta:
        proxy = True

"""The Definition of Done ticked per story, and the PO accepting a done story or sending
it back. Each locks the story's row first, so a tick and an acceptance never cross."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog.models import SprintState, Story
from backlog.services import move_story
from core import access, clock, events
from core.access import Capability
from products.models import ChecklistItem, ChecklistKind, Status, StatusCategory
from sprints import completion
from sprints.models import Acceptance, DoneCheck

if TYPE_CHECKING:
    from accounts.models import User


def _locked(story: Story) -> Story:
    stories = Story.objects.select_related("status", "sprint")
    return stories.select_for_update(of=("self",)).get(pk=story.pk)


def _check_item(story: Story, item: ChecklistItem) -> None:
    if item.product_id != story.product_id or item.kind != ChecklistKind.DONE:
        raise ValidationError(_("This item isn't part of the product's Definition of Done."))


def _accepted(story: Story) -> bool:
    """Accepted on this pass through the done columns (an older acceptance is stale:
    the story left the done columns by a path that didn't withdraw it, and came back)."""
    return Acceptance.objects.filter(completion.CURRENT_ACCEPTANCE, story=story).exists()


def _check_not_accepted(story: Story) -> None:
    if _accepted(story):
        raise ValidationError(
            _("This story is accepted, so its Definition of Done is settled; send it back first.")
        )


def _check_not_accepted_yet(story: Story) -> None:
    if _accepted(story):
        raise ValidationError(_("This story is already accepted."))
    Acceptance.objects.filter(story=story).delete()  # a stale one, of an earlier pass


def done_items(story: Story) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(product_id=story.product_id, kind=ChecklistKind.DONE))


@transaction.atomic
def tick_done_item(*, actor: User, story: Story, item: ChecklistItem) -> DoneCheck:
    """Refuses anyone who may not move the story's cards, items outside the product's
    Definition of Done, and an accepted story. Ticking twice records it once."""
    access.require(actor, Capability.MOVE_CARDS, story)
    _check_item(story, item)
    story = _locked(story)
    _check_not_accepted(story)
    check, created = DoneCheck.objects.get_or_create(
        story=story, item=item, defaults={"checked_by": actor, "checked_at": clock.now()}
    )
    if created:
        events.record(
            check,
            "done_item.ticked",
            actor=actor,
            after={"story": story.pk, "item": item.pk, "text": item.text},
        )
    return check


@transaction.atomic
def untick_done_item(*, actor: User, story: Story, item: ChecklistItem) -> None:
    """Refuses anyone who may not move the story's cards, items outside the product's
    Definition of Done, and an accepted story."""
    access.require(actor, Capability.MOVE_CARDS, story)
    _check_item(story, item)
    story = _locked(story)
    _check_not_accepted(story)
    check = DoneCheck.objects.filter(story=story, item=item).first()
    if check is None:
        return
    events.record(
        check,
        "done_item.unticked",
        actor=actor,
        before={"story": story.pk, "item": item.pk, "text": item.text},
    )
    check.delete()


@transaction.atomic
def accept_story(*, actor: User, story: Story) -> Acceptance:
    """Refuses anyone but the story's PO, a story not in a done status, a Definition of
    Done not fully ticked, and a story accepted already."""
    access.require(actor, Capability.ACCEPT_STORY, story)
    story = _locked(story)
    if story.status.category != StatusCategory.DONE:
        raise ValidationError(_("Only a story in a done column can be accepted."))
    ticked = set(DoneCheck.objects.filter(story=story).values_list("item_id", flat=True))
    missing = [item.text for item in done_items(story) if item.pk not in ticked]
    if missing:
        raise ValidationError(
            _("Tick every item of the Definition of Done first. Still open: %(items)s.")
            % {"items": ", ".join(missing)}
        )
    _check_not_accepted_yet(story)
    acceptance = Acceptance.objects.create(story=story, accepted_by=actor, accepted_at=clock.now())
    events.record(
        story,
        "story.accepted",
        actor=actor,
    )
    return acceptance


@transaction.atomic
def reject_story(*, actor: User, story: Story, comment: str) -> Story:
    """Refuses anyone but the story's PO, an empty comment, a story not in a done status,
    and a story of a closed sprint. The story goes to the top of its sprint's first to-do
    column (through move_story, so the board and the charts see the move); its Definition
    of Done ticks and its acceptance are cleared, for the team to check again."""
    access.require(actor, Capability.ACCEPT_STORY, story)
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the story goes back.")})
    story = _locked(story)
    if story.status.category != StatusCategory.DONE:
        raise ValidationError(_("Only a story in a done column can be sent back."))
    if story.sprint is not None and story.sprint.state == SprintState.CLOSED:
        raise ValidationError(
            _("This story's sprint is closed; write a new story for what is missing.")
        )
    todo = (
        Status.objects.filter(product_id=story.product_id, category=StatusCategory.TODO)
        .order_by("position", "id")
        .first()
    )
    if todo is None:
        raise ValidationError(_("The workflow has no to-do column to send the story back to."))
    was_accepted = Acceptance.objects.filter(story=story).delete()[0] > 0
    DoneCheck.objects.filter(story=story).delete()
    first = None
    if story.sprint_id is not None:
        first = (
            Story.objects.filter(sprint_id=story.sprint_id, status=todo)
            .exclude(pk=story.pk)
            .order_by("rank")
            .first()
        )
    story = move_story(actor=actor, story=story, status=todo, before=first)
    events.record(
        story,
        "story.rejected",
        actor=actor,
        before={"accepted": was_accepted},
        after={"comment": comment},
    )
    return story


@transaction.atomic
def move_card(
    *,
    actor: User,
    story: Story,
    status: Status | None = None,
    after: Story | None = None,
    before: Story | None = None,
) -> Story:
    """``backlog.services.move_story`` (and its refusals) for a card on the board. An
    accepted story taken out of the done columns loses its acceptance, recorded as
    ``story.acceptance_withdrawn``: it is no longer completed, and the PO accepts it again
    once it is back in a done column. Its Definition of Done ticks stay."""
    story = move_story(actor=actor, story=story, status=status, after=after, before=before)
    if story.status.category == StatusCategory.DONE:
        return story
    acceptance = Acceptance.objects.filter(story=story).first()
    if acceptance is not None:
        events.record(
            story,
            "story.acceptance_withdrawn",
            actor=actor,
            before={"accepted": True, "accepted_by": acceptance.accepted_by_id},
            after={"accepted": False, "status": story.status_id},
        )
        acceptance.delete()
    return story

"""Deleting a workflow status, which moves the stories it holds: a change to stories, so
it is made here and not in products (where statuses are created, edited and ordered)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from backlog.models import Story
from core import access, clock, events
from core.access import Capability
from products.models import Status, StatusCategory
from products.workflow import check_category_kept

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def delete_status(*, actor: User, status: Status, move_to: Status | None = None) -> int:
    """Refuses the last status of a category, and a status holding stories unless they are
    given another status of the same product (each moved story gets a new version and its
    own event).

    Returns how many stories moved."""
    access.require(actor, Capability.EDIT_WORKFLOW, status.product)
    check_category_kept(status)
    stories = list(
        Story.objects.select_for_update()
        .filter(status=status)
        .only("pk", "product_id", "team_id", "sprint_id", "version")
    )
    if stories:
        if move_to is None:
            raise ValidationError(
                {"move_to": _("This status holds stories: choose where to move them.")}
            )
        if move_to.product_id != status.product_id or move_to.pk == status.pk:
            raise ValidationError({"move_to": _("Choose another status of this product.")})
        entering_done = (
            move_to.category == StatusCategory.DONE and status.category != StatusCategory.DONE
        )
        Story.objects.filter(pk__in=[s.pk for s in stories]).update(
            status=move_to,
            version=F("version") + 1,
            updated_by=actor,
            updated_at=clock.now(),
            # Into a done column from another category: done from now (move_story's rule).
            **({"done_at": clock.now()} if entering_done else {}),
        )
        for story in stories:
            events.record(
                story,
                "story.moved",
                actor=actor,
                before={"status": status.pk},
                after={"status": move_to.pk, "reason": "status_deleted"},
            )
    events.record(
        status,
        "status.deleted",
        actor=actor,
        before={"name": status.name, "category": status.category},
        after={"moved_to": getattr(move_to, "pk", None), "stories": len(stories)},
    )
    status.delete()
    return len(stories)

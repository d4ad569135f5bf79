"""Every change to product updates: write, edit, publish, unpublish, and the release notes
drafted from a sprint's or a release's done stories."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog.models import Release, Sprint, Story
from backlog.services.common import _check_belongs, _plain
from backlog.services.research import _edit_versioned
from changelog.models import ProductUpdate, UpdateStatus, UpdateVisibility
from changelog.notes import release_notes_body
from core import access, clock, events
from core.access import Capability
from products.models import Product

if TYPE_CHECKING:
    from accounts.models import User

UPDATE_FIELDS = ("title", "body", "visibility")


def _check_visibility(visibility: str) -> None:
    if visibility not in UpdateVisibility.values:
        raise ValidationError({"visibility": _("Choose internal or public.")})


@transaction.atomic
def create_update(
    *,
    actor: User,
    product: Product,
    title: str,
    body: str = "",
    visibility: str = UpdateVisibility.INTERNAL,
) -> ProductUpdate:
    """Refuses everyone but the PM and a blank title. The update starts as a draft."""
    access.require(actor, Capability.EDIT_VISION, product)
    _check_visibility(visibility)
    update = ProductUpdate(
        product=product,
        title=title.strip(),
        body=body,
        visibility=visibility,
        status=UpdateStatus.DRAFT,
        created_by=actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    update.full_clean()
    update.save()
    events.record(
        update,
        "update.created",
        actor=actor,
        after={"title": update.title, "visibility": visibility},
    )
    return update


@transaction.atomic
def edit_update(
    *, actor: User, update: ProductUpdate, version: int, **changes: Any
) -> ProductUpdate:
    """Refuses everyone but the PM, invalid values and an edit of an old version."""
    if unknown := set(changes) - set(UPDATE_FIELDS):
        raise TypeError(f"edit_update cannot change {sorted(unknown)}")
    access.require(actor, Capability.EDIT_VISION, update)
    if "visibility" in changes:
        _check_visibility(changes["visibility"])
    before, after = _edit_versioned(
        update, version=version, changes=changes, updated_at=clock.now()
    )
    if after:
        # The body is long: the log keeps which fields changed, and the new title and
        # visibility, not every version of the text.
        events.record(
            update,
            "update.edited",
            actor=actor,
            before={k: v for k, v in before.items() if k != "body"},
            after={k: v for k, v in after.items() if k != "body"} | {"fields": sorted(after)},
        )
    return update


@transaction.atomic
def publish_update(*, actor: User, update: ProductUpdate) -> ProductUpdate:
    """Refuses everyone but the PM and an update with nothing written in it."""
    access.require(actor, Capability.EDIT_VISION, update)
    if not update.body.strip():
        raise ValidationError({"body": _("Write the update before publishing it.")})
    now = clock.now()
    # Conditional on the draft state: a double click publishes once, with one event.
    if ProductUpdate.objects.filter(pk=update.pk, status=UpdateStatus.DRAFT).update(
        status=UpdateStatus.PUBLISHED, published_at=now
    ):
        update.refresh_from_db()
        events.record(
            update,
            "update.published",
            actor=actor,
            before={"status": UpdateStatus.DRAFT},
            after={
                "status": UpdateStatus.PUBLISHED,
                "visibility": update.visibility,
                "published_at": now.isoformat(),
            },
        )
    else:
        update.refresh_from_db()
    return update


@transaction.atomic
def unpublish_update(*, actor: User, update: ProductUpdate) -> ProductUpdate:
    """Refuses everyone but the PM. The update becomes a draft again, off the changelog."""
    access.require(actor, Capability.EDIT_VISION, update)
    if ProductUpdate.objects.filter(pk=update.pk, status=UpdateStatus.PUBLISHED).update(
        status=UpdateStatus.DRAFT, published_at=None
    ):
        before = {"status": UpdateStatus.PUBLISHED, "published_at": _plain(update.published_at)}
        update.refresh_from_db()
        events.record(
            update,
            "update.unpublished",
            actor=actor,
            before=before,
            after={"status": UpdateStatus.DRAFT},
        )
    else:
        update.refresh_from_db()
    return update


@transaction.atomic
def draft_release_notes(
    *, actor: User, product: Product, sprint_id: int | None = None, release: Release | None = None
) -> ProductUpdate:
    """A draft, internal update listing the stories done in a sprint or a release, by kind.

    Refuses everyone but the PM, a sprint or release of another product, both or neither,
    and a sprint or release with no done story."""
    access.require(actor, Capability.EDIT_VISION, product)
    if (sprint_id is None) == (release is None):
        raise ValidationError(_("Choose a sprint or a release."))
    stories = Story.objects.filter(product=product)
    if release is not None:
        _check_belongs(product, release=release)
        stories, name, source = (
            stories.filter(release=release),
            release.name,
            {"release": release.pk},
        )
    else:
        assert sprint_id is not None  # checked above: a sprint or a release
        sprint = Sprint.objects.filter(pk=sprint_id, team__product=product).first()
        if sprint is None:
            raise ValidationError({"sprint": _("Choose a sprint of this product.")})
        stories, name, source = (
            stories.filter(sprint_id=sprint_id),
            sprint.name,
            {"sprint": sprint_id},
        )
    done = list(stories.done().order_by("rank").values_list("kind", "title"))
    if not done:
        raise ValidationError(_("No story is done there yet: there is nothing to announce."))
    update = ProductUpdate(
        product=product,
        title=_("Release notes: %(name)s") % {"name": name},
        body=release_notes_body(done),
        visibility=UpdateVisibility.INTERNAL,
        status=UpdateStatus.DRAFT,
        created_by=actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    update.full_clean()
    update.save()
    events.record(
        update,
        "update.created",
        actor=actor,
        after={"title": update.title, "visibility": update.visibility, "stories": len(done)}
        | source,
    )
    return update

"""Every change to user research insights and product updates (the PM's writing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from backlog.models import (
    Epic,
    Insight,
    ProductUpdate,
    Release,
    Story,
    UpdateStatus,
    UpdateVisibility,
)
from backlog.updates import release_notes_body, sprint_model
from products import access, clock, events
from products.access import Capability
from products.models import Product

if TYPE_CHECKING:
    from accounts.models import User

from backlog.services.common import (
    _check_belongs,
    _plain,
)

INSIGHT_FIELDS = ("title", "date", "source", "finding", "evidence_url")
UPDATE_FIELDS = ("title", "body", "visibility")


class StaleVersion(Exception):
    """An edit of an insight or an update based on an old version; ``current`` is the row now."""

    def __init__(self, current: Insight | ProductUpdate) -> None:
        super().__init__(_("Someone else changed this meanwhile."))
        self.current = current


def _edit_versioned(
    obj: Insight | ProductUpdate, *, version: int, changes: dict[str, Any], **stamps: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate and write ``changes`` if ``obj`` is still at ``version``; the (before, after)
    values that changed, empty when nothing did."""
    model = type(obj)
    if "title" in changes:
        changes["title"] = str(changes["title"]).strip()
    before = {k: _plain(getattr(obj, k)) for k in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean(exclude=["uuid"])
    after = {k: _plain(getattr(obj, k)) for k in changes}
    changed = [k for k in changes if before[k] != after[k]]
    if not changed:
        fresh = model.objects.get(pk=obj.pk)
        if fresh.version != version:
            raise StaleVersion(fresh)
        return {}, {}
    # One conditional UPDATE: of two edits of the same version, only one succeeds.
    updated = model.objects.filter(pk=obj.pk, version=version).update(
        **{k: getattr(obj, k) for k in changed}, version=F("version") + 1, **stamps
    )
    if not updated:
        raise StaleVersion(model.objects.get(pk=obj.pk))
    obj.refresh_from_db()
    return {k: before[k] for k in changed}, {k: after[k] for k in changed}


@transaction.atomic
def create_insight(
    *,
    actor: User,
    product: Product,
    title: str,
    date: Any = None,
    source: str = "",
    finding: str = "",
    evidence_url: str = "",
) -> Insight:
    """Refuses everyone but the PM, a blank title and an evidence link that isn't a URL."""
    access.require(actor, Capability.EDIT_VISION, product)
    insight = Insight(
        product=product,
        title=title.strip(),
        date=date or clock.today(),
        source=source.strip(),
        finding=finding,
        evidence_url=evidence_url.strip(),
        created_by=actor,
        created_at=clock.now(),
    )
    insight.full_clean()
    insight.save()
    events.record(
        actor=actor,
        verb="insight.created",
        product=product,
        obj=insight,
        after={k: _plain(getattr(insight, k)) for k in INSIGHT_FIELDS},
    )
    return insight


@transaction.atomic
def update_insight(*, actor: User, insight: Insight, version: int, **changes: Any) -> Insight:
    """Refuses everyone but the PM, invalid values and an edit of an old version."""
    if unknown := set(changes) - set(INSIGHT_FIELDS):
        raise TypeError(f"update_insight cannot change {sorted(unknown)}")
    access.require(actor, Capability.EDIT_VISION, insight)
    before, after = _edit_versioned(insight, version=version, changes=changes)
    if after:
        events.record(
            actor=actor,
            verb="insight.updated",
            product=insight.product_id,
            obj=insight,
            before=before,
            after=after,
        )
    return insight


def _change_links(
    *, actor: User, insight: Insight, epic: Epic | None, story: Story | None, link: bool
) -> Insight:
    access.require(actor, Capability.EDIT_VISION, insight)
    if epic is None and story is None:
        raise ValidationError(_("Choose an epic or a story."))
    _check_belongs(insight.product_id, epic=epic, story=story)
    changed = {}
    for name, related, obj in (("epic", insight.epics, epic), ("story", insight.stories, story)):
        if obj is not None and related.filter(pk=obj.pk).exists() != link:
            (related.add if link else related.remove)(obj)
            changed[name] = obj.pk
    if changed:
        events.record(
            actor=actor,
            verb="insight.linked" if link else "insight.unlinked",
            product=insight.product_id,
            obj=insight,
            # A link is a new value, an unlink a value that was: the event says which.
            **({"after": changed} if link else {"before": changed}),
        )
    return insight


@transaction.atomic
def link_insight(
    *, actor: User, insight: Insight, epic: Epic | None = None, story: Story | None = None
) -> Insight:
    """Refuses everyone but the PM, and an epic or story of another product."""
    return _change_links(actor=actor, insight=insight, epic=epic, story=story, link=True)


@transaction.atomic
def unlink_insight(
    *, actor: User, insight: Insight, epic: Epic | None = None, story: Story | None = None
) -> Insight:
    """Refuses everyone but the PM, and an epic or story of another product."""
    return _change_links(actor=actor, insight=insight, epic=epic, story=story, link=False)


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
        actor=actor,
        verb="update.created",
        product=product,
        obj=update,
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
            actor=actor,
            verb="update.edited",
            product=update.product_id,
            obj=update,
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
            actor=actor,
            verb="update.published",
            product=update.product_id,
            obj=update,
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
            actor=actor,
            verb="update.unpublished",
            product=update.product_id,
            obj=update,
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
        sprint = sprint_model().objects.filter(pk=sprint_id, team__product=product).first()
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
        actor=actor,
        verb="update.created",
        product=product,
        obj=update,
        after={"title": update.title, "visibility": update.visibility, "stories": len(done)}
        | source,
    )
    return update

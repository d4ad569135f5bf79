"""Every change to user research insights (the PM's writing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog.models import Epic, Insight, Story
from core import access, clock, events
from core.access import Capability
from core.concurrency import check_version, versioned_update
from products.models import Product

if TYPE_CHECKING:
    from accounts.models import User

from backlog.services.common import (
    _check_belongs,
    _plain,
)

INSIGHT_FIELDS = ("title", "date", "source", "finding", "evidence_url")


def _edit_versioned(
    obj: Any, *, version: int, changes: dict[str, Any], **stamps: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate and write ``changes`` if ``obj`` is still at ``version``; the (before, after)
    values that changed, empty when nothing did."""
    if "title" in changes:
        changes["title"] = str(changes["title"]).strip()
    before = {k: _plain(getattr(obj, k)) for k in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean(exclude=["uuid"])
    after = {k: _plain(getattr(obj, k)) for k in changes}
    changed = [k for k in changes if before[k] != after[k]]
    if not changed:
        check_version(obj, version)
        return {}, {}
    # One conditional UPDATE: of two edits of the same version, only one succeeds.
    versioned_update(obj, version, **{k: getattr(obj, k) for k in changed}, **stamps)
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
        insight,
        "insight.created",
        actor=actor,
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
            insight,
            "insight.updated",
            actor=actor,
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
    changed: dict[str, int] = {}
    for name, related, obj in (("epic", insight.epics, epic), ("story", insight.stories, story)):
        if obj is not None and related.filter(pk=obj.pk).exists() != link:
            # By id: the two managers take their own model's rows, and both take ids.
            (related.add if link else related.remove)(obj.pk)
            changed[name] = obj.pk
    if changed:
        events.record(
            insight,
            "insight.linked" if link else "insight.unlinked",
            actor=actor,
            **{"after": changed} if link else {"before": changed},
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

"""Every change to epics, releases and labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from backlog import ranks
from backlog.models import (
    Epic,
    Label,
    Release,
)
from core import access, events
from core.access import Capability
from products.models import Product

if TYPE_CHECKING:
    from accounts.models import User

from backlog.services.common import (
    _check_belongs,
    _plain,
)


@transaction.atomic
def create_epic(
    *,
    actor: User,
    product: Product,
    title: str,
    description: str = "",
    colour: str = "#4f6bed",
    release: Release | None = None,
    start_date: Any = None,
    target_date: Any = None,
) -> Epic:
    """Refuses everyone but the PM."""
    access.require(actor, Capability.EDIT_EPICS, product)
    _check_belongs(product, release=release)
    last = Epic.objects.filter(product=product).order_by("-rank").values_list("rank", flat=True)
    epic = Epic(
        product=product,
        title=title,
        description=description,
        colour=colour,
        release=release,
        start_date=start_date,
        target_date=target_date,
        rank=ranks.between(last.first(), None),
    )
    epic.full_clean()
    epic.save()
    events.record(epic, "epic.created", actor=actor, after={"title": title})
    return epic


@transaction.atomic
def update_epic(*, actor: User, epic: Epic, **changes: Any) -> Epic:
    """Refuses everyone but the PM, a release of another product, and a target before the start."""
    access.require(actor, Capability.EDIT_EPICS, epic)
    allowed = {"title", "description", "colour", "release", "start_date", "target_date"}
    if unknown := set(changes) - allowed:
        raise TypeError(f"update_epic cannot change {sorted(unknown)}")
    _check_belongs(epic.product, release=changes.get("release"))
    before = {k: _plain(getattr(epic, k)) for k in changes}
    for name, value in changes.items():
        setattr(epic, name, value)
    epic.full_clean()
    after = {k: _plain(getattr(epic, k)) for k in changes}
    changed = [k for k in changes if before[k] != after[k]]
    if changed:
        epic.save(update_fields=changed)
        events.record(
            epic,
            "epic.updated",
            actor=actor,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return epic


@transaction.atomic
def create_release(*, actor: User, product: Product, name: str, date: Any = None) -> Release:
    """Refuses everyone but the PM."""
    access.require(actor, Capability.EDIT_EPICS, product)
    release = Release(product=product, name=name, date=date)
    release.full_clean()
    release.save()
    events.record(
        release,
        "release.created",
        actor=actor,
        after={"name": name, "date": date.isoformat() if date else None},
    )
    return release


@transaction.atomic
def create_label(*, actor: User, product: Product, name: str, colour: str = "#8a8f98") -> Label:
    """Refuses members who may not create stories."""
    access.require(actor, Capability.CREATE_STORY, product)
    label, created = Label.objects.get_or_create(
        product=product, name=name, defaults={"colour": colour}
    )
    if created:
        events.record(label, "label.created", actor=actor, after={"name": name})
    return label

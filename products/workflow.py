"""Every change to a product's workflow statuses, its Definition of Ready and of Done, and
how strictly the Definition of Ready holds (warn or enforce).

Asked of the PM and the POs (Capability.EDIT_WORKFLOW). The backlog's readiness and the
board's done checks read these rows, so they change here and nowhere else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core import access, events
from core.access import Capability
from products.models import (
    ChecklistItem,
    ChecklistKind,
    ChecklistRule,
    Product,
    ReadinessRule,
    Status,
)

if TYPE_CHECKING:
    from accounts.models import User


def _check_name(product: Product, name: str, *, exclude: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the status a name.")})
    taken = product.statuses.filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": _("This product already has a status with that name.")})
    return name


def _check_wip(wip_limit: int | None) -> None:
    if wip_limit is not None and wip_limit < 1:
        raise ValidationError(
            {"wip_limit": _("A WIP limit is at least 1; leave it empty for none.")}
        )


def check_category_kept(status: Status) -> None:
    """Refuses to leave the product without a status of the status's category."""
    others = Status.objects.filter(product_id=status.product_id, category=status.category)
    if not others.exclude(pk=status.pk).exists():
        raise ValidationError(
            _("The workflow keeps at least one “%(category)s” status.")
            % {"category": status.get_category_display()}
        )


@transaction.atomic
def create_status(
    *, actor: User, product: Product, name: str, category: str, wip_limit: int | None = None
) -> Status:
    """Refuses those who may not edit the workflow, a name taken and a WIP limit below 1.
    The new status goes last."""
    access.require(actor, Capability.EDIT_WORKFLOW, product)
    name = _check_name(product, name)
    _check_wip(wip_limit)
    last = product.statuses.aggregate(last=Max("position"))["last"]
    status = Status(
        product=product,
        name=name,
        category=category,
        wip_limit=wip_limit,
        position=0 if last is None else last + 1,
    )
    status.full_clean()
    status.save()
    events.record(status, "status.created", actor=actor, after={"name": name, "category": category})
    return status


@transaction.atomic
def update_status(
    *, actor: User, status: Status, name: str, category: str, wip_limit: int | None
) -> Status:
    """Refuses a name taken, a WIP limit below 1, and a change of category that would leave
    the workflow without a status of the old one."""
    access.require(actor, Capability.EDIT_WORKFLOW, status.product)
    name = _check_name(status.product, name, exclude=status.pk)
    _check_wip(wip_limit)
    if category != status.category:
        check_category_kept(status)
    fields = ("name", "category", "wip_limit")
    before = {f: getattr(status, f) for f in fields}
    status.name, status.category, status.wip_limit = name, category, wip_limit
    status.full_clean()
    status.save(update_fields=list(fields))
    after = {f: getattr(status, f) for f in fields}
    if after != before:
        events.record(status, "status.updated", actor=actor, before=before, after=after)
    return status


def _swap[M: (Status, ChecklistItem)](actor: User, obj: M, siblings: list[M], up: bool) -> None:
    """Move obj one place up or down among its siblings: renumbers the few rows of the list."""
    index = next(i for i, s in enumerate(siblings) if s.pk == obj.pk)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    type(obj).objects.bulk_update(siblings, ["position"])
    events.record(obj, f"{obj._meta.model_name}.moved", actor=actor, after={"position": target})


@transaction.atomic
def move_status(*, actor: User, status: Status, up: bool) -> Status:
    """Refuses those who may not edit the workflow. Moves one place left (up) or right."""
    access.require(actor, Capability.EDIT_WORKFLOW, status.product)
    siblings = list(Status.objects.select_for_update().filter(product_id=status.product_id))
    _swap(actor, status, siblings, up)
    return status


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the item.")})
    return text


@transaction.atomic
def create_checklist_item(
    *, actor: User, product: Product, kind: str, text: str, rule: str = ""
) -> ChecklistItem:
    """Refuses those who may not edit the workflow and an empty text. Goes last of its list."""
    access.require(actor, Capability.EDIT_WORKFLOW, product)
    last = product.checklist.filter(kind=kind).aggregate(last=Max("position"))["last"]
    item = ChecklistItem(
        product=product,
        kind=ChecklistKind(kind),
        text=_check_text(text),
        rule=ChecklistRule(rule),
        position=0 if last is None else last + 1,
    )
    item.full_clean()
    item.save()
    events.record(
        item, "checklistitem.created", actor=actor, after={"kind": kind, "text": item.text}
    )
    return item


@transaction.atomic
def update_checklist_item(
    *, actor: User, item: ChecklistItem, text: str, rule: str
) -> ChecklistItem:
    """Refuses those who may not edit the workflow and an empty text."""
    access.require(actor, Capability.EDIT_WORKFLOW, item.product)
    before = {"text": item.text, "rule": item.rule}
    item.text, item.rule = _check_text(text), ChecklistRule(rule)
    item.full_clean()
    item.save(update_fields=["text", "rule"])
    after = {"text": item.text, "rule": item.rule}
    if after != before:
        events.record(item, "checklistitem.updated", actor=actor, before=before, after=after)
    return item


@transaction.atomic
def move_checklist_item(*, actor: User, item: ChecklistItem, up: bool) -> ChecklistItem:
    """Refuses those who may not edit the workflow. One place up or down in its list."""
    access.require(actor, Capability.EDIT_WORKFLOW, item.product)
    siblings = list(
        ChecklistItem.objects.select_for_update().filter(product_id=item.product_id, kind=item.kind)
    )
    _swap(actor, item, siblings, up)
    return item


@transaction.atomic
def delete_checklist_item(*, actor: User, item: ChecklistItem) -> None:
    """Refuses those who may not edit the workflow."""
    access.require(actor, Capability.EDIT_WORKFLOW, item.product)
    events.record(
        item, "checklistitem.deleted", actor=actor, before={"kind": item.kind, "text": item.text}
    )
    item.delete()


@transaction.atomic
def set_readiness_rule(*, actor: User, product: Product, rule: str) -> Product:
    """Refuses those who may not edit the workflow and a rule that isn't warn or enforce."""
    access.require(actor, Capability.EDIT_WORKFLOW, product)
    if rule not in ReadinessRule.values:
        raise ValidationError({"readiness_rule": _("Choose to warn or to enforce.")})
    before = product.readiness_rule
    if rule != before:
        Product.objects.filter(pk=product.pk).update(readiness_rule=rule)
        product.readiness_rule = rule
        events.record(
            product,
            "product.readiness_rule_changed",
            actor=actor,
            before={"readiness_rule": before},
            after={"readiness_rule": rule},
        )
    return product

"""What the backlog's services share: the checks they make and how they log values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from backlog.models import (
    POINTS,
    Story,
    StoryKind,
)
from products.models import Membership, Product

if TYPE_CHECKING:
    from accounts.models import User

# Fields a story edit may change, and how each appears in the event log.
EDITABLE_FIELDS = (
    "title",
    "kind",
    "description",
    "acceptance_criteria",
    "points",
    "epic",
    "release",
    "team",
    "assignee",
)


def _column(name: str) -> str:
    """The column of the story field ``name`` (``epic_id`` for ``epic``): services edit
    the story's own fields, never a reverse relation, which has no column."""
    field = Story._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{name} is not a field of Story")
    return field.attname


def _snapshot(story: Story, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(story, _column(name)) for name in fields}


def _check_belongs(product: Product | int, **objects: Any) -> None:
    """Refuse objects of another product: the same message whether foreign or unknown."""
    product_id = product if isinstance(product, int) else product.pk
    errors = {}
    for name, obj in objects.items():
        if obj is not None and obj.product_id != product_id:
            errors[name] = _("This %(object)s belongs to another product.") % {
                "object": obj._meta.verbose_name
            }
    if errors:
        raise ValidationError(errors)


def _check_points(points: int | None) -> None:
    if points is not None and points not in POINTS:
        raise ValidationError(
            {
                "points": _("Points must be one of %(allowed)s.")
                % {"allowed": ", ".join(map(str, POINTS))}
            }
        )


def _check_assignee(product: Product, assignee: User | None) -> None:
    if assignee is not None and not (
        assignee.is_superuser or Membership.objects.filter(product=product, user=assignee).exists()
    ):
        raise ValidationError({"assignee": _("The assignee must be a member of the product.")})


def _check_kind(kind: str) -> None:
    if kind not in StoryKind.values:
        raise ValidationError({"kind": _("Choose story, bug, spike or chore.")})


def _plain(value: Any) -> Any:
    """A value as the event log stores it: ids for objects, ISO text for dates."""
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value

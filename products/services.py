"""Every change to products, teams, memberships and statuses."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from products import access, events
from products.access import Capability
from products.models import (
    DEFAULT_DONE,
    DEFAULT_READY,
    DEFAULT_STATUSES,
    PRODUCT_ROLES,
    ChecklistItem,
    ChecklistKind,
    Membership,
    Product,
    Role,
    Status,
    Team,
)

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def create_product(
    *, actor: User, name: str, slug: str, vision: str = "", business_case: str = ""
) -> Product:
    """Refuses anyone but a superuser (Head of Product)."""
    if not actor.is_superuser:
        raise PermissionDenied(_("Only the Head of Product creates products."))
    product = Product(name=name, slug=slug, vision=vision, business_case=business_case)
    product.full_clean()
    product.save()
    # Status names are data the team renames; they start in the site's language.
    with override(None):
        Status.objects.bulk_create(
            Status(product=product, name=str(label), category=category, position=i)
            for i, (label, category) in enumerate(DEFAULT_STATUSES)
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(product=product, kind=kind, text=str(text), rule=rule, position=i)
            for kind, items in (
                (ChecklistKind.READY, DEFAULT_READY),
                (ChecklistKind.DONE, DEFAULT_DONE),
            )
            for i, (text, rule) in enumerate(items)
        )
    events.record(
        actor=actor, verb="product.created", product=product, obj=product, after={"name": name}
    )
    return product


@transaction.atomic
def update_product(
    *, actor: User, product: Product, vision: str, business_case: str, research_notes: str
) -> Product:
    """Refuses everyone but the product's PM."""
    access.require(actor, Capability.EDIT_VISION, product)
    before = {f: getattr(product, f) for f in ("vision", "business_case", "research_notes")}
    product.vision, product.business_case = vision, business_case
    product.research_notes = research_notes
    product.save(update_fields=["vision", "business_case", "research_notes"])
    after = {f: getattr(product, f) for f in before}
    events.record(
        actor=actor,
        verb="product.updated",
        product=product,
        obj=product,
        before=before,
        after=after,
    )
    return product


@transaction.atomic
def create_team(
    *,
    actor: User,
    product: Product,
    name: str,
    slug: str,
    timezone: str = "Europe/Paris",
    daily_time: dt.time = dt.time(9, 30),
    working_days: list[int] | None = None,
    sprint_weeks: int = 2,
) -> Team:
    """Refuses anyone who may not manage the product's teams."""
    access.require(actor, Capability.MANAGE_TEAMS, product)
    team = Team(
        product=product,
        name=name,
        slug=slug,
        timezone=timezone,
        daily_time=daily_time,
        working_days=working_days or [1, 2, 3, 4, 5],
        sprint_weeks=sprint_weeks,
    )
    team.full_clean()
    team.save()
    events.record(
        actor=actor, verb="team.created", product=product, team=team, obj=team, after={"name": name}
    )
    return team


@transaction.atomic
def add_member(
    *, actor: User, product: Product, user: User, role: Role, team: Team | None = None
) -> Membership:
    """Refuses non-PMs, a team of another product, and a role held at the wrong level."""
    access.require(actor, Capability.MANAGE_TEAMS, product)
    if (role in PRODUCT_ROLES) != (team is None):
        raise ValidationError(
            {
                "team": _(
                    "Product Managers and Stakeholders belong to the product; "
                    "Product Owners, Scrum Masters and Developers to a team."
                )
            }
        )
    if team is not None and team.product_id != product.pk:
        raise ValidationError({"team": _("This team belongs to another product.")})
    membership, created = Membership.objects.get_or_create(
        user=user, product=product, team=team, role=role
    )
    if created:
        events.record(
            actor=actor,
            verb="membership.added",
            product=product,
            team=team,
            obj=membership,
            after={"user": user.pk, "role": role.value},
        )
    access.forget(user)
    return membership

"""Every change to products, teams, memberships and statuses."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from core import access, clock, events
from core.access import Capability, Role
from core.concurrency import versioned_update
from products.models import (
    DEFAULT_DONE,
    DEFAULT_READY,
    DEFAULT_STATUSES,
    DEFAULT_TSHIRT_POINTS,
    ChecklistItem,
    ChecklistKind,
    Membership,
    Product,
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
    if not access.is_head_of_product(actor):
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
    events.record(product, "product.created", actor=actor, after={"name": name})
    return product


@transaction.atomic
def update_product(
    *,
    actor: User,
    product: Product,
    version: int | None,
    vision: str,
    business_case: str,
    research_notes: str,
) -> Product:
    """Refuses everyone but the product's PM, and an edit based on an old ``version``
    (``Stale``: two PMs editing the vision at once, the second is told, not overwritten)."""
    access.require(actor, Capability.EDIT_VISION, product)
    current = Product.objects.get(pk=product.pk)
    before = {f: getattr(current, f) for f in ("vision", "business_case", "research_notes")}
    versioned_update(
        product,
        version,
        vision=vision,
        business_case=business_case,
        research_notes=research_notes,
    )
    after = {f: getattr(product, f) for f in before}
    events.record(
        product,
        "product.updated",
        actor=actor,
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
    events.record(team, "team.created", actor=actor, after={"name": name})
    return team


@transaction.atomic
def add_member(
    *, actor: User, product: Product, user: User, role: Role, team: Team | None = None
) -> Membership:
    """Refuses non-PMs, a team of another product, and a role held at the wrong level."""
    access.require(actor, Capability.MANAGE_TEAMS, product)
    access.check_role_scope(role, in_team=team is not None)
    if team is not None and team.product_id != product.pk:
        raise ValidationError({"team": _("This team belongs to another product.")})
    if role == Role.PO and team is not None:
        check_po_free(team, keep=user)
    membership, created = Membership.objects.get_or_create(
        user=user, product=product, team=team, role=role
    )
    if created:
        events.record(
            membership,
            "membership.added",
            actor=actor,
            after={"user": user.pk, "role": role.value},
        )
    access.forget(user)
    return membership


def check_po_free(team: Team, *, keep: User | None = None) -> None:
    """A team has one Product Owner (the Scrum Guide's "one person, not a committee")."""
    holders = Membership.objects.filter(team=team, role=Role.PO)
    if keep is not None:
        holders = holders.exclude(user=keep)
    if holders.exists():
        raise ValidationError(
            {"role": _("%(team)s already has a Product Owner.") % {"team": team.name}}
        )


def _check_not_last_pm(membership: Membership) -> None:
    if membership.role != Role.PM:
        return
    others = Membership.objects.filter(product_id=membership.product_id, role=Role.PM).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ValidationError(
            _("A product keeps at least one Product Manager: name another one first.")
        )


@transaction.atomic
def change_role(*, actor: User, membership: Membership, role: Role) -> Membership:
    """Refuses non-PMs, a role at another level (product or team), the last PM's demotion
    and a second PO in a team. Takes effect on the member's next request."""
    access.require(actor, Capability.MANAGE_TEAMS, membership.product)
    role = Role(role)
    if role == membership.role:
        return membership
    access.check_role_scope(role, in_team=membership.team_id is not None, field="role")
    _check_not_last_pm(membership)
    if role == Role.PO:
        assert membership.team is not None  # check_role_scope: a PO is a team's
        check_po_free(membership.team)
    if Membership.objects.filter(
        user_id=membership.user_id,
        product_id=membership.product_id,
        # None is a valid exact lookup (IS NULL), which the plugin doesn't know.
        team_id=membership.team_id,  # type: ignore[misc]
        role=role,
    ).exists():
        raise ValidationError({"role": _("This person already holds that role here.")})
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    events.record(
        membership,
        "membership.changed",
        actor=actor,
        before=before,
        after={"user": membership.user_id, "role": role.value},
    )
    return membership


@transaction.atomic
def remove_member(*, actor: User, membership: Membership) -> None:
    """Refuses non-PMs and the removal of the product's last PM."""
    access.require(actor, Capability.MANAGE_TEAMS, membership.product)
    _check_not_last_pm(membership)
    events.record(
        membership,
        "membership.removed",
        actor=actor,
        before={"user": membership.user_id, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def update_product_settings(
    *,
    actor: User,
    product: Product,
    name: str,
    slug: str,
    estimation_scale: str,
    tshirt_points: dict[str, int] | None = None,
) -> Product:
    """Refuses everyone but the PM, a slug taken by another product, and T-shirt points that
    don't grow with the size."""
    access.require(actor, Capability.EDIT_VISION, product)
    fields = ("name", "slug", "estimation_scale", "tshirt_points")
    before = {f: getattr(product, f) for f in fields}
    product.name, product.slug = name.strip(), slug
    product.estimation_scale = estimation_scale
    if tshirt_points is not None:
        # In the sizes' order, not the mapping's: PostgreSQL's jsonb gives its keys back
        # sorted by length, so a product read from it listed XL before XS.
        if set(tshirt_points) != set(DEFAULT_TSHIRT_POINTS):
            raise ValidationError({"tshirt_points": _("Give points for each size.")})
        values = [tshirt_points[size] for size in DEFAULT_TSHIRT_POINTS]
        if any(v < 1 for v in values) or values != sorted(set(values)):
            raise ValidationError(
                {"tshirt_points": _("Each size must be worth more points than the one before.")}
            )
        product.tshirt_points = {size: tshirt_points[size] for size in DEFAULT_TSHIRT_POINTS}
    product.full_clean()
    product.save(update_fields=list(fields))
    after = {f: getattr(product, f) for f in fields}
    if after != before:
        events.record(
            product,
            "product.settings_changed",
            actor=actor,
            before={f: v for f, v in before.items() if v != after[f]},
            after={f: v for f, v in after.items() if v != before[f]},
        )
    return product


@transaction.atomic
def archive_product(*, actor: User, product: Product, archived: bool = True) -> Product:
    """Refuses all but the product's PMs and superusers. Archived, a product is read-only
    for everyone (access.can grants only VIEW); nothing is deleted, and it can come back."""
    access.require(actor, Capability.ARCHIVE_PRODUCT, product)
    if archived == product.is_archived:
        return product
    product.archived_at = clock.now() if archived else None
    product.save(update_fields=["archived_at"])
    events.record(
        product,
        "product.archived" if archived else "product.restored",
        actor=actor,
    )
    access.forget(actor)
    return product


@transaction.atomic
def update_team(
    *,
    actor: User,
    team: Team,
    name: str,
    slug: str,
    timezone: str,
    daily_time: dt.time,
    working_days: list[int],
    sprint_weeks: int,
) -> Team:
    """Refuses anyone who may not manage the product's teams, and invalid values."""
    access.require(actor, Capability.MANAGE_TEAMS, team)
    fields = ("name", "slug", "timezone", "daily_time", "working_days", "sprint_weeks")
    before = {f: getattr(team, f) for f in fields}
    team.name, team.slug, team.timezone = name.strip(), slug, timezone
    team.daily_time, team.working_days, team.sprint_weeks = daily_time, working_days, sprint_weeks
    team.full_clean()
    team.save(update_fields=list(fields))
    changed = [f for f in fields if getattr(team, f) != before[f]]
    if changed:
        events.record(
            team,
            "team.updated",
            actor=actor,
            before={f: str(before[f]) for f in changed},
            after={f: str(getattr(team, f)) for f in changed},
        )
    return team


@transaction.atomic
def archive_team(*, actor: User, team: Team, archived: bool = True) -> Team:
    """Refuses non-PMs. An archived team leaves the navigation and plans no new sprint."""
    # Asked of the product: the archived team itself grants nothing but VIEW.
    access.require(actor, Capability.MANAGE_TEAMS, team.product)
    if archived == team.is_archived:
        return team
    team.archived_at = clock.now() if archived else None
    team.save(update_fields=["archived_at"])
    events.record(
        team,
        "team.archived" if archived else "team.restored",
        actor=actor,
    )
    return team

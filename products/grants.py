"""Who belongs where: the roles core.access asks about (``settings.ACCESS_GRANTS``), and
the product or team a member opens by its address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.shortcuts import get_object_or_404

from core.access import Grants
from products.models import Membership, Product, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def load(user: User) -> Grants:
    """A user's memberships in one query, and for a superuser (who may open every product)
    every archived product in another."""
    out = Grants()
    # Ordered: the join on the product would let PostgreSQL return another order.
    memberships = Membership.objects.filter(user=user).order_by("pk")
    for product_id, team_id, role, archived_at in memberships.values_list(
        "product_id", "team_id", "role", "product__archived_at"
    ):
        out.roles.setdefault(product_id, []).append((team_id, role))
        if archived_at is not None:
            out.archived.add(product_id)
    if user.is_superuser:
        out.all_archived = lambda: set(
            Product.objects.filter(archived_at__isnull=False).values_list("pk", flat=True)
        )
    return out


def get_product_or_404(user: User | AnonymousUser, slug: str) -> Product:
    """The product with this slug if the user belongs to it; 404 alike for unknown and foreign."""
    return get_object_or_404(Product.objects.for_user(user), slug=slug)


def get_team_or_404(user: User | AnonymousUser, slug: str, team_slug: str) -> tuple[Product, Team]:
    """The product and its team with these slugs, for a member; 404 alike otherwise."""
    product = get_product_or_404(user, slug)
    team = get_object_or_404(Team, product=product, slug=team_slug)
    team.product = product
    return product, team

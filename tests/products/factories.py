"""Users, products, teams, memberships and statuses.

Products are made through ``products.services.create_product`` so that every product has
its default workflow statuses, as in the app; the rest are plain rows.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core.access import Role
from products import services
from products.models import Membership, Product, Status, StatusCategory, Team
from tests.factories_base import (
    LazyAttribute,
    Maybe,
    ModelFactory,
    Password,
    SelfAttribute,
    Sequence,
    SubFactory,
)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = Sequence(lambda n: f"user{n}")
    email = LazyAttribute(lambda o: f"{o.username}@example.com")
    password = Password("password")


class SuperuserFactory(UserFactory):
    username = Sequence(lambda n: f"head{n}")
    is_superuser = True
    is_staff = True


class ProductFactory(ModelFactory[Product]):
    class Meta:
        model = Product

    name = Sequence(lambda n: f"Product {n}")
    slug = Sequence(lambda n: f"product-{n}")

    @classmethod
    def _create(cls, model_class: type[Product], *args: Any, **kwargs: Any) -> Product:
        actor = kwargs.pop("actor", None) or SuperuserFactory()
        return services.create_product(actor=actor, **kwargs)


class TeamFactory(ModelFactory[Team]):
    class Meta:
        model = Team

    product = SubFactory(ProductFactory)
    name = Sequence(lambda n: f"Team {n}")
    slug = Sequence(lambda n: f"team-{n}")
    timezone = "Europe/Paris"


class MembershipFactory(ModelFactory[Membership]):
    """A Developer in a new team by default; pass ``team=None`` with a product-level role."""

    class Meta:
        model = Membership

    user = SubFactory(UserFactory)
    team = SubFactory(TeamFactory)
    product = Maybe(
        "team",
        yes_declaration=SelfAttribute("team.product"),
        no_declaration=SubFactory(ProductFactory),
    )
    role = Role.DEVELOPER


class StatusFactory(ModelFactory[Status]):
    class Meta:
        model = Status

    product = SubFactory(ProductFactory)
    name = Sequence(lambda n: f"Status {n}")
    category = StatusCategory.IN_PROGRESS
    position = Sequence(lambda n: 10 + n)


def status_of(product: Product, category: StatusCategory) -> Status:
    """The product's first status of a category (the defaults have one To do and one Done)."""
    status = product.statuses.filter(category=category).first()
    assert status is not None, f"{product} has no {category} status"
    return status

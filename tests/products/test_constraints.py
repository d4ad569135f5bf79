from __future__ import annotations

import pytest

from accounts.models import User
from core.access import Role
from core.models import Event
from products.models import Membership, Product, Status, StatusCategory, Team
from tests.conftest import violates
from tests.products.factories import ProductFactory, StatusFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_it_refuses_two_teams_with_one_slug_in_a_product(team: Team) -> None:
    with violates("products_team_slug_unique"):
        Team.objects.create(product=team.product, name="Copy", slug=team.slug)


def test_it_accepts_one_slug_in_two_products(team: Team) -> None:
    TeamFactory(product=ProductFactory(), slug=team.slug)


@pytest.mark.parametrize("weeks", [0, 1, 5])
def test_it_refuses_a_usual_sprint_length_outside_two_to_four_weeks(
    product: Product, weeks: int
) -> None:
    with violates("products_team_sprint_weeks_range"):
        Team.objects.create(product=product, name="T", slug="t", sprint_weeks=weeks)


@pytest.mark.parametrize("weeks", [2, 3, 4])
def test_it_accepts_a_usual_sprint_length_of_two_to_four_weeks(
    product: Product, weeks: int
) -> None:
    Team.objects.create(product=product, name="T", slug="t", sprint_weeks=weeks)


def test_it_refuses_the_same_role_twice_in_a_team(developer: User, team: Team) -> None:
    with violates("products_membership_unique_in_team"):
        Membership.objects.create(
            user=developer, product=team.product, team=team, role=Role.DEVELOPER
        )


def test_it_accepts_two_roles_of_one_user_in_a_team(developer: User, team: Team) -> None:
    Membership.objects.create(user=developer, product=team.product, team=team, role=Role.PO)


def test_it_refuses_the_same_product_role_twice(pm: User, product: Product) -> None:
    with violates("products_membership_unique_in_product"):
        Membership.objects.create(user=pm, product=product, team=None, role=Role.PM)


@pytest.mark.parametrize(
    ("role", "in_team"),
    [
        (Role.PM, True),
        (Role.STAKEHOLDER, True),
        (Role.PO, False),
        (Role.SCRUM_MASTER, False),
        (Role.DEVELOPER, False),
    ],
)
def test_it_refuses_a_role_held_at_the_wrong_level(
    outsider: User, team: Team, role: Role, in_team: bool
) -> None:
    with violates("products_membership_role_scope"):
        Membership.objects.create(
            user=outsider, product=team.product, team=team if in_team else None, role=role
        )


def test_it_refuses_two_statuses_with_one_name_in_a_product(product: Product) -> None:
    with violates("products_status_name_unique"):
        Status.objects.create(product=product, name="Done", category=StatusCategory.DONE)


def test_it_refuses_a_wip_limit_of_zero(product: Product) -> None:
    with violates("products_status_wip_limit_positive"):
        StatusFactory(product=product, wip_limit=0)


@pytest.mark.parametrize("limit", [None, 1])
def test_it_accepts_no_wip_limit_or_a_positive_one(product: Product, limit: int | None) -> None:
    StatusFactory(product=product, wip_limit=limit)


def test_an_event_is_append_only(product: Product) -> None:
    event = Event.objects.get(verb="product.created", product_id=product.pk)
    event.verb = "product.renamed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert Event.objects.get(pk=event.pk).verb == "product.created"

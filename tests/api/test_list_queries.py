"""Every list endpoint costs the same number of queries for a few objects as for many."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.access import Role
from products.models import Product, Team
from sprints import services as sprint_services
from tests.backlog.factories import EpicFactory, ReleaseFactory, TaskFactory
from tests.products.factories import MembershipFactory, StatusFactory
from tests.sprints.factories import SprintFactory

LISTS = [
    "products",
    "teams",
    "memberships",
    "statuses",
    "events",
    "stories",
    "epics",
    "releases",
    "tasks",
    "sprints",
    "impediments",
]


def grow(product: Product, team: Team, po: Any, make_story: Any, count: int) -> None:
    """``count`` more of everything that the lists show, each with its related rows."""
    for _ in range(count):
        story = make_story(
            epic=EpicFactory(product=product), release=ReleaseFactory(product=product)
        )
        TaskFactory(story=story)
        sprint_services.flag_impediment(actor=po, story=story, reason="Blocked")
        SprintFactory(team=team, name=f"S{story.pk}")
        StatusFactory(product=product)
        MembershipFactory(product=product, team=team, role=Role.DEVELOPER)
        # Another product of the user's: the products list grows too.
        MembershipFactory(team=None, user=po, role=Role.STAKEHOLDER)


def queries(api: APIClient, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200, response.content[:200]
    assert response.json()["results"], path
    return len(captured)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("by_product", [False, True], ids=["all", "one-product"])
def test_a_list_costs_the_same_queries_for_2_objects_as_for_12(
    po: Any, product: Product, team: Team, make_story: Any, path: str, by_product: bool
) -> None:
    api = APIClient()
    api.force_authenticate(po)
    url = f"/api/v1/{path}/" + (f"?product={product.pk}" if by_product else "")
    grow(product, team, po, make_story, 2)
    few = queries(api, url)
    grow(product, team, po, make_story, 10)
    assert queries(api, url) == few, f"{path}: N+1"

"""The capability matrix through the pages: every role against every action a page offers.

Expected answers are written out here from DESIGN.md's table, not derived from
products/access.py, so a wrong matrix in the code fails these tests. Allowed actions
redirect (302); members without the right get 403; non-members 404; never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backlog.models import Sprint, SprintState
from products.models import Product, StatusCategory, Team
from tests.products.factories import status_of

ROLES = [
    "pm",
    "po",
    "scrum_master",
    "developer",
    "stakeholder",
    "other_team_po",
    "other_team_developer",
    "outsider",
    "superuser",
]

# action -> roles allowed; every other member gets 403 and the outsider 404.
ALLOWED = {
    "view_product": {"pm", "po", "scrum_master", "developer", "stakeholder", "other_team_po",
                     "other_team_developer", "superuser"},
    "create_story": {"pm", "po", "scrum_master", "developer", "other_team_po",
                     "other_team_developer", "superuser"},
    "edit_team_story": {"pm", "po", "scrum_master", "developer", "superuser"},
    "edit_teamless_story": {"pm", "po", "other_team_po", "superuser"},
    "order_backlog": {"po", "superuser"},
    "order_teamless_backlog_story": {"po", "other_team_po", "superuser"},
    "move_card": {"po", "scrum_master", "developer", "superuser"},
    "create_sprint": {"po", "scrum_master", "superuser"},
    "start_sprint": {"po", "scrum_master", "superuser"},
    "add_story_to_sprint": {"po", "scrum_master", "superuser"},
    "remove_story_from_sprint": {"po", "scrum_master", "superuser"},
    "close_sprint": {"po", "scrum_master", "superuser"},
}  # fmt: skip


def _view_product(c: Client, w: dict[str, Any]) -> Any:
    return c.get(reverse("sprints:product_overview", args=[w["product"].slug]))


def _create_story(c: Client, w: dict[str, Any]) -> Any:
    url = reverse("backlog:story_create", args=[w["product"].slug])
    return c.post(url, {"title": "New", "kind": "story"})


def _edit(story_key: str) -> Callable[[Client, dict[str, Any]], Any]:
    def edit(c: Client, w: dict[str, Any]) -> Any:
        story = w[story_key]
        data = {"title": "Edited", "kind": "story", "version": story.version}
        if story.team_id:
            data["team"] = story.team_id
        return c.post(reverse("backlog:story", args=[w["product"].slug, story.pk]), data)

    return edit


def _move(story_key: str) -> Callable[[Client, dict[str, Any]], Any]:
    def move(c: Client, w: dict[str, Any]) -> Any:
        story = w[story_key]
        url = reverse("backlog:story_move", args=[w["product"].slug, story.pk])
        return c.post(url, {"status": w["done"].pk, "position": "top"})

    return move


def _sprint_action(name: str, sprint_key: str = "sprint", **data: Any) -> Callable[..., Any]:
    def act(c: Client, w: dict[str, Any]) -> Any:
        sprint = w[sprint_key]
        values = {k: (v(w) if callable(v) else v) for k, v in data.items()}
        return c.post(reverse(f"sprints:{name}", args=[w["product"].slug, sprint.pk]), values)

    return act


def _story_pk(w: dict[str, Any]) -> int:
    pk: int = w["story"].pk
    return pk


def _create_sprint(c: Client, w: dict[str, Any]) -> Any:
    url = reverse("sprints:sprint_create", args=[w["product"].slug, w["team"].slug])
    return c.post(url, {"name": "Sprint 9", "start_date": "2027-01-04", "end_date": "2027-01-17"})


def _start(c: Client, w: dict[str, Any]) -> Any:
    # The team's other sprint is active; only one may be, so this one starts alone.
    Sprint.objects.filter(pk=w["active"].pk).update(state=SprintState.CLOSED)
    return _sprint_action("sprint_start", "planned")(c, w)


def _remove(c: Client, w: dict[str, Any]) -> Any:
    story = w["sprint_story"]
    url = reverse(
        "sprints:sprint_remove_story", args=[w["product"].slug, w["planned"].pk, story.pk]
    )
    return c.post(url)


ACTIONS = {
    "view_product": _view_product,
    "create_story": _create_story,
    "edit_team_story": _edit("story"),
    "edit_teamless_story": _edit("teamless"),
    "order_backlog": _move("story"),
    "order_teamless_backlog_story": _move("teamless"),
    "move_card": _move("card"),
    "create_sprint": _create_sprint,
    "start_sprint": _start,
    "add_story_to_sprint": _sprint_action("sprint_add_story", "planned", story=_story_pk),
    "remove_story_from_sprint": _remove,
    "close_sprint": _sprint_action("sprint_close", "active", goal_met="yes"),
}  # fmt: skip


@pytest.fixture
def world(product: Product, team: Team, other_team: Team, make_story: Any) -> dict[str, Any]:
    planned = Sprint.objects.create(
        team=team, name="Next", start_date="2027-02-01", end_date="2027-02-14"
    )
    active = Sprint.objects.create(
        team=team,
        name="Now",
        start_date="2026-11-16",
        end_date="2026-11-29",
        state=SprintState.ACTIVE,
    )
    return {
        "product": product,
        "team": team,
        "done": status_of(product, StatusCategory.DONE),
        "story": make_story(),
        "teamless": make_story(team=None),
        "card": make_story(sprint=active),
        "sprint_story": make_story(sprint=planned),
        "planned": planned,
        "active": active,
        "sprint": planned,
    }


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_answer_of_the_matrix(
    client: Client, request: pytest.FixtureRequest, world: dict[str, Any], role: str, action: str
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = ACTIONS[action](client, world)
    if role in ALLOWED[action]:
        expected = 200 if action == "view_product" else 302
    else:
        expected = 404 if role == "outsider" else 403
    assert response.status_code == expected, (role, action, response.content[:400])


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, product: Product) -> None:
    response = client.get(reverse("sprints:product_overview", args=[product.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_product_is_a_404_like_a_foreign_one(client: Client, po: Any) -> None:
    client.force_login(po)
    assert client.get("/p/no-such-product/").status_code == 404

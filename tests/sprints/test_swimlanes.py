"""Board swimlanes: a row of the status columns per assignee or per epic, kept in the URL.

A card is dragged within its lane only (the lane's key is not edited by a move); the
column headers keep the WIP counts of the whole column."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog import services as backlog_services
from backlog.models import Sprint, SprintState, Story
from products.models import Product, Team
from tests.backlog.factories import EpicFactory, TaskFactory
from tests.conftest import MakeStory
from tests.products.factories import MembershipFactory, UserFactory
from tests.sprints.factories import SprintFactory


@pytest.fixture
def active(team: Team) -> Sprint:
    return SprintFactory(team=team, name="Sprint 3", state=SprintState.ACTIVE)


@pytest.fixture
def lanes(product: Product, team: Team, active: Sprint, make_story: MakeStory) -> Any:
    ada = UserFactory(username="ada", first_name="Ada")
    bob = UserFactory(username="bob", first_name="Bob")
    for user in (ada, bob):
        MembershipFactory(user=user, product=product, team=team)
    first, second = (
        EpicFactory(product=product, title="Billing"),
        EpicFactory(product=product, title="Search"),
    )
    doing = product.statuses.get(name="In progress")
    stories = {
        "a1": make_story(title="A1", sprint=active, assignee=ada, epic=first),
        "a2": make_story(title="A2", sprint=active, assignee=ada, epic=second, status=doing),
        "b1": make_story(title="B1", sprint=active, assignee=bob, epic=first),
        "n1": make_story(title="N1", sprint=active),
    }
    return {"ada": ada, "bob": bob, "first": first, "second": second, "stories": stories}


def _url(product: Product, team: Team, query: str = "") -> str:
    url = reverse("sprints:board", args=[product.slug, team.slug])
    return f"{url}?{query}" if query else url


def _lanes(response: Any) -> list[tuple[str, dict[str, list[str]]]]:
    return [
        (lane.label, {c.status.name: [s.title for s in c.cards] for c in lane.cells if c.cards})
        for lane in response.context["lanes"]
    ]


def test_without_lanes_the_board_is_its_columns(
    client: Client, developer: User, product: Product, team: Team, lanes: Any
) -> None:
    client.force_login(developer)
    response = client.get(_url(product, team))
    assert response.context["lanes"] is None
    assert "data-lane=" not in response.content.decode()


def test_lanes_by_assignee_put_each_persons_cards_in_a_row_and_the_unassigned_last(
    client: Client, developer: User, product: Product, team: Team, lanes: Any
) -> None:
    client.force_login(developer)
    response = client.get(_url(product, team, "lanes=assignee"))
    assert _lanes(response) == [
        ("Ada", {"To do": ["A1"], "In progress": ["A2"]}),
        ("Bob", {"To do": ["B1"]}),
        ("Unassigned", {"To do": ["N1"]}),
    ]
    html = response.content.decode()
    assert f'data-lane="user-{lanes["ada"].pk}"' in html
    assert len(re.findall(r'<li class="board-card[ "]', html)) == 4
    # The lane toggle is selected in the filters form.
    assert '<option value="assignee" selected>' in html


def test_lanes_by_epic_follow_the_epics_order_with_the_cards_of_no_epic_last(
    client: Client, developer: User, product: Product, team: Team, lanes: Any
) -> None:
    client.force_login(developer)
    response = client.get(_url(product, team, "lanes=epic"))
    assert _lanes(response) == [
        ("Billing", {"To do": ["A1", "B1"]}),
        ("Search", {"In progress": ["A2"]}),
        ("No epic", {"To do": ["N1"]}),
    ]


def test_lanes_are_not_a_filter_and_the_column_counts_stay_whole(
    client: Client, developer: User, product: Product, team: Team, lanes: Any
) -> None:
    client.force_login(developer)
    response = client.get(_url(product, team, "lanes=assignee"))
    assert not response.context["filters"].active
    counts = {c.status.name: c.count for c in response.context["columns"]}
    assert counts["To do"] == 3 and counts["In progress"] == 1
    # Filters and lanes together: Ada's cards only, in Ada's lane.
    query = f"lanes=epic&assignee={lanes['ada'].pk}"
    response = client.get(_url(product, team, query))
    assert _lanes(response) == [
        ("Billing", {"To do": ["A1"]}),
        ("Search", {"In progress": ["A2"]}),
    ]
    assert {c.status.name: c.count for c in response.context["columns"]}["To do"] == 3


def test_an_unknown_lane_choice_draws_the_plain_board(
    client: Client, developer: User, product: Product, team: Team, lanes: Any
) -> None:
    client.force_login(developer)
    response = client.get(_url(product, team, "lanes=sprint"))
    assert response.status_code == 200 and response.context["lanes"] is None


def test_each_lane_is_its_own_drag_group_so_a_drag_never_changes_the_lane(
    client: Client, developer: User, product: Product, team: Team, lanes: Any
) -> None:
    client.force_login(developer)
    html = client.get(_url(product, team, "lanes=assignee")).content.decode()
    groups = set(re.findall(r'data-group="([^"]+)"', html))
    ada, bob = lanes["ada"].pk, lanes["bob"].pk
    assert groups == {f"board-user-{ada}", f"board-user-{bob}", "board-none"}


def test_a_move_in_a_lane_changes_status_and_rank_but_not_the_assignee(
    client: Client, developer: User, product: Product, team: Team, lanes: Any
) -> None:
    """The lane of a card comes from its assignee: a move names the status and the
    neighbour in the lane, and the card lands after that neighbour in the column."""
    stories = lanes["stories"]
    doing = product.statuses.get(name="In progress")
    client.force_login(developer)
    url = reverse("backlog:story_move", args=[product.slug, stories["a1"].pk])
    query = "lanes=assignee"
    response = client.post(
        url,
        {"status": doing.pk, "after": stories["a2"].pk, "next": _url(product, team, query)},
    )
    assert response.status_code == 302 and response["Location"] == _url(product, team, query)
    moved = Story.objects.get(pk=stories["a1"].pk)
    assert moved.status == doing and moved.assignee == lanes["ada"]
    assert moved.rank > Story.objects.get(pk=stories["a2"].pk).rank
    response = client.get(_url(product, team, query))
    assert _lanes(response)[0] == ("Ada", {"In progress": ["A2", "A1"]})


@pytest.mark.parametrize("cards", [4, 40])
@pytest.mark.parametrize("by", ["assignee", "epic"])
def test_lanes_cost_no_query_more_than_the_plain_board(
    client: Client,
    po: User,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
    django_assert_num_queries: Any,
    cards: int,
    by: str,
) -> None:
    statuses = list(product.statuses.all())
    epics = [EpicFactory(product=product) for _ in range(3)]
    people = [po, developer, None]
    for i in range(cards):
        story = make_story(
            sprint=active,
            status=statuses[i % len(statuses)],
            epic=epics[i % 3] if i % 4 else None,
            assignee=people[i % 3],
            points=2,
        )
        TaskFactory(story=story)
        if i % 3 == 0:
            backlog_services.move_story(actor=po, story=story, status=statuses[(i + 1) % 4])
    client.force_login(po)
    with django_assert_num_queries(13):
        response = client.get(_url(product, team, f"lanes={by}"))
    assert sum(lane.count for lane in response.context["lanes"]) == cards

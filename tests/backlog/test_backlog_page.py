from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backlog.models import SprintState, Story, StoryKind
from backlog.views.backlog import PAGE_SIZE
from core.models import Event
from products.models import Product, Team
from tests.backlog.factories import EpicFactory, LabelFactory, ReleaseFactory
from tests.sprints.factories import SprintFactory


def _url(product: Product, **params: Any) -> str:
    url = reverse("backlog:backlog", args=[product.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def _titles(html: str, stories: list[Story]) -> list[str]:
    positions = sorted((html.find(f'id="story-{s.pk}"'), s.title) for s in stories)
    return [title for pos, title in positions if pos >= 0]


def test_it_lists_backlog_stories_in_rank_order_without_sprint_stories(
    client: Client, developer: Any, product: Product, sprint: Any, make_story: Any
) -> None:
    a, b = make_story(title="Alpha"), make_story(title="Bravo")
    in_sprint = make_story(title="Charlie", sprint=sprint)
    client.force_login(developer)
    html = client.get(_url(product)).content.decode()
    assert _titles(html, [a, b, in_sprint]) == ["Alpha", "Bravo"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "export"}, ["Export CSV"]),
        ({"kind": "bug"}, ["Crash on login"]),
        ({"ready": "yes"}, ["Export CSV"]),
        ({"ready": "no"}, ["Crash on login", "Dark mode"]),
        ({"unestimated": "on"}, ["Dark mode"]),
        ({"team": "none"}, ["Dark mode"]),
    ],
)
def test_filters_narrow_the_list_and_the_totals(
    client: Client,
    po: Any,
    product: Product,
    team: Team,
    make_story: Any,
    params: dict[str, str],
    expected: list[str],
) -> None:
    stories = [
        make_story(title="Export CSV", description="Export the backlog", points=3, ready=True),
        make_story(title="Crash on login", kind=StoryKind.BUG, points=2),
        make_story(title="Dark mode", team=None),
    ]
    client.force_login(po)
    response = client.get(_url(product, **params))
    html = response.content.decode()
    assert _titles(html, stories) == expected
    assert response.context["totals"]["count"] == len(expected)


def test_epic_release_and_label_filters(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    epic, release = EpicFactory(product=product), ReleaseFactory(product=product)
    label = LabelFactory(product=product)
    tagged = make_story(title="Tagged", epic=epic, release=release)
    tagged.labels.add(label)
    plain = make_story(title="Plain")
    client.force_login(po)
    for params in ({"epic": epic.pk}, {"release": release.pk}, {"label": label.pk}):
        html = client.get(_url(product, **params)).content.decode()
        assert _titles(html, [tagged, plain]) == ["Tagged"]


def test_ready_depth_divides_ready_points_by_the_measured_velocity(
    client: Client, po: Any, product: Product, team: Team, make_story: Any
) -> None:
    for points in (10, 20, 30):
        Event.objects.create(
            verb="sprint.closed",
            product_id=product.pk,
            team_id=team.pk,
            object_type="sprint",
            object_id=1,
            after={"completed_points": points},
        )
    make_story(points=8, ready=True)
    make_story(points=20, ready=True)
    make_story(points=13)
    client.force_login(po)
    totals = client.get(_url(product, team=team.pk)).context["totals"]
    assert totals["velocity"] == 20
    assert totals["ready_depth"] == pytest.approx(1.4)
    assert totals["points_total"] == 41


def test_the_first_screen_shows_a_page_and_the_rest_loads_after_the_last_row(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    stories = [make_story() for _ in range(PAGE_SIZE + 5)]
    client.force_login(po)
    first = client.get(_url(product))
    assert len(first.context["rows"]) == PAGE_SIZE
    last_shown = first.context["rows"][-1]
    assert f"after={last_shown.pk}" in first.content.decode()

    rest = client.get(
        _url(product, after=last_shown.pk, start=PAGE_SIZE), headers={"HX-Request": "true"}
    )
    html = rest.content.decode()
    assert "<html" not in html
    assert [s.pk for s in rest.context["rows"]] == [s.pk for s in stories[PAGE_SIZE:]]
    assert f'data-story-id="{stories[PAGE_SIZE].pk}"' in html


def test_a_filter_change_from_htmx_answers_the_list_partial(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    make_story(title="Export CSV")
    client.force_login(po)
    response = client.get(
        _url(product, q="csv"), headers={"HX-Request": "true", "HX-Target": "backlog-list"}
    )
    html = response.content.decode()
    assert 'id="backlog-list"' in html and "<html" not in html


@pytest.mark.parametrize("stories", [5, 150])
def test_the_backlog_page_costs_the_same_queries_whatever_its_size(
    client: Client,
    po: Any,
    product: Product,
    make_story: Any,
    django_assert_num_queries: Any,
    stories: int,
) -> None:
    label = LabelFactory(product=product)
    for i in range(stories):
        story = make_story(points=3, epic=EpicFactory(product=product) if i < 3 else None)
        story.labels.add(label)
    client.force_login(po)
    # Includes the bulk bar's teams, epics, releases and labels (4), whatever the size.
    with django_assert_num_queries(19):
        client.get(_url(product))


def test_only_those_who_may_order_see_handles_and_move_menus(
    client: Client,
    po: Any,
    developer: Any,
    other_team_po: Any,
    product: Product,
    make_story: Any,
) -> None:
    ours, teamless = make_story(), make_story(team=None)
    client.force_login(developer)
    html = client.get(_url(product)).content.decode()
    assert "drag-handle" not in html and "data-move-form" not in html

    client.force_login(other_team_po)  # may order stories with no team, not the Falcons'
    html = client.get(_url(product)).content.decode()
    assert html.count("data-move-form") == 1
    assert f'id="story-{teamless.pk}" data-story-id="{teamless.pk}"' in html.replace("\n", " ")
    assert ours.pk  # the Falcons' story is listed without controls

    client.force_login(po)
    assert client.get(_url(product)).content.decode().count("data-move-form") == 2


def test_a_forged_move_from_a_developer_gets_403(
    client: Client, developer: Any, product: Product, make_story: Any
) -> None:
    first, second = make_story(), make_story()
    client.force_login(developer)
    url = reverse("backlog:story_move", args=[product.slug, second.pk])
    response = client.post(url, {"before": first.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert list(Story.objects.values_list("pk", flat=True)) == [first.pk, second.pk]


def test_a_move_from_the_page_script_answers_204_and_writes_one_row(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    first, second, third = make_story(), make_story(), make_story()
    client.force_login(po)
    url = reverse("backlog:story_move", args=[product.slug, third.pk])
    response = client.post(url, {"after": first.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert list(Story.objects.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    assert Event.objects.filter(verb="story.moved").count() == 1


def test_the_no_javascript_move_returns_to_the_filtered_backlog(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    _, second = make_story(), make_story()
    client.force_login(po)
    url = reverse("backlog:story_move", args=[product.slug, second.pk])
    back = _url(product, q="Story")
    response = client.post(url, {"position": "top", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Story.objects.first() == second


@pytest.mark.parametrize(("position", "expected"), [(1, 0), (2, 1), (3, 2), (99, 3)])
def test_move_to_position_places_the_story_there(
    client: Client, po: Any, product: Product, make_story: Any, position: int, expected: int
) -> None:
    stories = [make_story() for _ in range(4)]
    moving = stories[1]
    client.force_login(po)
    url = reverse("backlog:story_move", args=[product.slug, moving.pk])
    client.post(url, {"to_position": position})
    order = list(Story.objects.values_list("pk", flat=True))
    assert order.index(moving.pk) == min(expected, 3)


def test_go_to_position_counts_in_the_slice_the_po_is_looking_at(
    client: Client, po: Any, product: Product, team: Team, other_team: Team, make_story: Any
) -> None:
    # The product's backlog interleaves the other team's stories with the PO's slice
    # (its team's and those with no team); "position 3" is the third row the PO sees.
    mine_1 = make_story(title="Mine 1")
    make_story(title="Theirs 1", team=other_team)
    loose = make_story(title="No team yet", team=None)
    make_story(title="Theirs 2", team=other_team)
    mine_2 = make_story(title="Mine 2")
    make_story(title="Theirs 3", team=other_team)
    moving = make_story(title="Mine 3")
    client.force_login(po)
    page = client.get(_url(product))
    assert page.context["slice_by_default"]
    query = page.context["query"]
    assert f'name="list" value="{query}"' in page.content.decode()

    url = reverse("backlog:story_move", args=[product.slug, moving.pk])
    response = client.post(url, {"to_position": 3, "list": query}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    seen = _titles(client.get(_url(product)).content.decode(), [mine_1, loose, mine_2, moving])
    assert seen == ["Mine 1", "No team yet", "Mine 3", "Mine 2"]
    # Top and bottom are the slice's too.
    client.post(url, {"position": "bottom", "list": query}, headers={"HX-Request": "true"})
    seen = _titles(client.get(_url(product)).content.decode(), [mine_1, loose, mine_2, moving])
    assert seen == ["Mine 1", "No team yet", "Mine 2", "Mine 3"]


def test_a_position_without_a_list_counts_the_whole_backlog(
    client: Client, po: Any, product: Product, other_team: Team, make_story: Any
) -> None:
    first = make_story(team=other_team)
    make_story()
    moving = make_story()
    client.force_login(po)
    url = reverse("backlog:story_move", args=[product.slug, moving.pk])
    client.post(url, {"to_position": 2})
    assert list(Story.objects.values_list("pk", flat=True))[:2] == [first.pk, moving.pk]


@pytest.mark.parametrize("where", ["top", "bottom"])
def test_quick_add_lands_the_story_at_the_top_or_the_bottom(
    client: Client, po: Any, product: Product, team: Team, make_story: Any, where: str
) -> None:
    make_story(), make_story()
    client.force_login(po)
    url = reverse("backlog:quick_add", args=[product.slug]) + f"?team={team.pk}"
    response = client.post(
        url,
        {"title": "Quick idea", "kind": "spike", "where": where},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    story = Story.objects.get(title="Quick idea")
    order = list(Story.objects.in_backlog().values_list("pk", flat=True))
    assert order.index(story.pk) == (0 if where == "top" else 2)
    assert story.kind == StoryKind.SPIKE and story.team == team


def test_quick_add_refuses_an_empty_title_with_422(
    client: Client, po: Any, product: Product
) -> None:
    client.force_login(po)
    url = reverse("backlog:quick_add", args=[product.slug])
    response = client.post(url, {"title": "", "kind": "story", "where": "top"})
    assert response.status_code == 422
    assert not Story.objects.exists()


def test_a_stakeholder_cannot_quick_add(client: Client, stakeholder: Any, product: Product) -> None:
    client.force_login(stakeholder)
    url = reverse("backlog:quick_add", args=[product.slug])
    response = client.post(url, {"title": "Nope", "kind": "story", "where": "top"})
    assert response.status_code == 403


def test_an_outsider_gets_404(client: Client, outsider: Any, product: Product) -> None:
    client.force_login(outsider)
    assert client.get(_url(product)).status_code == 404


def test_closed_sprint_history_is_not_in_the_backlog(
    client: Client, po: Any, product: Product, team: Team, make_story: Any
) -> None:
    closed = SprintFactory(team=team, state=SprintState.CLOSED)
    done = make_story(title="Shipped", sprint=closed)
    client.force_login(po)
    assert _titles(client.get(_url(product)).content.decode(), [done]) == []

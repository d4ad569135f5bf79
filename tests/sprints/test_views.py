from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backlog.models import Sprint, SprintState, Story
from core import clock
from products.models import Product, StatusCategory, Team
from sprints import services
from sprints.services.acceptance import done_items
from tests.products.factories import ProductFactory, status_of
from tests.sprints.factories import SprintFactory


def _create(client: Client, product: Product, team: Team, days: int, **extra: Any) -> Any:
    start = dt.date(2027, 1, 4)
    data = {
        "name": "Sprint 7",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=days - 1)).isoformat(),
    }
    url = reverse("sprints:sprint_create", args=[product.slug, team.slug])
    return client.post(url, data | extra)


@pytest.mark.parametrize("days", [13, 29])
def test_it_refuses_a_sprint_outside_two_to_four_weeks(
    client: Client, po: Any, product: Product, team: Team, days: int
) -> None:
    client.force_login(po)
    response = _create(client, product, team, days)
    assert response.status_code == 422
    assert f"A sprint lasts from 14 to 28 days; this one lasts {days}." in response.content.decode()
    assert not Sprint.objects.exists()


@pytest.mark.parametrize("days", [14, 28])
def test_it_accepts_sprints_of_two_to_four_weeks(
    client: Client, po: Any, product: Product, team: Team, days: int
) -> None:
    client.force_login(po)
    response = _create(client, product, team, days)
    sprint = Sprint.objects.get()
    assert response.status_code == 302
    assert sprint.length_days == days and sprint.state == SprintState.PLANNED


def test_an_htmx_sprint_form_with_errors_answers_its_partial_with_422(
    client: Client, po: Any, product: Product, team: Team
) -> None:
    client.force_login(po)
    url = reverse("sprints:sprint_create", args=[product.slug, team.slug])
    response = client.post(
        url,
        {"name": "", "start_date": "2027-01-04", "end_date": "2027-01-16"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="sprint-form"' in html and "<html" not in html


def test_the_team_page_proposes_the_next_sprint_after_the_last(
    client: Client, po: Any, product: Product, team: Team, sprint: Sprint
) -> None:
    client.force_login(po)
    with clock.at(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)):
        html = client.get(reverse("sprints:team", args=[product.slug, team.slug])).content
    assert 'value="Sprint 2"' in html.decode()
    assert 'value="2026-03-16"' in html.decode() and 'value="2026-03-29"' in html.decode()


def test_it_refuses_a_story_of_another_product(
    client: Client, po: Any, product: Product, sprint: Sprint, make_story: Any
) -> None:
    foreign = make_story(product=ProductFactory())
    client.force_login(po)
    url = reverse("sprints:sprint_add_story", args=[product.slug, sprint.pk])
    response = client.post(url, {"story": foreign.pk})
    assert response.status_code == 422
    assert "Choose a backlog story of this team or product." in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.sprint_id is None


def test_it_refuses_to_start_a_second_active_sprint(
    client: Client, po: Any, product: Product, team: Team, sprint: Sprint
) -> None:
    SprintFactory(
        team=team, name="Running", state=SprintState.ACTIVE, start_date=dt.date(2026, 2, 16)
    )
    client.force_login(po)
    response = client.post(reverse("sprints:sprint_start", args=[product.slug, sprint.pk]))
    assert response.status_code == 422
    assert "already has an active sprint" in response.content.decode()
    sprint.refresh_from_db()
    assert sprint.state == SprintState.PLANNED


def test_planning_starting_and_closing_a_sprint_through_the_pages(
    client: Client, po: Any, product: Product, team: Team, sprint: Sprint, make_story: Any
) -> None:
    done, unfinished = make_story(points=5), make_story(points=3)
    backlog_first = make_story()
    client.force_login(po)
    slug = product.slug
    for story in (done, unfinished):
        client.post(
            reverse("sprints:sprint_add_story", args=[slug, sprint.pk]), {"story": story.pk}
        )
    client.post(reverse("sprints:sprint_start", args=[slug, sprint.pk]))
    sprint.refresh_from_db()
    assert sprint.state == SprintState.ACTIVE and sprint.committed_points == 8

    move = reverse("backlog:story_move", args=[slug, done.pk])
    client.post(move, {"status": status_of(product, StatusCategory.DONE).pk})
    for item in done_items(done):
        services.tick_done_item(actor=po, story=done, item=item)
    # Done is not accepted yet: the close page asks, and the PO accepts it there.
    response = client.post(
        reverse("sprints:sprint_close", args=[slug, sprint.pk]),
        {"goal_met": "no", f"unaccepted_{done.pk}": "accept"},
    )
    assert response.status_code == 302
    sprint.refresh_from_db()
    assert sprint.state == SprintState.CLOSED
    assert sprint.completed_points == 5 and sprint.goal_met is False
    backlog = list(Story.objects.filter(sprint__isnull=True).values_list("pk", flat=True))
    assert backlog[:2] == [unfinished.pk, backlog_first.pk]


def test_closing_needs_an_answer_about_the_goal(
    client: Client, po: Any, product: Product, team: Team
) -> None:
    active = SprintFactory(team=team, state=SprintState.ACTIVE)
    client.force_login(po)
    response = client.post(reverse("sprints:sprint_close", args=[product.slug, active.pk]), {})
    assert response.status_code == 422
    active.refresh_from_db()
    assert active.state == SprintState.ACTIVE


@pytest.mark.parametrize("stories", [2, 20])
def test_the_sprint_page_costs_the_same_queries_whatever_its_size(
    client: Client,
    po: Any,
    product: Product,
    sprint: Sprint,
    make_story: Any,
    django_assert_num_queries: Any,
    stories: int,
) -> None:
    for _ in range(stories):
        make_story(sprint=sprint, points=3)
    client.force_login(po)
    url = reverse("sprints:sprint", args=[product.slug, sprint.pk])
    with django_assert_num_queries(11):  # one more for the review and retrospective links
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("sprints", [1, 6])
def test_the_team_page_costs_the_same_queries_whatever_its_history(
    client: Client,
    po: Any,
    product: Product,
    team: Team,
    django_assert_num_queries: Any,
    sprints: int,
) -> None:
    start = dt.date(2025, 1, 6)
    for i in range(sprints):
        SprintFactory(
            team=team,
            state=SprintState.CLOSED,
            committed_points=20,
            completed_points=18,
            start_date=start + dt.timedelta(days=14 * i),
        )
    client.force_login(po)
    url = reverse("sprints:team", args=[product.slug, team.slug])
    with django_assert_num_queries(11):  # one more for the velocity chart
        assert client.get(url).status_code == 200


def test_a_sprint_created_through_htmx_sends_the_browser_to_its_page(
    client: Client, po: Any, product: Product, team: Team
) -> None:
    client.force_login(po)
    url = reverse("sprints:sprint_create", args=[product.slug, team.slug])
    response = client.post(
        url,
        {"name": "Sprint 8", "start_date": "2027-01-04", "end_date": "2027-01-17"},
        headers={"HX-Request": "true"},
    )
    sprint = Sprint.objects.get(name="Sprint 8")
    assert response["HX-Redirect"] == reverse("sprints:sprint", args=[product.slug, sprint.pk])


def test_the_overview_names_each_team_s_leads_days_left_and_open_impediments(
    client: Client, pm: Any, po: Any, scrum_master: Any, product: Product, team: Team,
    make_story: Any,
) -> None:  # fmt: skip
    from core import clock
    from sprints.models import Impediment

    today = clock.today()
    sprint = SprintFactory(team=team, state=SprintState.ACTIVE,
                           start_date=today - dt.timedelta(days=3),
                           end_date=today + dt.timedelta(days=10))  # fmt: skip
    story = make_story(sprint=sprint)
    Impediment.objects.create(team=team, sprint=sprint, story=story, reason="Keys", opened_by=po)
    client.force_login(pm)
    html = client.get(reverse("sprints:product_overview", args=[product.slug])).content.decode()
    assert po.display_name in html and scrum_master.display_name in html
    assert "10 days left" in html
    assert "1 open impediment" in html

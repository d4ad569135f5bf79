from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backlog.models import Story
from core.models import Event
from products.models import Product, StatusCategory, Team
from tests.products.factories import ProductFactory, status_of


def _edit_url(product: Product, story: Story) -> str:
    return reverse("backlog:story", args=[product.slug, story.pk])


def test_it_refuses_four_points_with_a_clear_message(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    story = make_story()
    client.force_login(po)
    response = client.post(
        _edit_url(product, story),
        {"title": "T", "kind": "story", "points": "4", "team": story.team_id, "version": 1},
    )
    assert response.status_code == 422
    assert "4 is not an allowed estimate" in response.content.decode()
    story.refresh_from_db()
    assert story.points is None and story.version == 1


def test_an_htmx_edit_with_errors_answers_the_form_partial_only(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    story = make_story()
    client.force_login(po)
    response = client.post(
        _edit_url(product, story),
        {"title": "", "kind": "story", "version": 1},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="story-form"' in html
    assert "<html" not in html


def test_it_refuses_a_stale_edit_and_shows_the_current_values(
    client: Client, po: Any, developer: Any, product: Product, make_story: Any
) -> None:
    story = make_story(title="Original")
    client.force_login(developer)
    first = {"title": "Developer's title", "kind": "story", "team": story.team_id, "version": 1}
    assert client.post(_edit_url(product, story), first).status_code == 302

    client.force_login(po)
    second = {"title": "PO's title", "kind": "story", "team": story.team_id, "version": 1}
    response = client.post(_edit_url(product, story), second)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this story" in html
    assert 'value="Developer&#x27;s title"' in html  # the form now holds the current title
    assert "PO&#x27;s title" in html  # and the user's own text is there to copy
    story.refresh_from_db()
    assert story.title == "Developer's title" and story.version == 2


def test_a_successful_edit_writes_one_event_with_the_changed_fields(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    story = make_story(title="Before", points=3)
    client.force_login(po)
    data = {"title": "After", "kind": "story", "points": "3", "team": story.team_id, "version": 1}
    client.post(_edit_url(product, story), data)
    event = Event.objects.get(verb="story.updated")
    assert event.before == {"title": "Before"} and event.after == {"title": "After"}


def test_it_refuses_an_unknown_status(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    story = make_story()
    client.force_login(po)
    url = reverse("backlog:story_move", args=[product.slug, story.pk])
    response = client.post(url, {"status": 999999})
    assert response.status_code == 422
    assert "Choose a status of this product." in response.content.decode()


def test_it_refuses_a_status_of_another_product(
    client: Client, po: Any, product: Product, superuser: Any, make_story: Any
) -> None:
    other = ProductFactory()
    story = make_story()
    client.force_login(po)
    url = reverse("backlog:story_move", args=[product.slug, story.pk])
    response = client.post(url, {"status": status_of(other, StatusCategory.DONE).pk})
    assert response.status_code == 422
    story.refresh_from_db()
    assert story.status.product_id == product.pk


def test_it_refuses_a_neighbour_from_another_product(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    story = make_story()
    foreign = make_story(product=ProductFactory())
    client.force_login(po)
    url = reverse("backlog:story_move", args=[product.slug, story.pk])
    response = client.post(url, {"after": foreign.pk})
    assert response.status_code == 422
    assert "Choose a story of this product." in response.content.decode()


def test_moving_to_the_top_puts_the_story_first_in_the_backlog(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    first, _, last = make_story(), make_story(), make_story()
    client.force_login(po)
    url = reverse("backlog:story_move", args=[product.slug, last.pk])
    assert client.post(url, {"position": "top"}).status_code == 302
    ordered = list(Story.objects.filter(product=product).values_list("pk", flat=True))
    assert ordered[0] == last.pk and ordered[1] == first.pk


def test_creating_a_story_lands_it_at_the_bottom_and_opens_it(
    client: Client, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    existing = make_story()
    client.force_login(developer)
    url = reverse("backlog:story_create", args=[product.slug])
    response = client.post(url, {"title": "Export to CSV", "kind": "bug", "team": team.pk})
    story = Story.objects.get(title="Export to CSV")
    assert response.status_code == 302 and response["Location"].endswith(f"/stories/{story.pk}/")
    assert story.rank > existing.rank and story.created_by == developer


def test_a_developer_cannot_create_a_story_for_another_team(
    client: Client, developer: Any, product: Product, other_team: Team
) -> None:
    client.force_login(developer)
    url = reverse("backlog:story_create", args=[product.slug])
    response = client.post(url, {"title": "Not mine", "kind": "story", "team": other_team.pk})
    assert response.status_code == 403
    assert not Story.objects.filter(title="Not mine").exists()


def test_a_stakeholder_sees_the_story_read_only(
    client: Client, stakeholder: Any, product: Product, make_story: Any
) -> None:
    story = make_story(description="**Bold** <script>alert(1)</script>")
    client.force_login(stakeholder)
    html = client.get(_edit_url(product, story)).content.decode()
    assert "<strong>Bold</strong>" in html
    assert "<script>alert" not in html
    assert 'name="title"' not in html
    assert "New story" not in html  # the navigation hides what the role can't do


@pytest.mark.parametrize("count", [3, 30])
def test_the_story_page_costs_the_same_queries_whatever_its_history(
    client: Client,
    po: Any,
    product: Product,
    make_story: Any,
    django_assert_num_queries: Any,
    count: int,
) -> None:
    story = make_story()
    for i in range(count):
        Event.objects.create(
            actor=po,
            verb="story.updated",
            product_id=product.pk,
            object_type="story",
            object_id=story.pk,
            before={"title": str(i)},
            after={"title": str(i + 1)},
        )
    client.force_login(po)
    url = _edit_url(product, story)
    client.get(url)
    # session, user, product, story, grants, teams (nav and form), events, epics, releases,
    # members, statuses, tasks, Definition of Ready, open impediments, labels
    with django_assert_num_queries(15):
        assert client.get(url).status_code == 200


def test_a_successful_htmx_edit_sends_the_browser_to_the_story_page(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    story = make_story()
    client.force_login(po)
    response = client.post(
        _edit_url(product, story),
        {"title": "Renamed", "kind": "story", "team": story.team_id, "version": 1},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == _edit_url(product, story)

"""Labels set from the story page: add one of the product's or a new one, remove one,
each through a service that records an event; the story's history names them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from backlog import services
from backlog.models import Label, Story
from core.models import Event
from products.models import Product, Team
from tests.backlog.factories import LabelFactory
from tests.products.factories import ProductFactory


def _add_url(story: Story) -> str:
    return reverse("backlog:story_label_add", args=[story.product.slug, story.pk])


def _remove_url(story: Story, label: Label) -> str:
    return reverse("backlog:story_label_remove", args=[story.product.slug, story.pk, label.pk])


def test_remove_label_takes_it_off_and_records_an_event(
    po: Any, product: Product, make_story: Any
) -> None:
    label = LabelFactory(product=product, name="urgent")
    story = make_story()
    services.add_label(actor=po, story=story, label=label)
    services.remove_label(actor=po, story=story, label=label)
    assert not story.labels.exists()
    event = Event.objects.get(verb="story.unlabelled")
    assert event.object_id == story.pk and event.before == {"label": "urgent"}
    # Removing a label the story doesn't have changes nothing and records nothing.
    services.remove_label(actor=po, story=story, label=label)
    assert Event.objects.filter(verb="story.unlabelled").count() == 1


def test_remove_label_refuses_a_label_of_another_product(
    po: Any, product: Product, make_story: Any
) -> None:
    from django.core.exceptions import ValidationError

    other = LabelFactory(product=ProductFactory())
    with pytest.raises(ValidationError):
        services.remove_label(actor=po, story=make_story(), label=other)


def test_remove_label_refuses_who_may_not_edit_the_story(
    stakeholder: Any, product: Product, make_story: Any
) -> None:
    label = LabelFactory(product=product)
    story = make_story()
    story.labels.add(label)
    with pytest.raises(PermissionDenied):
        services.remove_label(actor=stakeholder, story=story, label=label)
    assert story.labels.exists()


def test_the_story_page_shows_its_labels_and_offers_the_others(
    client: Client, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    on, off = LabelFactory(product=product, name="urgent"), LabelFactory(product=product, name="ui")
    story = make_story(team=team)
    story.labels.add(on)
    client.force_login(developer)
    response = client.get(reverse("backlog:story", args=[product.slug, story.pk]))
    assert [label.name for label in response.context["story_labels"]] == ["urgent"]
    html = response.content.decode()
    assert f'<option value="{off.pk}">ui</option>' in html
    assert f'<option value="{on.pk}">urgent</option>' not in html
    assert _remove_url(story, on) in html


def test_a_member_adds_an_existing_label_without_javascript(
    client: Client, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    label = LabelFactory(product=product, name="urgent")
    story = make_story(team=team)
    client.force_login(developer)
    response = client.post(_add_url(story), {"label": label.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("backlog:story", args=[product.slug, story.pk])
    assert list(story.labels.all()) == [label]
    assert Event.objects.filter(verb="story.labelled", object_id=story.pk).count() == 1


def test_a_new_label_typed_by_name_is_created_and_added_and_htmx_gets_the_section(
    client: Client, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    story = make_story(team=team)
    client.force_login(developer)
    response = client.post(_add_url(story), {"name": " mobile "}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="labels"') and "mobile" in html
    assert [label.name for label in story.labels.all()] == ["mobile"]
    assert Event.objects.filter(verb="label.created").count() == 1


def test_adding_nothing_answers_422_with_the_reason(
    client: Client, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    story = make_story(team=team)
    client.force_login(developer)
    response = client.post(_add_url(story), {"name": "  "}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Choose a label or type a new one." in response.content.decode()


def test_a_member_removes_a_label_and_the_history_says_so(
    client: Client, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    label = LabelFactory(product=product, name="urgent")
    story = make_story(team=team)
    services.add_label(actor=developer, story=story, label=label)
    client.force_login(developer)
    response = client.post(_remove_url(story, label))
    assert response.status_code == 302 and not story.labels.exists()
    html = client.get(reverse("backlog:story", args=[product.slug, story.pk])).content.decode()
    assert "added a label" in html and "removed a label" in html
    assert "urgent" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("po", 302),
        ("scrum_master", 302),
        ("developer", 302),
        ("pm", 302),
        ("stakeholder", 403),
        ("other_team_developer", 403),
        ("outsider", 404),
    ],
)
def test_who_may_set_labels_on_a_team_story(
    client: Client,
    request: pytest.FixtureRequest,
    product: Product,
    team: Team,
    make_story: Any,
    role: str,
    status: int,
) -> None:
    label = LabelFactory(product=product, name="urgent")
    story = make_story(team=team)
    client.force_login(request.getfixturevalue(role))
    assert client.post(_add_url(story), {"label": label.pk}).status_code == status
    story.labels.add(label)
    assert client.post(_remove_url(story, label)).status_code == status


def test_a_label_of_another_product_is_not_found(
    client: Client, po: Any, product: Product, team: Team, make_story: Any
) -> None:
    story = make_story(team=team)
    other = LabelFactory(product=ProductFactory())
    client.force_login(po)
    assert client.post(_remove_url(story, other)).status_code == 404
    response = client.post(_add_url(story), {"label": other.pk})
    assert response.status_code == 422 and not story.labels.exists()

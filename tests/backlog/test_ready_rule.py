"""Marking a story ready, held to the Definition of Ready by set_story_ready (issue 16):
under ``warn`` a story that misses items needs a confirmation, under ``enforce`` it is
refused; the story page, the refinement page and the API give the same answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from backlog import readiness, services
from backlog.models import Story
from core.models import Event
from products.models import Product, ReadinessRule, Team
from tests.conftest import MakeStory

MISSING = ["Has acceptance criteria", "Is estimated", "Is small enough (13 points at most)"]


def _enforce(product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(readiness_rule=ReadinessRule.ENFORCE)


def _ready(story: Story) -> bool:
    return Story.objects.get(pk=story.pk).ready


def _unready_story(make_story: MakeStory) -> Story:
    return make_story()  # no criteria, no points


def _complete_story(make_story: MakeStory) -> Story:
    return make_story(points=3, acceptance_criteria="- [ ] It works")


# The service


def test_warn_refuses_an_unconfirmed_mark_and_lists_what_is_missing(
    po: User, make_story: MakeStory
) -> None:
    story = _unready_story(make_story)
    with pytest.raises(readiness.NotReady) as refused:
        services.set_story_ready(actor=po, story=story, ready=True)
    assert refused.value.confirmable
    assert [c.item.text for c in refused.value.missing] == MISSING
    assert refused.value.message_dict["missing"] == MISSING
    assert not _ready(story)
    assert not Event.objects.filter(verb="story.ready").exists()


def test_warn_marks_a_confirmed_story_ready(po: User, make_story: MakeStory) -> None:
    story = _unready_story(make_story)
    services.set_story_ready(actor=po, story=story, ready=True, confirm=True)
    assert _ready(story)
    assert Event.objects.filter(verb="story.ready", object_id=story.pk).count() == 1


def test_enforce_refuses_even_a_confirmed_mark(
    po: User, product: Product, make_story: MakeStory
) -> None:
    _enforce(product)
    story = _unready_story(make_story)
    with pytest.raises(readiness.NotReady) as refused:
        services.set_story_ready(actor=po, story=story, ready=True, confirm=True)
    assert not refused.value.confirmable
    assert refused.value.message_dict["missing"] == MISSING
    assert "enforces" in refused.value.reason
    assert not _ready(story)


@pytest.mark.parametrize("rule", ReadinessRule.values)
def test_a_story_that_meets_the_definition_is_marked_ready_in_either_mode(
    po: User, product: Product, make_story: MakeStory, rule: str
) -> None:
    Product.objects.filter(pk=product.pk).update(readiness_rule=rule)
    story = _complete_story(make_story)
    services.set_story_ready(actor=po, story=story, ready=True)
    assert _ready(story)


def test_enforce_still_lets_a_ready_story_be_marked_not_ready(
    po: User, product: Product, make_story: MakeStory
) -> None:
    story = make_story(ready=True)
    _enforce(product)
    services.set_story_ready(actor=po, story=story, ready=False)
    assert not _ready(story)


def test_a_story_already_ready_is_not_checked_again(
    po: User, product: Product, make_story: MakeStory
) -> None:
    story = make_story(ready=True)
    _enforce(product)
    assert services.set_story_ready(actor=po, story=story, ready=True).ready


def test_the_definition_of_ready_is_asked_after_the_right(
    developer: User, product: Product, make_story: MakeStory
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_story_ready(actor=developer, story=_unready_story(make_story), ready=True)


# The story page


def _mark(product: Product, story: Story) -> str:
    return reverse("backlog:mark_ready", args=[product.slug, story.pk])


def test_the_story_page_under_enforce_refuses_with_the_missing_items_and_no_way_around(
    client: Client, po: User, product: Product, make_story: MakeStory
) -> None:
    _enforce(product)
    story = _unready_story(make_story)
    client.force_login(po)
    for data in ({"ready": "1"}, {"ready": "1", "confirm": "1"}):
        response = client.post(_mark(product, story), data, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 422
        assert "data-ready-refused" in html and "enforces its Definition of Ready" in html
        assert all(text in html for text in MISSING)
        assert "Mark ready anyway" not in html
    response = client.post(_mark(product, story), {"ready": "1"})  # without JavaScript
    assert response.status_code == 422 and "data-ready-refused" in response.content.decode()
    assert not _ready(story)


def test_the_story_page_under_warn_still_asks_then_marks(
    client: Client, po: User, product: Product, make_story: MakeStory
) -> None:
    story = _unready_story(make_story)
    client.force_login(po)
    response = client.post(_mark(product, story), {"ready": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Mark ready anyway" in response.content.decode()
    assert "data-ready-refused" not in response.content.decode()
    assert not _ready(story)
    assert client.post(_mark(product, story), {"ready": "1", "confirm": "1"}).status_code == 302
    assert _ready(story)


# The refinement page


def _refine(product: Product, team: Team, story: Story) -> str:
    return reverse("sprints:refinement_ready", args=[product.slug, team.slug, story.pk])


def test_the_refinement_page_under_enforce_refuses_with_the_missing_items(
    client: Client, po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    _enforce(product)
    story = _unready_story(make_story)
    client.force_login(po)
    url = _refine(product, team, story)
    response = client.post(url, {"confirm": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 422 and html.lstrip().startswith("<li")
    assert "data-ready-refused" in html and "Mark ready anyway" not in html
    response = client.post(url, {"confirm": "1"})  # the whole page, the refusal on its row
    assert response.status_code == 422 and "data-ready-refused" in response.content.decode()
    assert not _ready(story)


def test_the_refinement_page_under_warn_marks_a_confirmed_story(
    client: Client, po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    story = _unready_story(make_story)
    client.force_login(po)
    url = _refine(product, team, story)
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Mark ready anyway" in response.content.decode()
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert _ready(story)


# The API


@pytest.fixture
def api(po: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(po)
    return client


def _api_ready(api: APIClient, story: Story, **data: Any) -> Any:
    return api.post(f"/api/v1/stories/{story.pk}/ready/", {"ready": True, **data}, format="json")


def test_the_api_under_warn_answers_400_with_the_missing_items_until_confirmed(
    api: APIClient, make_story: MakeStory
) -> None:
    story = _unready_story(make_story)
    response = _api_ready(api, story)
    assert response.status_code == 400
    assert response.json()["missing"] == MISSING and response.json()["detail"]
    assert not _ready(story)
    response = _api_ready(api, story, confirm=True)
    assert response.status_code == 200 and response.json()["ready"] is True


def test_the_api_under_enforce_refuses_even_a_confirmed_mark(
    api: APIClient, product: Product, make_story: MakeStory
) -> None:
    _enforce(product)
    story = _unready_story(make_story)
    response = _api_ready(api, story, confirm=True)
    assert response.status_code == 400 and response.json()["missing"] == MISSING
    assert not _ready(story)
    complete = _complete_story(make_story)
    assert _api_ready(api, complete).status_code == 200
    assert _ready(complete)

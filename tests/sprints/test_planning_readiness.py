"""Planning a story into a sprint, held to the Definition of Ready (issue 16): under
``warn`` a story not ready or not estimated goes in and the planning page flags it; under
``enforce`` a story not marked ready is refused, nothing written. The service, the
planning page (its script, its forms), the sprint's page and the API answer alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from backlog import readiness
from backlog.models import Sprint, Story
from core.models import Event
from products.models import Product, ReadinessRule
from sprints import services
from tests.conftest import MakeStory

HTMX = {"HX-Request": "true"}


def _enforce(product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(readiness_rule=ReadinessRule.ENFORCE)


def _sprint_of(story: Story) -> int | None:
    return Story.objects.get(pk=story.pk).sprint_id


def _plan_url(product: Product, sprint: Sprint) -> str:
    return reverse("sprints:sprint_plan", args=[product.slug, sprint.pk])


def _add_url(product: Product, sprint: Sprint) -> str:
    return reverse("sprints:sprint_add_story", args=[product.slug, sprint.pk])


# The service


def test_warn_plans_a_story_not_ready_nor_estimated_and_says_so(
    po: User, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story()
    planned = services.plan_story(actor=po, story=story, sprint=sprint)
    assert _sprint_of(story) == sprint.pk
    assert services.planning_warnings(planned) == [services.NOT_READY, services.NOT_ESTIMATED]
    assert Event.objects.filter(verb="story.added_to_sprint", object_id=story.pk).count() == 1


def test_a_ready_estimated_story_has_no_warning(make_story: MakeStory) -> None:
    assert services.planning_warnings(make_story(ready=True, points=3)) == []


def test_enforce_refuses_a_story_not_marked_ready_and_writes_nothing(
    po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    _enforce(product)
    story = make_story(points=3)  # estimated, but no criteria and not marked ready
    with pytest.raises(readiness.NotReady) as refused:
        services.plan_story(actor=po, story=story, sprint=sprint)
    assert story.title in refused.value.reason
    assert refused.value.message_dict["missing"] == ["Has acceptance criteria"]
    assert _sprint_of(story) is None
    assert not Event.objects.filter(verb="story.added_to_sprint").exists()


def test_enforce_plans_a_ready_story_even_unestimated(
    po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    _enforce(product)
    story = make_story(ready=True)
    planned = services.plan_story(actor=po, story=story, sprint=sprint)
    assert _sprint_of(story) == sprint.pk
    assert services.planning_warnings(planned) == [services.NOT_ESTIMATED]


def test_plan_story_asks_the_right_first(
    developer: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    from django.core.exceptions import PermissionDenied

    _enforce(product)
    with pytest.raises(PermissionDenied):
        services.plan_story(actor=developer, story=make_story(), sprint=sprint)


# The planning page


def test_warn_adds_from_the_page_and_lists_what_is_not_ready_or_estimated(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    unready = make_story(title="Unrefined export", points=2)
    unestimated = make_story(title="Guess the size", ready=True)
    fine = make_story(title="All set", ready=True, points=3)
    client.force_login(po)
    for story in (unready, unestimated, fine):
        assert (
            client.post(_add_url(product, sprint), {"story": story.pk}, headers=HTMX).status_code
            == 204
        )
    response = client.get(_plan_url(product, sprint), headers={**HTMX, "HX-Target": "plan-board"})
    html = response.content.decode()
    warnings = html.split("data-plan-warnings>")[1].split("</div>")[0]
    assert "Not ready:" in warnings and "Unrefined export" in warnings
    assert "Not estimated:" in warnings and "Guess the size" in warnings
    assert "All set" not in warnings
    assert [s.title for s in response.context["not_ready"]] == ["Unrefined export"]
    assert [s.title for s in response.context["not_estimated"]] == ["Guess the size"]
    row = html.split(f'id="plan-story-{unready.pk}"')[1].split("</li>")[0]
    assert 'data-flag="not-ready"' in row and 'data-flag="not-estimated"' not in row


def test_a_sprint_of_ready_estimated_stories_shows_no_warning(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    make_story(sprint=sprint, ready=True, points=3)
    make_story()  # in the backlog: not the sprint's concern
    client.force_login(po)
    html = client.get(_plan_url(product, sprint)).content.decode()
    assert "data-plan-warnings" not in html and 'data-flag="not-ready"' not in html
    assert "data-plan-enforced" not in html
    _enforce(product)
    assert "data-plan-enforced" in client.get(_plan_url(product, sprint)).content.decode()


def test_enforce_refuses_on_the_page_with_the_reason_and_nothing_written(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    _enforce(product)
    story = make_story(title="Unrefined export", points=3)
    client.force_login(po)
    # The page's script: the lists again with the refusal above them.
    response = client.post(_add_url(product, sprint), {"story": story.pk}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<div id="plan-board"') and "<html" not in html
    refusal = html.split("data-plan-refused>")[1].split("</div>")[0]
    assert "Unrefined export" in refusal and "enforces its Definition of Ready" in refusal
    assert "Has acceptance criteria" in refusal
    # The row's form without JavaScript: the whole planning page, the refusal in place.
    here = _plan_url(product, sprint)
    response = client.post(_add_url(product, sprint), {"story": story.pk, "next": here})
    assert response.status_code == 422
    assert "data-plan-refused" in response.content.decode() and "<html" in response.content.decode()
    assert _sprint_of(story) is None
    assert not Event.objects.filter(verb="story.added_to_sprint").exists()


def test_enforce_refuses_on_the_sprints_page_too(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    _enforce(product)
    story = make_story(title="Unrefined export")
    client.force_login(po)
    response = client.post(_add_url(product, sprint), {"story": story.pk})
    html = response.content.decode()
    assert response.status_code == 422 and "enforces its Definition of Ready" in html
    assert response.templates[0].name == "sprints/sprint.html"
    assert _sprint_of(story) is None


def test_enforce_still_adds_a_ready_story_from_the_page(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    _enforce(product)
    story = make_story(ready=True, points=2)
    client.force_login(po)
    assert (
        client.post(_add_url(product, sprint), {"story": story.pk}, headers=HTMX).status_code == 204
    )
    assert _sprint_of(story) == sprint.pk


def test_a_story_the_page_may_not_take_is_refused_on_the_planning_page(
    client: Client, po: User, product: Product, sprint: Sprint
) -> None:
    client.force_login(po)
    response = client.post(_add_url(product, sprint), {"story": "999999"}, headers=HTMX)
    assert response.status_code == 422 and "data-plan-refused" in response.content.decode()


@pytest.mark.parametrize(("role", "status"), [("developer", 403), ("outsider", 404)])
def test_under_enforce_those_who_may_not_plan_still_hear_403_or_404(
    client: Client,
    request: pytest.FixtureRequest,
    product: Product,
    sprint: Sprint,
    make_story: MakeStory,
    role: str,
    status: int,
) -> None:
    _enforce(product)
    story = make_story()
    client.force_login(request.getfixturevalue(role))
    assert (
        client.post(_add_url(product, sprint), {"story": story.pk}, headers=HTMX).status_code
        == status
    )
    assert _sprint_of(story) is None


# The API


@pytest.fixture
def api(po: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(po)
    return client


def _api_add(api: APIClient, sprint: Sprint, story: Story) -> Any:
    return api.post(f"/api/v1/sprints/{sprint.pk}/add-story/", {"story": story.pk}, format="json")


def test_the_api_under_warn_adds_with_the_warnings(
    api: APIClient, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story()
    response = _api_add(api, sprint, story)
    assert response.status_code == 200
    assert response.json()["sprint"] == sprint.pk
    assert response.json()["warnings"] == ["not_ready", "not_estimated"]
    ready = make_story(ready=True, points=1)
    assert _api_add(api, sprint, ready).json()["warnings"] == []


def test_the_api_under_enforce_refuses_with_400_and_the_missing_items(
    api: APIClient, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    _enforce(product)
    story = make_story(points=3)
    response = _api_add(api, sprint, story)
    assert response.status_code == 400
    assert response.json()["missing"] == ["Has acceptance criteria"]
    assert "enforces its Definition of Ready" in response.json()["detail"][0]
    assert _sprint_of(story) is None
    ready = make_story(ready=True)
    response = _api_add(api, sprint, ready)
    assert response.status_code == 200 and response.json()["warnings"] == ["not_estimated"]

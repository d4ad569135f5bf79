"""The Definition of Done ticked per story, the PO's acceptance and sending back, and the
card's side panel on the board where all of it happens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog.models import Sprint, SprintState, Story
from core.models import Event
from products.models import ChecklistItem, ChecklistKind, Product, StatusCategory, Team
from sprints import services
from sprints.models import Acceptance, DoneCheck
from tests.backlog.factories import TaskFactory
from tests.conftest import MakeStory, violates
from tests.products.factories import ProductFactory, status_of
from tests.sprints.factories import SprintFactory

ROLES = [
    "pm",
    "po",
    "scrum_master",
    "developer",
    "stakeholder",
    "other_team_developer",
    "outsider",
    "superuser",
]
TEAM = {"po", "scrum_master", "developer", "superuser"}
PO = {"po", "superuser"}


@pytest.fixture
def active(team: Team) -> Sprint:
    return SprintFactory(team=team, name="Sprint 3", state=SprintState.ACTIVE)


@pytest.fixture
def dod(product: Product) -> list[ChecklistItem]:
    """The product's default Definition of Done: four items, ticked by people."""
    return list(product.checklist.filter(kind=ChecklistKind.DONE))


@pytest.fixture
def finished(product: Product, active: Sprint, make_story: MakeStory) -> Story:
    """A story of the active sprint in the Done column."""
    return make_story(
        title="Pay by card", points=5, sprint=active, status=status_of(product, StatusCategory.DONE)
    )


def _tick_all(user: User, story: Story, items: list[ChecklistItem]) -> None:
    for item in items:
        services.tick_done_item(actor=user, story=story, item=item)


# Ticking the Definition of Done


def test_ticking_an_item_records_who_and_an_event_once(
    developer: User, finished: Story, dod: list[ChecklistItem]
) -> None:
    check = services.tick_done_item(actor=developer, story=finished, item=dod[0])
    services.tick_done_item(actor=developer, story=finished, item=dod[0])
    assert (check.story, check.item, check.checked_by) == (finished, dod[0], developer)
    assert DoneCheck.objects.count() == 1
    (event,) = Event.objects.filter(verb="done_item.ticked")
    assert event.after == {"story": finished.pk, "item": dod[0].pk, "text": dod[0].text}
    assert event.sprint_id == finished.sprint_id


def test_unticking_removes_the_tick_and_records_it(
    developer: User, finished: Story, dod: list[ChecklistItem]
) -> None:
    services.tick_done_item(actor=developer, story=finished, item=dod[1])
    services.untick_done_item(actor=developer, story=finished, item=dod[1])
    services.untick_done_item(actor=developer, story=finished, item=dod[1])
    assert not DoneCheck.objects.exists()
    assert Event.objects.filter(verb="done_item.unticked").count() == 1


def test_only_items_of_the_products_definition_of_done_are_ticked(
    developer: User, product: Product, finished: Story
) -> None:
    ready_item = product.checklist.filter(kind=ChecklistKind.READY).first()
    foreign = ProductFactory().checklist.filter(kind=ChecklistKind.DONE).first()
    assert ready_item is not None and foreign is not None
    for item in (ready_item, foreign):
        with pytest.raises(ValidationError):
            services.tick_done_item(actor=developer, story=finished, item=item)
    assert not DoneCheck.objects.exists()


def test_an_item_is_ticked_once_per_story(finished: Story, dod: list[ChecklistItem]) -> None:
    DoneCheck.objects.create(story=finished, item=dod[0])
    with violates("sprints_donecheck_unique_per_story_item"):
        DoneCheck.objects.create(story=finished, item=dod[0])


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("pm", PermissionDenied),
        ("stakeholder", PermissionDenied),
        ("other_team_developer", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_only_the_team_ticks_its_stories(
    request: pytest.FixtureRequest,
    finished: Story,
    dod: list[ChecklistItem],
    role: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        services.tick_done_item(actor=request.getfixturevalue(role), story=finished, item=dod[0])


# Accepting


def test_accept_refuses_until_every_item_is_ticked(
    po: User, developer: User, finished: Story, dod: list[ChecklistItem]
) -> None:
    _tick_all(developer, finished, dod[:3])
    with pytest.raises(ValidationError) as excinfo:
        services.accept_story(actor=po, story=finished)
    assert excinfo.value.messages == [
        f"Tick every item of the Definition of Done first. Still open: {dod[3].text}."
    ]
    assert not Acceptance.objects.exists()

    services.tick_done_item(actor=developer, story=finished, item=dod[3])
    acceptance = services.accept_story(actor=po, story=finished)
    assert (acceptance.story, acceptance.accepted_by) == (finished, po)
    (event,) = Event.objects.filter(verb="story.accepted")
    assert (event.object_id, event.actor, event.sprint_id) == (finished.pk, po, finished.sprint_id)


def test_accept_refuses_a_story_not_in_a_done_column(
    po: User, product: Product, active: Sprint, make_story: MakeStory, dod: list[ChecklistItem]
) -> None:
    story = make_story(sprint=active, status=status_of(product, StatusCategory.IN_PROGRESS))
    _tick_all(po, story, dod)
    with pytest.raises(ValidationError):
        services.accept_story(actor=po, story=story)


def test_without_a_definition_of_done_a_done_story_is_accepted_at_once(
    po: User, product: Product, finished: Story
) -> None:
    product.checklist.filter(kind=ChecklistKind.DONE).delete()
    services.accept_story(actor=po, story=finished)
    assert Acceptance.objects.filter(story=finished).exists()


def test_accept_refuses_a_story_accepted_already_and_its_ticks_are_settled(
    po: User, finished: Story, dod: list[ChecklistItem]
) -> None:
    _tick_all(po, finished, dod)
    services.accept_story(actor=po, story=finished)
    with pytest.raises(ValidationError):
        services.accept_story(actor=po, story=finished)
    with pytest.raises(ValidationError):
        services.untick_done_item(actor=po, story=finished, item=dod[0])
    assert DoneCheck.objects.count() == 4


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("scrum_master", PermissionDenied),
        ("developer", PermissionDenied),
        ("pm", PermissionDenied),
        ("stakeholder", PermissionDenied),
        ("other_team_po", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_only_the_po_accepts(
    request: pytest.FixtureRequest,
    finished: Story,
    dod: list[ChecklistItem],
    po: User,
    role: str,
    error: type[Exception],
) -> None:
    _tick_all(po, finished, dod)
    with pytest.raises(error):
        services.accept_story(actor=request.getfixturevalue(role), story=finished)


# Sending back


def test_reject_needs_a_comment(po: User, finished: Story) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.reject_story(actor=po, story=finished, comment="   ")
    assert list(excinfo.value.message_dict) == ["comment"]
    finished.refresh_from_db()
    assert finished.status.category == StatusCategory.DONE


def test_reject_sends_the_story_to_the_top_of_to_do_and_clears_its_definition_of_done(
    po: User,
    product: Product,
    active: Sprint,
    finished: Story,
    make_story: MakeStory,
    dod: list[ChecklistItem],
) -> None:
    waiting = make_story(sprint=active)
    _tick_all(po, finished, dod)
    services.accept_story(actor=po, story=finished)
    services.reject_story(actor=po, story=finished, comment=" The receipt e-mail is missing ")
    finished.refresh_from_db()
    todo = status_of(product, StatusCategory.TODO)
    assert finished.status == todo
    todo_column = list(active.stories.filter(status=todo).order_by("rank"))
    assert todo_column == [finished, waiting]
    assert not DoneCheck.objects.exists() and not Acceptance.objects.exists()
    moved = Event.objects.get(verb="story.moved")
    assert moved.after["status"] == todo.pk and moved.sprint_id == active.pk
    (event,) = Event.objects.filter(verb="story.rejected")
    assert event.after == {"comment": "The receipt e-mail is missing"}
    assert event.before == {"accepted": True} and event.actor == po


def test_reject_refuses_a_story_not_done(po: User, active: Sprint, make_story: MakeStory) -> None:
    with pytest.raises(ValidationError):
        services.reject_story(actor=po, story=make_story(sprint=active), comment="No")


def test_reject_refuses_a_story_of_a_closed_sprint(
    po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    closed = SprintFactory(team=team, state=SprintState.CLOSED)
    story = make_story(sprint=closed, status=status_of(product, StatusCategory.DONE))
    with pytest.raises(ValidationError):
        services.reject_story(actor=po, story=story, comment="Too late")


@pytest.mark.parametrize(
    ("role", "error"),
    [("scrum_master", PermissionDenied), ("developer", PermissionDenied), ("outsider", Http404)],
)
def test_only_the_po_sends_back(
    request: pytest.FixtureRequest, finished: Story, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.reject_story(actor=request.getfixturevalue(role), story=finished, comment="No")


# The board's cards


def _board(client: Client, product: Product, team: Team) -> str:
    return client.get(reverse("sprints:board", args=[product.slug, team.slug])).content.decode()


def _card(html: str, story: Story) -> str:
    start = html.rindex("<li", 0, html.index(f'id="story-{story.pk}"'))
    return html[start : html.index("</li>", html.index("card-actions", start))]


def test_a_done_card_shows_its_definition_of_done_progress_and_opens_the_panel(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    finished: Story,
    dod: list[ChecklistItem],
) -> None:
    _tick_all(developer, finished, dod[:2])
    client.force_login(developer)
    card = _card(_board(client, product, team), finished)
    panel = reverse("sprints:card", args=[product.slug, finished.pk])
    assert "DoD 2/4" in card
    assert f'href="{panel}"' in card and f'hx-get="{panel}"' in card
    # Without JavaScript the title still goes to the story page.
    story_page = reverse("backlog:story", args=[product.slug, finished.pk])
    assert f'hx-get="{panel}" hx-target="#card-panel"' in card
    assert f'href="{story_page}">Pay by card<' in card
    assert "Accepted" not in card


def test_an_accepted_card_says_so(
    client: Client, po: User, product: Product, team: Team, finished: Story, dod: list[Any]
) -> None:
    _tick_all(po, finished, dod)
    services.accept_story(actor=po, story=finished)
    client.force_login(po)
    card = _card(_board(client, product, team), finished)
    assert ">Accepted</span>" in card and "DoD 4/4" in card


def test_a_card_not_done_shows_no_definition_of_done(
    client: Client, po: User, product: Product, team: Team, active: Sprint, make_story: MakeStory
) -> None:
    story = make_story(sprint=active)
    client.force_login(po)
    assert "Definition of Done" not in _card(_board(client, product, team), story)


@pytest.mark.parametrize("cards", [4, 40])
def test_the_board_with_done_cards_costs_the_same_queries_whatever_its_size(
    client: Client,
    po: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
    dod: list[ChecklistItem],
    django_assert_num_queries: Any,
    cards: int,
) -> None:
    done = status_of(product, StatusCategory.DONE)
    for i in range(cards):
        story = make_story(sprint=active, status=done, points=2)
        if i % 4 == 3:
            _tick_all(po, story, dod)
            services.accept_story(actor=po, story=story)
        else:
            _tick_all(po, story, dod[: i % 4])
    client.force_login(po)
    with django_assert_num_queries(13):  # as many as the board without any done card
        html = client.get(reverse("sprints:board", args=[product.slug, team.slug])).content
    assert html.count(b">DoD 4/4<") == cards // 4
    assert html.count(b">DoD 2/4<") == cards // 4
    assert len(re.findall(rb">Accepted</span>", html)) == cards // 4


# The side panel


def test_the_panel_is_a_fragment_for_htmx_and_a_page_without_javascript(
    client: Client,
    developer: User,
    product: Product,
    finished: Story,
    dod: list[ChecklistItem],
) -> None:
    finished.description = "Customers **pay** at checkout."
    finished.acceptance_criteria = "- [x] Visa\n- [ ] Amex"
    finished.save()
    TaskFactory(story=finished, title="Wire the gateway", done=True)
    client.force_login(developer)
    url = reverse("sprints:card", args=[product.slug, finished.pk])
    fragment = client.get(url, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert html.lstrip().startswith('<dialog open class="card-panel"') and "<html" not in html
    assert "<strong>pay</strong>" in html and "Amex" in html and "Wire the gateway" in html
    for item in dod:
        assert item.text in html
    assert 'hx-target="#card-panel"' in html and 'method="dialog"' in html
    assert f'href="{reverse("backlog:story", args=[product.slug, finished.pk])}"' in html
    assert "HX-Request" in fragment["Vary"]
    page = client.get(url).content.decode()
    assert "<html" in page and '<section class="card card-detail"' in page
    assert 'method="dialog"' not in page


def test_the_panel_offers_acceptance_to_the_po_only(
    client: Client,
    po: User,
    developer: User,
    product: Product,
    finished: Story,
    dod: list[ChecklistItem],
) -> None:
    url = reverse("sprints:card", args=[product.slug, finished.pk])
    accept = reverse("sprints:story_accept", args=[product.slug, finished.pk])
    client.force_login(developer)
    assert accept not in client.get(url).content.decode()
    client.force_login(po)
    html = client.get(url).content.decode()
    assert f'action="{accept}"' in html
    assert "Every item of the Definition of Done must be ticked first." in html
    assert re.search(r'id="accept-\d+" disabled', html)


def test_ticking_from_the_panel_answers_the_panel_and_redraws_the_board(
    client: Client, developer: User, product: Product, finished: Story, dod: list[Any]
) -> None:
    client.force_login(developer)
    url = reverse("sprints:done_item", args=[product.slug, finished.pk, dod[0].pk])
    response = client.post(url, {"done": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger"] == "board-changed"
    assert f'id="dod-{finished.pk}-{dod[0].pk}" aria-pressed="true"' in response.content.decode()
    response = client.post(url, {"done": "0"}, headers={"HX-Request": "true"})
    assert 'aria-pressed="true"' not in response.content.decode()
    assert not DoneCheck.objects.exists()


def test_ticking_without_javascript_comes_back_to_the_panel_page(
    client: Client, developer: User, product: Product, finished: Story, dod: list[Any]
) -> None:
    client.force_login(developer)
    url = reverse("sprints:done_item", args=[product.slug, finished.pk, dod[0].pk])
    response = client.post(url, {"done": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("sprints:card", args=[product.slug, finished.pk])


def test_accepting_too_early_is_refused_with_422_and_the_reason(
    client: Client, po: User, product: Product, finished: Story, dod: list[Any]
) -> None:
    client.force_login(po)
    url = reverse("sprints:story_accept", args=[product.slug, finished.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Tick every item of the Definition of Done first." in response.content.decode()
    assert client.post(url).status_code == 422


def test_accepting_from_the_panel(
    client: Client, po: User, product: Product, finished: Story, dod: list[Any]
) -> None:
    _tick_all(po, finished, dod)
    client.force_login(po)
    url = reverse("sprints:story_accept", args=[product.slug, finished.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger"] == "board-changed"
    assert "<strong>Accepted</strong>" in response.content.decode()


def test_sending_back_from_the_panel_needs_a_comment_and_shows_it_after(
    client: Client, po: User, product: Product, finished: Story
) -> None:
    client.force_login(po)
    url = reverse("sprints:story_reject", args=[product.slug, finished.pk])
    response = client.post(url, {"comment": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Say why the story goes back." in response.content.decode()
    response = client.post(url, {"comment": "No receipt"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "Sent back by po" in html and "No receipt" in html
    assert Story.objects.get(pk=finished.pk).status.category == StatusCategory.TODO


# Who may do what


def _tick(c: Client, w: dict[str, Any]) -> Any:
    url = reverse("sprints:done_item", args=[w["slug"], w["story"].pk, w["item"].pk])
    return c.post(url, {"done": "1"}, headers={"HX-Request": "true"})


def _accept(c: Client, w: dict[str, Any]) -> Any:
    url = reverse("sprints:story_accept", args=[w["slug"], w["ready"].pk])
    return c.post(url, headers={"HX-Request": "true"})


def _reject(c: Client, w: dict[str, Any]) -> Any:
    url = reverse("sprints:story_reject", args=[w["slug"], w["story"].pk])
    return c.post(url, {"comment": "Not yet"}, headers={"HX-Request": "true"})


WRITES = {
    "tick": (_tick, TEAM, "done_item.ticked"),
    "accept": (_accept, PO, "story.accepted"),
    "reject": (_reject, PO, "story.rejected"),
}


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_answer_of_the_matrix(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    active: Sprint,
    finished: Story,
    make_story: MakeStory,
    dod: list[ChecklistItem],
    role: str,
    action: str,
) -> None:
    ready = make_story(sprint=active, status=status_of(product, StatusCategory.DONE))
    for item in dod:
        DoneCheck.objects.create(story=ready, item=item)
    world = {"slug": product.slug, "story": finished, "ready": ready, "item": dod[0]}
    write, allowed, verb = WRITES[action]
    client.force_login(request.getfixturevalue(role))
    response = write(client, world)
    expected = 200 if role in allowed else 404 if role == "outsider" else 403
    assert response.status_code == expected
    assert Event.objects.filter(verb=verb).exists() is (role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_every_member_opens_the_panel(
    request: pytest.FixtureRequest, client: Client, product: Product, finished: Story, role: str
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("sprints:card", args=[product.slug, finished.pk]))
    assert response.status_code == (404 if role == "outsider" else 200)

"""Impediments: flagged on a card by anyone in the team, resolved later; through the services
and through the board's forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog.models import Sprint, SprintState, Story
from backlog.readiness import check_ready
from core import clock
from core.models import Event
from products.models import ChecklistKind, ChecklistRule, Product, Team
from sprints import services
from sprints.models import Impediment
from tests.conftest import MakeStory, violates
from tests.products.factories import ProductFactory
from tests.sprints.factories import SprintFactory

MONDAY_NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)

# Anyone in the team moves its cards, so anyone in the team flags and resolves.
MATRIX = [
    ("po", None),
    ("scrum_master", None),
    ("developer", None),
    ("superuser", None),
    ("pm", PermissionDenied),
    ("stakeholder", PermissionDenied),
    ("other_team_developer", PermissionDenied),
    ("other_team_po", PermissionDenied),
    ("outsider", Http404),
]


@pytest.fixture
def active(team: Team) -> Sprint:
    return SprintFactory(team=team, name="Sprint 3", state=SprintState.ACTIVE)


@pytest.fixture
def story(active: Sprint, make_story: MakeStory) -> Story:
    return make_story(title="Pay by card", sprint=active)


@pytest.fixture
def impediment(developer: User, story: Story) -> Impediment:
    return services.flag_impediment(actor=developer, story=story, reason="No API keys")


# flag_impediment


def test_flag_impediment_opens_one_on_the_story_its_team_and_sprint(
    developer: User, team: Team, active: Sprint, story: Story
) -> None:
    with clock.at(MONDAY_NOON):
        impediment = services.flag_impediment(
            actor=developer, story=story, reason="  Waiting for the bank  "
        )
    assert (impediment.team, impediment.sprint, impediment.story) == (team, active, story)
    assert (impediment.reason, impediment.opened_by) == ("Waiting for the bank", developer)
    assert impediment.opened_at == MONDAY_NOON and impediment.is_open
    (event,) = Event.objects.filter(verb="impediment.opened")
    assert (event.object_type, event.object_id) == ("impediment", impediment.pk)
    assert (event.sprint_id, event.team_id, event.actor) == (active.pk, team.pk, developer)
    assert event.after == {"story": story.pk, "reason": "Waiting for the bank"}


@pytest.mark.parametrize(("role", "refusal"), MATRIX)
def test_flag_impediment_is_for_anyone_in_the_team(
    request: pytest.FixtureRequest, story: Story, role: str, refusal: type[Exception] | None
) -> None:
    user: User = request.getfixturevalue(role)
    if refusal is None:
        assert services.flag_impediment(actor=user, story=story, reason="Blocked").is_open
    else:
        with pytest.raises(refusal):
            services.flag_impediment(actor=user, story=story, reason="Blocked")
        assert (
            not Impediment.objects.exists()
            and not Event.objects.filter(verb="impediment.opened").exists()
        )


def test_flag_impediment_needs_a_reason(developer: User, story: Story) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.flag_impediment(actor=developer, story=story, reason="   ")
    assert excinfo.value.message_dict == {"reason": ["Say what blocks the story."]}
    assert not Impediment.objects.exists()


def test_flag_impediment_refuses_a_story_of_no_team(po: User, make_story: MakeStory) -> None:
    with pytest.raises(ValidationError):
        services.flag_impediment(actor=po, story=make_story(team=None), reason="Blocked")


def test_a_story_in_the_backlog_may_be_flagged_with_no_sprint(
    developer: User, make_story: MakeStory
) -> None:
    impediment = services.flag_impediment(actor=developer, story=make_story(), reason="Later")
    assert impediment.sprint is None
    assert Event.objects.get(verb="impediment.opened").sprint_id is None


def test_an_open_impediment_fails_the_definition_of_ready(
    developer: User, story: Story, product: Product
) -> None:
    """backlog.readiness reads ``Story.blocked``, which the impediment services keep."""
    items = list(product.checklist.filter(kind=ChecklistKind.READY))
    rule = ChecklistRule.NO_OPEN_BLOCKER

    def met() -> bool | None:
        story.refresh_from_db()
        return next(c.met for c in check_ready(story, items) if c.item.rule == rule)

    assert met() is True
    impediment = services.flag_impediment(actor=developer, story=story, reason="Blocked")
    assert met() is False
    services.resolve_impediment(actor=developer, impediment=impediment, note="")
    assert met() is True


def test_a_story_stays_blocked_while_any_of_its_impediments_is_open(
    developer: User, story: Story, make_story: Any
) -> None:
    other = make_story(team=story.team, sprint=story.sprint)
    first = services.flag_impediment(actor=developer, story=story, reason="No keys")
    second = services.flag_impediment(actor=developer, story=story, reason="No test data")
    services.resolve_impediment(actor=developer, impediment=first)
    story.refresh_from_db()
    assert story.blocked
    # Rewording the blocker onto another story unblocks this one and blocks the other.
    services.reword_impediment(actor=developer, impediment=second, reason="No data", story=other)
    story.refresh_from_db()
    other.refresh_from_db()
    assert (story.blocked, other.blocked) == (False, True)


# resolve_impediment


def test_resolve_impediment_closes_it_with_a_note_and_an_event(
    scrum_master: User, impediment: Impediment, active: Sprint
) -> None:
    with clock.at(MONDAY_NOON):
        services.resolve_impediment(
            actor=scrum_master, impediment=impediment, note=" The bank sent them "
        )
    impediment.refresh_from_db()
    assert (impediment.resolved_at, impediment.resolved_by) == (MONDAY_NOON, scrum_master)
    assert impediment.resolution_note == "The bank sent them" and not impediment.is_open
    assert not Impediment.objects.open().exists()
    (event,) = Event.objects.filter(verb="impediment.resolved")
    assert (event.object_id, event.sprint_id, event.actor) == (
        impediment.pk,
        active.pk,
        scrum_master,
    )
    assert event.after == {
        "resolved": True,
        "story": impediment.story_id,
        "note": "The bank sent them",
    }


@pytest.mark.parametrize(("role", "refusal"), MATRIX)
def test_resolve_impediment_is_for_anyone_in_the_team(
    request: pytest.FixtureRequest,
    impediment: Impediment,
    role: str,
    refusal: type[Exception] | None,
) -> None:
    user: User = request.getfixturevalue(role)
    if refusal is None:
        assert not services.resolve_impediment(actor=user, impediment=impediment).is_open
    else:
        with pytest.raises(refusal):
            services.resolve_impediment(actor=user, impediment=impediment)
        impediment.refresh_from_db()
        assert impediment.is_open
        assert not Event.objects.filter(verb="impediment.resolved").exists()


def test_resolve_impediment_refuses_one_already_resolved(
    developer: User, po: User, impediment: Impediment
) -> None:
    services.resolve_impediment(actor=developer, impediment=impediment, note="Done")
    stale = Impediment.objects.get(pk=impediment.pk)
    stale.resolved_at = stale.resolved_by = None  # as another tab still shows it
    with pytest.raises(ValidationError):
        services.resolve_impediment(actor=po, impediment=stale, note="Me too")
    impediment.refresh_from_db()
    assert (impediment.resolved_by, impediment.resolution_note) == (developer, "Done")
    assert Event.objects.filter(verb="impediment.resolved").count() == 1


# The constraint


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"resolved_at": MONDAY_NOON},
        {"resolved_by": "developer"},
        {"resolution_note": "Solved, but never resolved"},
        {"resolved_by": "developer", "resolution_note": "No time"},
    ],
)
def test_an_impediment_is_resolved_with_time_and_person_or_neither(
    request: pytest.FixtureRequest, team: Team, fields: dict[str, Any]
) -> None:
    if "resolved_by" in fields:
        fields["resolved_by"] = request.getfixturevalue(fields["resolved_by"])
    with violates("sprints_impediment_resolved_together"):
        Impediment.objects.create(team=team, reason="Blocked", **fields)


@pytest.mark.django_db
def test_open_and_resolved_impediments_satisfy_the_constraint(team: Team, developer: User) -> None:
    Impediment.objects.create(team=team, reason="Open")
    Impediment.objects.create(
        team=team, reason="Closed", resolved_at=MONDAY_NOON, resolved_by=developer
    )
    assert Impediment.objects.open().get().reason == "Open"


# Through the board's forms


def _flag_url(product: Product, story: Story) -> str:
    return reverse("sprints:impediment_flag", args=[product.slug, story.pk])


def _resolve_url(product: Product, impediment: Impediment) -> str:
    return reverse("sprints:impediment_resolve", args=[product.slug, impediment.pk])


def _board(product: Product, team: Team) -> str:
    return reverse("sprints:board", args=[product.slug, team.slug])


def test_the_flag_form_without_javascript_returns_to_the_board(
    client: Client, developer: User, product: Product, team: Team, story: Story
) -> None:
    client.force_login(developer)
    back = _board(product, team) + "?mine=on"
    response = client.post(_flag_url(product, story), {"reason": "No keys", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert story.impediments.get().reason == "No keys"


def test_the_flag_form_ignores_a_next_url_on_another_site(
    client: Client, developer: User, product: Product, team: Team, story: Story
) -> None:
    client.force_login(developer)
    response = client.post(
        _flag_url(product, story), {"reason": "No keys", "next": "https://evil.example/"}
    )
    assert response["Location"] == _board(product, team)


def test_the_flag_form_from_htmx_answers_the_card(
    client: Client, developer: User, product: Product, story: Story
) -> None:
    client.force_login(developer)
    response = client.post(
        _flag_url(product, story), {"reason": "No keys"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<li class="board-card is-blocked"') and "<html" not in html
    assert "No keys" in html and "data-can-move" in html


def test_an_empty_reason_gets_422_with_the_card_and_its_error(
    client: Client, developer: User, product: Product, team: Team, story: Story
) -> None:
    client.force_login(developer)
    response = client.post(
        _flag_url(product, story), {"reason": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html and '<details class="card-action" open>' in html
    page = client.post(_flag_url(product, story), {"reason": ""})
    assert page.status_code == 422 and 'id="board"' in page.content.decode()
    assert "This field is required." in page.content.decode()
    assert not Impediment.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("pm", 403), ("stakeholder", 403), ("other_team_developer", 403), ("outsider", 404)],
)
def test_the_forms_refuse_those_outside_the_team(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    story: Story,
    impediment: Impediment,
    role: str,
    status: int,
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.post(_flag_url(product, story), {"reason": "x"}).status_code == status
    assert client.post(_resolve_url(product, impediment), {"note": ""}).status_code == status
    assert Impediment.objects.get().is_open and Impediment.objects.count() == 1


def test_the_resolve_form_closes_the_impediment_and_redraws_the_card(
    client: Client, po: User, product: Product, team: Team, impediment: Impediment
) -> None:
    client.force_login(po)
    response = client.post(
        _resolve_url(product, impediment), {"note": "Keys came"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "is-blocked" not in html and "No API keys" not in html
    impediment.refresh_from_db()
    assert impediment.resolution_note == "Keys came" and impediment.resolved_by == po

    again = client.post(
        _resolve_url(product, impediment), {"note": "", "next": _board(product, team)}
    )
    assert again.status_code == 422
    assert "This impediment is already resolved." in again.content.decode()


def test_the_resolve_form_without_javascript_returns_to_the_board(
    client: Client, developer: User, product: Product, team: Team, impediment: Impediment
) -> None:
    client.force_login(developer)
    response = client.post(_resolve_url(product, impediment), {"note": ""})
    assert response.status_code == 302 and response["Location"] == _board(product, team)
    assert not Impediment.objects.open().exists()


def test_an_impediment_is_found_only_under_its_own_product(
    client: Client, superuser: User, impediment: Impediment
) -> None:
    other = ProductFactory()
    client.force_login(superuser)
    url = reverse("sprints:impediment_resolve", args=[other.slug, impediment.pk])
    assert client.post(url, {"note": ""}).status_code == 404

"""Completed means accepted by the Product Owner (sprints/completion.py): what closing a
sprint stores and asks about the done stories not accepted, the board's move that
withdraws an acceptance, and every figure of completed work agreeing on one sprint."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from backlog import forecast
from backlog import services as backlog
from backlog.models import Sprint, SprintState, Story
from core import clock
from core.models import Event
from products.models import Product, StatusCategory, Team
from sprints import charts, completion, services
from sprints.models import Acceptance
from sprints.services.acceptance import done_items
from tests.conftest import MakeStory
from tests.products.factories import status_of
from tests.sprints.factories import SprintFactory, accept

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
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


@pytest.fixture
def closing(
    po: User, developer: User, product: Product, team: Team, sprint: Sprint, make_story: MakeStory
) -> dict[str, Any]:
    """Sprint 1, started on Monday with four stories: Accepted (5, done and accepted),
    Waiting (3, done, Definition of Done all ticked, not accepted), Unticked (2, done,
    nothing ticked) and Open (1, to do). Sprint 2 is planned after it."""
    done = status_of(product, StatusCategory.DONE)
    stories = {
        title: make_story(title=title, points=points)
        for title, points in (("Accepted", 5), ("Waiting", 3), ("Unticked", 2), ("Open", 1))
    }
    with clock.at(MONDAY - dt.timedelta(days=1)):
        for story in stories.values():
            services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    with clock.at(MONDAY):
        services.start_sprint(actor=po, sprint=sprint)
    with clock.at(MONDAY + dt.timedelta(days=3)):
        for title in ("Accepted", "Waiting", "Unticked"):
            backlog.move_story(actor=developer, story=stories[title], status=done)
        accept(po, stories["Accepted"])
        waiting = Story.objects.get(pk=stories["Waiting"].pk)
        for item in done_items(waiting):
            services.tick_done_item(actor=developer, story=waiting, item=item)
    following = SprintFactory(team=team, name="Sprint 2", start_date=dt.date(2026, 3, 16))
    return {
        "sprint": Sprint.objects.get(pk=sprint.pk),
        "next": following,
        **{title: Story.objects.get(pk=s.pk) for title, s in stories.items()},
    }


def _close(actor: User, c: dict[str, Any], **kwargs: Any) -> Sprint:
    with clock.at(MONDAY + dt.timedelta(days=13)):
        return services.close_sprint(actor=actor, sprint=c["sprint"], **kwargs)


def _untouched(c: dict[str, Any]) -> None:
    """Nothing was written: the sprint is active, its stories where they were."""
    sprint = Sprint.objects.get(pk=c["sprint"].pk)
    assert sprint.state == SprintState.ACTIVE and sprint.completed_points is None
    assert not Event.objects.filter(verb="sprint.closed").exists()
    assert set(Acceptance.objects.values_list("story_id", flat=True)) == {c["Accepted"].pk}
    assert sprint.stories.count() == 4


# The definition


def test_completed_means_accepted_and_still_in_a_done_column(closing: dict[str, Any]) -> None:
    stories = Story.objects.filter(sprint=closing["sprint"])
    assert list(completion.completed(stories)) == [closing["Accepted"]]
    assert {s.title for s in completion.done_not_accepted(stories)} == {"Waiting", "Unticked"}
    read = list(stories.select_related("status", "acceptance"))
    assert completion.points(read) == 5
    # An acceptance left on a story out of the done columns does not count.
    todo = status_of(closing["Accepted"].product, StatusCategory.TODO)
    Story.objects.filter(pk=closing["Accepted"].pk).update(status=todo)
    assert not completion.completed(stories).exists()


# close_sprint


def test_closing_counts_only_the_accepted_stories(po: User, closing: dict[str, Any]) -> None:
    c = closing
    unaccepted = {c["Waiting"].pk: "carry_over", c["Unticked"].pk: "backlog"}
    sprint = _close(po, c, carry_over_to=c["next"], unaccepted=unaccepted)
    sprint.refresh_from_db()
    assert sprint.completed_points == 5
    assert sprint.report is not None
    assert [r["title"] for r in sprint.report["completed"]["stories"]] == ["Accepted"]
    assert [r["title"] for r in sprint.report["not_accepted"]["stories"]] == [
        "Waiting",
        "Unticked",
    ]
    assert [r["title"] for r in sprint.report["carried_over"]["stories"]] == ["Waiting", "Open"]
    assert [r["title"] for r in sprint.report["returned"]["stories"]] == ["Unticked"]
    (event,) = Event.objects.filter(verb="sprint.closed")
    assert event.after["completed_points"] == 5
    assert event.after["not_accepted"] == {
        str(c["Waiting"].pk): "carry_over",
        str(c["Unticked"].pk): "backlog",
    }


def test_a_story_carried_over_keeps_its_column_and_one_returned_goes_to_the_first_to_do(
    po: User, product: Product, closing: dict[str, Any]
) -> None:
    c = closing
    unaccepted = {c["Waiting"].pk: "carry_over", c["Unticked"].pk: "backlog"}
    _close(po, c, carry_over_to=c["next"], unaccepted=unaccepted)
    waiting, unticked = (Story.objects.get(pk=c[t].pk) for t in ("Waiting", "Unticked"))
    assert waiting.sprint == c["next"] and waiting.status.category == StatusCategory.DONE
    assert unticked.sprint is None and unticked.status == status_of(product, StatusCategory.TODO)
    assert Story.objects.get(pk=c["Open"].pk).sprint == c["next"]
    first = Story.objects.filter(product=product, sprint__isnull=True).order_by("rank").first()
    assert first == unticked


def test_the_po_accepts_a_story_at_close_and_it_counts(po: User, closing: dict[str, Any]) -> None:
    c = closing
    sprint = _close(po, c, unaccepted={c["Waiting"].pk: "accept", c["Unticked"].pk: "backlog"})
    assert sprint.completed_points == 8
    assert Acceptance.objects.filter(story=c["Waiting"]).exists()
    (event,) = Event.objects.filter(verb="sprint.closed")
    assert event.after["accepted_at_close"] == [c["Waiting"].pk]
    assert event.after["done"] == [c["Accepted"].pk, c["Waiting"].pk]


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "stray story",
        "accepted story",
        "bad choice",
        "not a number",
        "carry over to no sprint",
        "accept unticked",
    ],
)
def test_closing_refuses_a_bad_choice_and_writes_nothing(
    po: User, closing: dict[str, Any], case: str
) -> None:
    c = closing
    waiting, unticked = c["Waiting"].pk, c["Unticked"].pk
    unaccepted: dict[Any, str] = {
        "missing": {waiting: "backlog"},
        "stray story": {waiting: "backlog", unticked: "backlog", c["Open"].pk: "backlog"},
        "accepted story": {waiting: "backlog", unticked: "backlog", c["Accepted"].pk: "backlog"},
        "bad choice": {waiting: "backlog", unticked: "delete"},
        "not a number": {waiting: "backlog", unticked: "backlog", "x": "backlog"},
        "carry over to no sprint": {waiting: "carry_over", unticked: "backlog"},
        "accept unticked": {waiting: "accept", unticked: "accept"},
    }[case]
    with pytest.raises(ValidationError):
        _close(po, c, unaccepted=unaccepted)
    _untouched(c)


def test_only_the_product_owner_accepts_at_close(
    scrum_master: User, closing: dict[str, Any]
) -> None:
    c = closing
    with pytest.raises(ValidationError, match="Only the Product Owner accepts a story"):
        _close(scrum_master, c, unaccepted={c["Waiting"].pk: "accept", c["Unticked"].pk: "backlog"})
    _untouched(c)
    # The Scrum Master closes all the same, choosing another way.
    sprint = _close(
        scrum_master, c, unaccepted={c["Waiting"].pk: "backlog", c["Unticked"].pk: "backlog"}
    )
    assert sprint.completed_points == 5


# The close page


def _close_url(product: Product, sprint: Sprint) -> str:
    return reverse("sprints:sprint_close", args=[product.slug, sprint.pk])


def _choices(html: str, story: Story) -> list[str]:
    return re.findall(rf'name="unaccepted_{story.pk}" value="(\w+)"', html)


def test_the_close_page_asks_about_each_done_story_not_accepted(
    client: Client, po: User, product: Product, closing: dict[str, Any]
) -> None:
    c = closing
    client.force_login(po)
    response = client.get(_close_url(product, c["sprint"]))
    html = response.content.decode()
    assert [s.title for s in response.context["done"]] == ["Accepted"]
    assert [s.title for s in response.context["pending"]] == ["Waiting", "Unticked"]
    assert "Completed = accepted by the Product Owner." in html
    assert "Done, not accepted: 2 stories" in html
    # Accepting is offered only where the Definition of Done is all ticked.
    assert _choices(html, c["Waiting"]) == ["accept", "carry_over", "backlog"]
    assert _choices(html, c["Unticked"]) == ["carry_over", "backlog"]
    assert _choices(html, c["Accepted"]) == [] and _choices(html, c["Open"]) == []


def test_the_close_page_offers_no_acceptance_to_the_scrum_master(
    client: Client, scrum_master: User, product: Product, closing: dict[str, Any]
) -> None:
    client.force_login(scrum_master)
    html = client.get(_close_url(product, closing["sprint"])).content.decode()
    assert _choices(html, closing["Waiting"]) == ["carry_over", "backlog"]


def test_closing_from_the_page_accepts_carries_over_and_returns(
    client: Client, po: User, product: Product, closing: dict[str, Any]
) -> None:
    c = closing
    client.force_login(po)
    response = client.post(
        _close_url(product, c["sprint"]),
        {
            "goal_met": "yes",
            "carry_over_to": c["next"].pk,
            f"unaccepted_{c['Waiting'].pk}": "accept",
            f"unaccepted_{c['Unticked'].pk}": "carry_over",
        },
    )
    assert response.status_code == 302
    sprint = Sprint.objects.get(pk=c["sprint"].pk)
    assert sprint.state == SprintState.CLOSED and sprint.completed_points == 8
    assert set(c["next"].stories.values_list("title", flat=True)) == {"Unticked", "Open"}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "Choose what happens to this story."),
        ("bad choice", "Select a valid choice."),
        ("carry over to no sprint", "Choose the planned sprint it goes to"),
        ("accept unticked", "Select a valid choice."),
    ],
)
def test_a_bad_choice_on_the_close_page_answers_422_and_writes_nothing(
    client: Client,
    po: User,
    product: Product,
    closing: dict[str, Any],
    case: str,
    message: str,
) -> None:
    c = closing
    waiting, unticked = f"unaccepted_{c['Waiting'].pk}", f"unaccepted_{c['Unticked'].pk}"
    data = {
        "missing": {waiting: "backlog"},
        "bad choice": {waiting: "backlog", unticked: "delete"},
        "carry over to no sprint": {waiting: "backlog", unticked: "carry_over"},
        "accept unticked": {waiting: "backlog", unticked: "accept"},
    }[case]
    client.force_login(po)
    response = client.post(_close_url(product, c["sprint"]), {"goal_met": "no", **data})
    assert response.status_code == 422
    assert message in response.content.decode()
    _untouched(c)


# The API


def _api_close(api: APIClient, c: dict[str, Any], **data: Any) -> Any:
    return api.post(f"/api/v1/sprints/{c['sprint'].pk}/close/", data, format="json")


def test_the_api_closes_with_a_choice_per_story(po: User, closing: dict[str, Any]) -> None:
    c = closing
    api = APIClient()
    api.force_authenticate(po)
    response = _api_close(
        api,
        c,
        goal_met=True,
        carry_over_to=c["next"].pk,
        unaccepted={str(c["Waiting"].pk): "accept", str(c["Unticked"].pk): "carry_over"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["completed_points"] == 8
    assert set(c["next"].stories.values_list("title", flat=True)) == {"Unticked", "Open"}


@pytest.mark.parametrize("case", ["missing", "bad choice", "accept unticked", "no sprint"])
def test_the_api_refuses_a_bad_choice_with_400_and_writes_nothing(
    po: User, closing: dict[str, Any], case: str
) -> None:
    c = closing
    waiting, unticked = str(c["Waiting"].pk), str(c["Unticked"].pk)
    unaccepted = {
        "missing": {waiting: "backlog"},
        "bad choice": {waiting: "backlog", unticked: "delete"},
        "accept unticked": {waiting: "backlog", unticked: "accept"},
        "no sprint": {waiting: "carry_over", unticked: "backlog"},
    }[case]
    api = APIClient()
    api.force_authenticate(po)
    response = _api_close(api, c, goal_met=False, unaccepted=unaccepted)
    assert response.status_code == 400, response.json()
    _untouched(c)


# The board's move: an accepted card leaving the done columns


def test_moving_an_accepted_card_out_of_done_withdraws_the_acceptance(
    developer: User, product: Product, closing: dict[str, Any]
) -> None:
    story = closing["Accepted"]
    doing = status_of(product, StatusCategory.IN_PROGRESS)
    services.move_card(actor=developer, story=story, status=doing)
    assert not Acceptance.objects.filter(story=story).exists()
    (event,) = Event.objects.filter(verb="story.acceptance_withdrawn")
    assert event.object_id == story.pk and event.sprint_id == closing["sprint"].pk
    assert event.before["accepted"] is True
    # Back in Done it waits for the PO again.
    done = status_of(product, StatusCategory.DONE)
    services.move_card(actor=developer, story=story, status=done)
    assert not completion.completed(Story.objects.filter(pk=story.pk)).exists()


@pytest.mark.parametrize("path", ["service", "api"])
def test_an_acceptance_of_an_earlier_pass_through_done_counts_for_nothing(
    po: User, developer: User, product: Product, closing: dict[str, Any], path: str
) -> None:
    # The API's and the story page's move are backlog's move_story, which can't withdraw
    # an acceptance (it sits above): out of Done and back in, the story waits for the PO.
    story = closing["Accepted"]
    doing = status_of(product, StatusCategory.IN_PROGRESS)
    done = status_of(product, StatusCategory.DONE)
    for status, days in ((doing, 4), (done, 5)):
        with clock.at(MONDAY + dt.timedelta(days=days)):
            if path == "service":
                backlog.move_story(actor=developer, story=story, status=status)
            else:
                client = APIClient()
                client.force_authenticate(developer)
                url = f"/api/v1/stories/{story.pk}/move/"
                assert client.post(url, {"status": status.pk}).status_code == 200
    stories = Story.objects.filter(pk=story.pk)
    assert not completion.completed(stories).exists()
    assert completion.done_not_accepted(stories).exists()
    assert not completion.is_completed(
        Story.objects.select_related("status", "acceptance").get(pk=story.pk)
    )
    # Its Definition of Done is open again, and the PO accepts it anew.
    with clock.at(MONDAY + dt.timedelta(days=6)):
        services.accept_story(actor=po, story=Story.objects.get(pk=story.pk))
    assert completion.completed(stories).exists()
    assert Acceptance.objects.filter(story=story).count() == 1


def test_a_move_within_the_done_columns_keeps_the_story_done_since_it_came_in(
    developer: User, product: Product, closing: dict[str, Any]
) -> None:
    story = Story.objects.get(pk=closing["Accepted"].pk)
    came_in = story.done_at
    assert came_in is not None
    backlog.move_story(actor=developer, story=story, after=closing["Unticked"])
    assert Story.objects.get(pk=story.pk).done_at == came_in
    assert completion.completed(Story.objects.filter(pk=story.pk)).exists()


def test_reordering_an_accepted_card_inside_done_keeps_the_acceptance(
    developer: User, closing: dict[str, Any]
) -> None:
    story = closing["Accepted"]
    services.move_card(actor=developer, story=story, after=closing["Unticked"])
    assert Acceptance.objects.filter(story=story).exists()
    assert not Event.objects.filter(verb="story.acceptance_withdrawn").exists()


@pytest.mark.parametrize("role", ["stakeholder", "other_team_developer", "outsider"])
def test_move_card_refuses_who_may_not_move_cards_and_writes_nothing(
    request: pytest.FixtureRequest, product: Product, closing: dict[str, Any], role: str
) -> None:
    story = closing["Accepted"]
    doing = status_of(product, StatusCategory.IN_PROGRESS)
    with pytest.raises((PermissionDenied, Http404)):
        services.move_card(actor=request.getfixturevalue(role), story=story, status=doing)
    assert Acceptance.objects.filter(story=story).exists()
    assert Story.objects.get(pk=story.pk).status.category == StatusCategory.DONE


@pytest.mark.parametrize("role", ROLES)
def test_the_boards_move_form_withdraws_the_acceptance_for_the_team_only(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    closing: dict[str, Any],
    role: str,
) -> None:
    story = closing["Accepted"]
    doing = status_of(product, StatusCategory.IN_PROGRESS)
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("sprints:card_move", args=[product.slug, story.pk]),
        {"status": doing.pk, "next": "/board/"},
    )
    allowed = role in {"po", "scrum_master", "developer", "superuser"}
    assert response.status_code == (302 if allowed else 404 if role == "outsider" else 403)
    assert Acceptance.objects.filter(story=story).exists() is not allowed


def test_the_boards_move_form_refuses_a_foreign_status_with_422(
    client: Client, developer: User, product: Product, closing: dict[str, Any]
) -> None:
    client.force_login(developer)
    response = client.post(
        reverse("sprints:card_move", args=[product.slug, closing["Accepted"].pk]),
        {"status": 10**6},
    )
    assert response.status_code == 422
    assert Acceptance.objects.filter(story=closing["Accepted"]).exists()


def test_a_done_card_shows_its_definition_of_done_as_a_compact_badge(
    client: Client, developer: User, product: Product, team: Team, closing: dict[str, Any]
) -> None:
    client.force_login(developer)
    html = client.get(reverse("sprints:board", args=[product.slug, team.slug])).content.decode()
    assert re.search(r'class="badge card-dod is-done"[^>]*>DoD 4/4</a>', html, re.S)
    assert re.search(r'class="badge card-dod"[^>]*>DoD 0/4</a>', html, re.S)
    assert "Definition of Done: 0 of 4 ticked" in html


# One sprint, every figure


def test_the_report_velocity_overview_and_forecast_agree_on_a_closed_sprint(
    client: Client,
    pm: User,
    po: User,
    product: Product,
    team: Team,
    closing: dict[str, Any],
) -> None:
    """Accepted (5) is completed; Waiting and Unticked (done, not accepted: 5) and Open
    (to do: 1) are not. Every page and figure says 5."""
    c = closing
    client.force_login(pm)
    # While the sprint runs: the overview's progress and burndown, the sprint page.
    overview = client.get(reverse("sprints:product_overview", args=[product.slug]))
    html = overview.content.decode()
    assert "1 of 4 stories accepted" in html and "5 / 11 points" in html
    assert "6 of 11 committed points remain" in html
    page = client.get(reverse("sprints:sprint", args=[product.slug, c["sprint"].pk]))
    assert page.context["totals"]["done"] == 5

    unaccepted = {c["Waiting"].pk: "carry_over", c["Unticked"].pk: "carry_over"}
    sprint = _close(po, c, carry_over_to=c["next"], unaccepted=unaccepted)
    sprint.refresh_from_db()
    assert sprint.report is not None

    report = sprint.report["completed"]["points"]
    velocity = charts.velocity(team)
    (bar,) = velocity.bars
    measured = forecast.velocity(product, team.pk)
    burndown = charts.burndown(sprint, clock.today())
    assert report == sprint.completed_points == bar.sprint.completed_points == 5
    assert velocity.average == measured == forecast.completed_points(product)[team.pk][0] == 5
    assert burndown.committed - (burndown.latest or 0) == 5

    html = client.get(reverse("sprints:sprint", args=[product.slug, sprint.pk])).content.decode()
    assert '<th scope="row">Completed</th><td class="num">1</td><td class="num">5</td>' in html
    assert "Completed = accepted by the Product Owner." in html
    team_page = client.get(reverse("sprints:team", args=[product.slug, team.slug]))
    assert f"<title>{sprint.name}: 5</title>" in team_page.content.decode()

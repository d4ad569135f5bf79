"""Sprint planning: the forecast capacity and the members' days off, the planning page with
the team's backlog slice beside the sprint, its moves, goal and availability forms, who may
do what there, and its cost in queries."""

from __future__ import annotations

import datetime as dt
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
from products.models import Product, StatusCategory, Team
from sprints import services
from sprints.capacity import capacity
from sprints.models import MemberAvailability
from tests.conftest import MakeStory, violates
from tests.products.factories import status_of
from tests.sprints.factories import SPRINT_START, SprintFactory

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
PLANNERS = {"po", "scrum_master", "superuser"}


def _expected(role: str, allowed: set[str], ok: int) -> int:
    if role in allowed:
        return ok
    return 404 if role == "outsider" else 403


def _plan_url(product: Product, sprint: Sprint) -> str:
    return reverse("sprints:sprint_plan", args=[product.slug, sprint.pk])


def _closed(team: Team, completed: int, weeks_ago: int) -> Sprint:
    start = SPRINT_START - dt.timedelta(weeks=2 * weeks_ago)
    return SprintFactory(
        team=team,
        name=f"Closed {weeks_ago}",
        state=SprintState.CLOSED,
        start_date=start,
        committed_points=completed,
        completed_points=completed,
    )


@pytest.fixture
def crew(po: User, scrum_master: User, developer: User) -> list[User]:
    """The team's three members: its PO, Scrum Master and Developer."""
    return [po, scrum_master, developer]


# Capacity


def test_working_days_follow_the_teams_working_week(team: Team, sprint: Sprint) -> None:
    assert sprint.working_days == 10  # two weeks from a Monday, Monday to Friday
    team.working_days = [1, 2, 3, 4]
    team.save()
    sprint.refresh_from_db()
    assert sprint.working_days == 8


def test_capacity_is_the_average_of_the_last_three_closed_sprints_when_everyone_is_there(
    team: Team, sprint: Sprint, crew: list[User]
) -> None:
    _closed(team, 100, weeks_ago=4)  # older than the last three: not counted
    for weeks_ago, completed in ((3, 20), (2, 25), (1, 30)):
        _closed(team, completed, weeks_ago)
    SprintFactory(team=team, state=SprintState.ACTIVE)  # after ``sprint``: not counted either
    cap = capacity(sprint)
    assert cap.history == [30, 25, 20]
    assert (cap.average, cap.availability, cap.forecast) == (25, 1.0, 25)


def test_days_off_scale_the_capacity_by_the_members_availability(
    po: User, team: Team, sprint: Sprint, crew: list[User], developer: User, scrum_master: User
) -> None:
    for weeks_ago, completed in ((3, 20), (2, 25), (1, 30)):
        _closed(team, completed, weeks_ago)
    services.set_days_off(actor=po, sprint=sprint, days_off={developer.pk: 2, scrum_master.pk: 3})
    cap = capacity(sprint)
    # Three members, ten working days each: (30 - 5) / 30 of 25 points is 20.8.
    assert [(m.user.username, m.days_off, m.available_days) for m in cap.members] == [
        ("developer", 2, 8),
        ("po", 0, 10),
        ("scrum_master", 3, 7),
    ]
    assert cap.availability == pytest.approx(25 / 30)
    assert cap.forecast == 21


def test_without_a_closed_sprint_there_is_no_forecast_and_no_over_commitment(
    sprint: Sprint, crew: list[User]
) -> None:
    cap = capacity(sprint)
    assert (cap.average, cap.forecast, cap.over_by(40)) == (None, None, 0)


def test_over_commitment_is_the_points_beyond_the_forecast(
    team: Team, sprint: Sprint, crew: list[User]
) -> None:
    _closed(team, 20, weeks_ago=1)
    cap = capacity(sprint)
    assert (cap.over_by(26), cap.over_by(20), cap.over_by(3)) == (6, 0, 0)


# set_days_off


def test_set_days_off_writes_only_the_changes_and_one_event(
    po: User, sprint: Sprint, crew: list[User], developer: User
) -> None:
    days = services.set_days_off(actor=po, sprint=sprint, days_off={developer.pk: 2, po.pk: 0})
    assert days == {developer.pk: 2}
    assert list(MemberAvailability.objects.values_list("user", "days_off")) == [(developer.pk, 2)]
    (event,) = Event.objects.filter(verb="sprint.availability_changed")
    assert (event.sprint_id, event.before, event.after) == (
        sprint.pk,
        {str(developer.pk): 0},
        {str(developer.pk): 2},
    )
    services.set_days_off(actor=po, sprint=sprint, days_off={developer.pk: 2})
    assert Event.objects.filter(verb="sprint.availability_changed").count() == 1


@pytest.mark.parametrize("days", [-1, 11])
def test_set_days_off_refuses_less_than_none_or_more_than_the_working_days(
    po: User, sprint: Sprint, crew: list[User], developer: User, days: int
) -> None:
    with pytest.raises(ValidationError):
        services.set_days_off(actor=po, sprint=sprint, days_off={developer.pk: days})
    assert not MemberAvailability.objects.exists()


def test_set_days_off_refuses_someone_outside_the_team(
    po: User, sprint: Sprint, other_team_developer: User
) -> None:
    with pytest.raises(ValidationError):
        services.set_days_off(actor=po, sprint=sprint, days_off={other_team_developer.pk: 1})


def test_set_days_off_refuses_a_closed_sprint(po: User, team: Team, developer: User) -> None:
    closed = _closed(team, 10, weeks_ago=1)
    with pytest.raises(ValidationError):
        services.set_days_off(actor=po, sprint=closed, days_off={developer.pk: 1})


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("developer", PermissionDenied),
        ("pm", PermissionDenied),
        ("stakeholder", PermissionDenied),
        ("other_team_po", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_set_days_off_is_for_the_teams_planners(
    request: pytest.FixtureRequest, sprint: Sprint, developer: User, role: str, error: type
) -> None:
    with pytest.raises(error):
        services.set_days_off(
            actor=request.getfixturevalue(role), sprint=sprint, days_off={developer.pk: 1}
        )


def test_days_off_are_never_negative(sprint: Sprint, developer: User) -> None:
    with violates("sprints_memberavailability_days_off_not_negative"):
        MemberAvailability.objects.create(sprint=sprint, user=developer, days_off=-1)


def test_a_member_has_one_availability_per_sprint(sprint: Sprint, developer: User) -> None:
    MemberAvailability.objects.create(sprint=sprint, user=developer, days_off=1)
    with violates("sprints_memberavailability_unique_per_sprint"):
        MemberAvailability.objects.create(sprint=sprint, user=developer, days_off=2)


# The planning page


def test_the_backlog_slice_holds_the_teams_and_teamless_stories_ready_ones_first(
    client: Client,
    po: User,
    product: Product,
    other_team: Team,
    sprint: Sprint,
    make_story: MakeStory,
) -> None:
    make_story(title="Not ready")
    make_story(title="Teamless", team=None)
    make_story(title="Ready", ready=True)
    make_story(title="Other team's", team=other_team, ready=True)
    make_story(title="Done already", status=status_of(product, StatusCategory.DONE))
    make_story(title="Planned", sprint=sprint, points=5)
    make_story(title="Elsewhere", sprint=SprintFactory(team=sprint.team, name="Later"))
    client.force_login(po)
    response = client.get(_plan_url(product, sprint))
    assert response.status_code == 200
    assert [s.title for s in response.context["backlog_rows"]] == [
        "Ready",
        "Not ready",
        "Teamless",
    ]
    assert [s.title for s in response.context["sprint_rows"]] == ["Planned"]


def test_the_team_page_and_the_sprint_page_link_to_the_planning_page(
    client: Client, po: User, product: Product, team: Team, sprint: Sprint
) -> None:
    client.force_login(po)
    link = f'href="{_plan_url(product, sprint)}"'
    team_page = client.get(reverse("sprints:team", args=[product.slug, team.slug]))
    assert link in team_page.content.decode()
    assert (
        link
        in client.get(reverse("sprints:sprint", args=[product.slug, sprint.pk])).content.decode()
    )


def test_the_team_page_proposes_a_sprint_of_the_teams_usual_length(
    client: Client, po: User, product: Product, team: Team
) -> None:
    team.sprint_weeks = 3
    team.save()
    client.force_login(po)
    form = client.get(reverse("sprints:team", args=[product.slug, team.slug])).context[
        "sprint_form"
    ]
    start, end = form.initial["start_date"], form.initial["end_date"]
    assert (end - start).days + 1 == 21


def test_it_shows_committed_points_against_the_forecast_capacity(
    client: Client,
    po: User,
    product: Product,
    team: Team,
    sprint: Sprint,
    crew: list[User],
    make_story: MakeStory,
) -> None:
    _closed(team, 20, weeks_ago=1)
    make_story(sprint=sprint, points=8)
    make_story(sprint=sprint, points=5)
    client.force_login(po)
    html = client.get(_plan_url(product, sprint)).content.decode()
    assert "<strong data-committed>13</strong>" in html
    assert "<strong data-forecast>20</strong>" in html
    assert "Over-committed" not in html


def test_over_commitment_is_shown_with_its_numbers_and_starting_is_still_possible(
    client: Client,
    po: User,
    product: Product,
    team: Team,
    sprint: Sprint,
    crew: list[User],
    developer: User,
    make_story: MakeStory,
) -> None:
    _closed(team, 20, weeks_ago=1)
    services.set_days_off(actor=po, sprint=sprint, days_off={developer.pk: 10})
    make_story(sprint=sprint, points=13)
    make_story(sprint=sprint, points=8)
    make_story(sprint=sprint)  # unestimated
    client.force_login(po)
    html = client.get(_plan_url(product, sprint)).content.decode()
    # Two of three members there all sprint: 20 × 2/3 = 13.3, so 13 points.
    assert "Over-committed." in html
    assert "21 points committed for a forecast capacity of 13 points: 8 points over." in html
    assert "1 story in the sprint is not estimated and counts as 0 points." in html
    assert reverse("sprints:sprint_start", args=[product.slug, sprint.pk]) in html
    client.post(reverse("sprints:sprint_start", args=[product.slug, sprint.pk]))
    sprint.refresh_from_db()
    assert sprint.state == SprintState.ACTIVE and sprint.committed_points == 21


def test_a_closed_sprint_has_no_planning_page(
    client: Client, po: User, product: Product, team: Team
) -> None:
    closed = _closed(team, 10, weeks_ago=1)
    client.force_login(po)
    response = client.get(_plan_url(product, closed))
    assert response.status_code == 302
    assert response["Location"] == reverse("sprints:sprint", args=[product.slug, closed.pk])


def test_members_who_may_not_plan_see_the_page_without_controls(
    client: Client, developer: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    make_story(title="In the backlog")
    make_story(title="In the sprint", sprint=sprint)
    client.force_login(developer)
    response = client.get(_plan_url(product, sprint))
    html = response.content.decode()
    assert response.status_code == 200 and "In the backlog" in html
    assert "data-can-move" not in html and "drag-handle" not in html
    assert (
        reverse("sprints:sprint_add_story", args=[product.slug, sprint.pk]) + '" data' not in html
    )
    assert "<form" not in html.split('id="plan-board"')[1].split('class="plan-settings"')[0]
    assert 'name="goal"' not in html and 'name="member_' not in html
    assert "js/planning.js" not in html


def test_the_htmx_reload_answers_the_lists_and_summary_only(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    make_story(sprint=sprint, points=3)
    client.force_login(po)
    response = client.get(
        _plan_url(product, sprint), headers={"HX-Request": "true", "HX-Target": "plan-board"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="plan-board"') and "<html" not in html
    assert "<strong data-committed>3</strong>" in html
    assert "HX-Request" in response["Vary"]


# Moving stories: the endpoints the page's script and forms use


def test_an_htmx_add_or_remove_answers_204(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story(ready=True, points=5)
    client.force_login(po)
    htmx = {"HX-Request": "true"}
    add = reverse("sprints:sprint_add_story", args=[product.slug, sprint.pk])
    assert client.post(add, {"story": story.pk}, headers=htmx).status_code == 204
    assert Story.objects.get(pk=story.pk).sprint == sprint
    remove = reverse("sprints:sprint_remove_story", args=[product.slug, sprint.pk, story.pk])
    assert client.post(remove, headers=htmx).status_code == 204
    assert Story.objects.get(pk=story.pk).sprint is None


def test_the_add_and_remove_buttons_without_javascript_come_back_to_the_planning_page(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story()
    client.force_login(po)
    here = _plan_url(product, sprint)
    add = reverse("sprints:sprint_add_story", args=[product.slug, sprint.pk])
    response = client.post(add, {"story": story.pk, "next": here})
    assert (response.status_code, response["Location"]) == (302, here)
    remove = reverse("sprints:sprint_remove_story", args=[product.slug, sprint.pk, story.pk])
    response = client.post(remove, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("sprints:sprint", args=[product.slug, sprint.pk])


def test_the_rows_carry_the_no_javascript_forms(
    client: Client, po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    waiting = make_story()
    planned = make_story(sprint=sprint)
    client.force_login(po)
    html = client.get(_plan_url(product, sprint)).content.decode()
    add = reverse("sprints:sprint_add_story", args=[product.slug, sprint.pk])
    assert f'action="{add}" data-plan-move="add"' in html
    assert f'name="story" value="{waiting.pk}"' in html
    remove = reverse("sprints:sprint_remove_story", args=[product.slug, sprint.pk, planned.pk])
    assert f'action="{remove}" data-plan-move="remove"' in html
    assert f'name="next" value="{_plan_url(product, sprint)}"' in html


# The goal and the days off


def test_the_goal_is_written_on_the_planning_page(
    client: Client, po: User, product: Product, sprint: Sprint
) -> None:
    client.force_login(po)
    url = reverse("sprints:sprint_goal", args=[product.slug, sprint.pk])
    response = client.post(
        url, {"goal": "  Customers pay by card  "}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="plan-goal"') and "Saved." in html
    assert re.search(r'<section id="plan-summary" [^>]*hx-swap-oob="true"', html)
    sprint.refresh_from_db()
    assert sprint.goal == "Customers pay by card" and sprint.name == "Sprint 1"
    assert Event.objects.filter(verb="sprint.updated").count() == 1
    response = client.post(url, {"goal": "Invoices"})
    assert response.status_code == 302 and response["Location"] == _plan_url(product, sprint)


def test_a_goal_too_long_is_refused_with_422(
    client: Client, po: User, product: Product, sprint: Sprint
) -> None:
    client.force_login(po)
    url = reverse("sprints:sprint_goal", args=[product.slug, sprint.pk])
    response = client.post(url, {"goal": "x" * 2001}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'id="plan-goal"' in response.content.decode()
    assert client.post(url, {"goal": "x" * 2001}).status_code == 422


def test_days_off_entered_on_the_page_change_the_capacity(
    client: Client,
    po: User,
    product: Product,
    team: Team,
    sprint: Sprint,
    crew: list[User],
    developer: User,
) -> None:
    _closed(team, 30, weeks_ago=1)
    client.force_login(po)
    url = reverse("sprints:sprint_availability", args=[product.slug, sprint.pk])
    data = {f"member_{u.pk}": 0 for u in crew} | {f"member_{developer.pk}": 5}
    response = client.post(url, data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="plan-availability"')
    # 30 points × 25/30 days: the summary comes out of band with the new forecast.
    assert "<strong data-forecast>25</strong>" in html
    assert MemberAvailability.objects.get(user=developer).days_off == 5


@pytest.mark.parametrize("days", ["-1", "11", "two"])
def test_days_off_out_of_range_are_refused_with_422(
    client: Client, po: User, product: Product, sprint: Sprint, developer: User, days: str
) -> None:
    client.force_login(po)
    url = reverse("sprints:sprint_availability", args=[product.slug, sprint.pk])
    response = client.post(url, {f"member_{developer.pk}": days}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert not MemberAvailability.objects.exists()


# Who may do what: every write of the planning page


def _goal(c: Client, w: dict[str, Any]) -> Any:
    return c.post(reverse("sprints:sprint_goal", args=[w["slug"], w["sprint"].pk]), {"goal": "G"})


def _days_off(c: Client, w: dict[str, Any]) -> Any:
    url = reverse("sprints:sprint_availability", args=[w["slug"], w["sprint"].pk])
    return c.post(url, {f"member_{w['developer'].pk}": 2})


def _add(c: Client, w: dict[str, Any]) -> Any:
    url = reverse("sprints:sprint_add_story", args=[w["slug"], w["sprint"].pk])
    return c.post(url, {"story": w["waiting"].pk}, headers={"HX-Request": "true"})


def _remove(c: Client, w: dict[str, Any]) -> Any:
    url = reverse("sprints:sprint_remove_story", args=[w["slug"], w["sprint"].pk, w["planned"].pk])
    return c.post(url, headers={"HX-Request": "true"})


WRITES = {
    "goal": (_goal, 302),
    "days_off": (_days_off, 302),
    "add_story": (_add, 204),
    "remove_story": (_remove, 204),
}


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_teams_planners_change_the_plan(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    sprint: Sprint,
    developer: User,
    make_story: MakeStory,
    role: str,
    action: str,
) -> None:
    world = {
        "slug": product.slug,
        "sprint": sprint,
        "developer": developer,
        "waiting": make_story(),
        "planned": make_story(sprint=sprint),
    }
    client.force_login(request.getfixturevalue(role))
    write, ok = WRITES[action]
    response = write(client, world)
    assert response.status_code == _expected(role, PLANNERS, ok), response.content[:300]
    changed = Event.objects.filter(
        verb__in=[
            "sprint.updated",
            "sprint.availability_changed",
            "story.added_to_sprint",
            "story.removed_from_sprint",
        ]
    ).exists()
    assert changed is (role in PLANNERS)


@pytest.mark.parametrize("role", ROLES)
def test_every_member_sees_the_planning_page(
    request: pytest.FixtureRequest, client: Client, product: Product, sprint: Sprint, role: str
) -> None:
    client.force_login(request.getfixturevalue(role))
    expected = 404 if role == "outsider" else 200
    assert client.get(_plan_url(product, sprint)).status_code == expected


# Queries


@pytest.mark.parametrize("stories", [3, 40])
def test_the_planning_page_costs_the_same_queries_whatever_its_size(
    client: Client,
    po: User,
    product: Product,
    team: Team,
    sprint: Sprint,
    crew: list[User],
    developer: User,
    make_story: MakeStory,
    django_assert_num_queries: Any,
    stories: int,
) -> None:
    from tests.backlog.factories import EpicFactory

    epic = EpicFactory(product=product)
    for i in range(stories):
        make_story(points=3, ready=i % 2 == 0, epic=epic, assignee=developer)
        make_story(points=5, sprint=sprint, epic=epic)
    for weeks_ago in range(1, 5):
        _closed(team, 10 * weeks_ago, weeks_ago)
    services.set_days_off(actor=po, sprint=sprint, days_off={developer.pk: 1})
    client.force_login(po)
    with django_assert_num_queries(11):
        response = client.get(_plan_url(product, sprint))
    assert len(response.context["backlog_rows"]) == stories
    assert len(response.context["sprint_rows"]) == stories

"""Closing a sprint: the close page with its done and unfinished stories, and the sprint
report stored at close (committed, added, removed, completed, carried over, goal met) that
later changes to the stories never alter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog import services as backlog_services
from backlog.models import Sprint, SprintState, Story
from core import clock
from products.models import Product, StatusCategory, Team
from sprints import services
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


def _close_url(product: Product, sprint: Sprint) -> str:
    return reverse("sprints:sprint_close", args=[product.slug, sprint.pk])


def _rows(*stories: Story) -> list[dict[str, Any]]:
    return [{"id": s.pk, "title": s.title, "points": s.points} for s in stories]


@pytest.fixture
def history(po: User, product: Product, team: Team, sprint: Sprint, make_story: MakeStory) -> Any:
    """Sprint 1, planned with A, B and C; started on Monday; then D and E added, C and E
    taken out; A and D done. Sprint 2 is planned after it."""
    done = status_of(product, StatusCategory.DONE)
    doing = status_of(product, StatusCategory.IN_PROGRESS)
    a, b, c = (make_story(title=t, points=p) for t, p in (("A", 3), ("B", 5), ("C", 2)))
    d, e = make_story(title="D", points=8), make_story(title="E", points=1)
    with clock.at(MONDAY - dt.timedelta(days=3)):
        for story in (a, b, c):
            services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    with clock.at(MONDAY):
        services.start_sprint(actor=po, sprint=sprint)
    with clock.at(MONDAY + dt.timedelta(days=2)):
        services.add_story_to_sprint(actor=po, story=d, sprint=sprint)
        services.add_story_to_sprint(actor=po, story=e, sprint=sprint)
    with clock.at(MONDAY + dt.timedelta(days=3)):
        services.remove_story_from_sprint(actor=po, story=Story.objects.get(pk=c.pk))
        services.remove_story_from_sprint(actor=po, story=Story.objects.get(pk=e.pk))
    with clock.at(MONDAY + dt.timedelta(days=5)):
        backlog_services.move_story(actor=po, story=Story.objects.get(pk=a.pk), status=done)
        backlog_services.move_story(actor=po, story=Story.objects.get(pk=d.pk), status=done)
        backlog_services.move_story(actor=po, story=Story.objects.get(pk=b.pk), status=doing)
        accept(po, a)
        accept(po, d)
    following = SprintFactory(team=team, name="Sprint 2", start_date=dt.date(2026, 3, 16))
    sprint.goal = "Customers pay by card"
    sprint.save()
    return {
        "sprint": sprint,
        "next": following,
        "stories": dict(zip("ABCDE", (a, b, c, d, e), strict=True)),
    }


def _close(po: User, history: Any, **kwargs: Any) -> Sprint:
    sprint = Sprint.objects.get(pk=history["sprint"].pk)
    with clock.at(MONDAY + dt.timedelta(days=13)):
        return services.close_sprint(actor=po, sprint=sprint, **kwargs)


# The report


def test_the_report_says_what_was_committed_added_removed_completed_and_carried_over(
    po: User, history: Any
) -> None:
    s = history["stories"]
    sprint = _close(po, history, goal_met=True, carry_over_to=history["next"])
    sprint.refresh_from_db()
    assert sprint.report == {
        "version": 2,
        "goal": "Customers pay by card",
        "goal_met": True,
        "committed": {"points": 10, "stories": _rows(s["A"], s["B"], s["C"])},
        "added": {"points": 9, "stories": _rows(s["D"], s["E"])},
        "removed": {"points": 3, "stories": _rows(s["C"], s["E"])},
        "completed": {"points": 11, "stories": _rows(s["A"], s["D"])},
        "not_accepted": {"points": 0, "stories": []},
        "carried_over": {
            "points": 5,
            "stories": _rows(s["B"]),
            "to": {"id": history["next"].pk, "name": "Sprint 2"},
        },
        "returned": {"points": 0, "stories": []},
    }
    assert sprint.completed_points == 11 and sprint.goal_met is True


def test_the_report_of_unfinished_stories_sent_to_the_backlog_names_no_sprint(
    po: User, history: Any
) -> None:
    sprint = _close(po, history, goal_met=False)
    sprint.refresh_from_db()
    assert sprint.report is not None
    assert sprint.report["carried_over"]["to"] is None
    assert sprint.report["goal_met"] is False
    assert Story.objects.get(pk=history["stories"]["B"].pk).sprint is None


def test_changes_before_the_start_are_the_plan_not_scope_changes(
    po: User, sprint: Sprint, make_story: MakeStory
) -> None:
    kept, dropped = make_story(points=3), make_story(points=5)
    with clock.at(MONDAY - dt.timedelta(days=1)):
        services.add_story_to_sprint(actor=po, story=kept, sprint=sprint)
        services.add_story_to_sprint(actor=po, story=dropped, sprint=sprint)
        services.remove_story_from_sprint(actor=po, story=Story.objects.get(pk=dropped.pk))
    with clock.at(MONDAY):
        services.start_sprint(actor=po, sprint=sprint)
    with clock.at(MONDAY + dt.timedelta(days=13)):
        services.close_sprint(actor=po, sprint=sprint)
    sprint.refresh_from_db()
    assert sprint.report is not None
    assert sprint.report["committed"] == {"points": 3, "stories": _rows(kept)}
    assert sprint.report["added"] == sprint.report["removed"] == {"points": 0, "stories": []}


def test_later_changes_to_the_stories_never_change_the_report(
    client: Client, po: User, product: Product, history: Any
) -> None:
    sprint = _close(po, history, goal_met=True, carry_over_to=history["next"])
    sprint.refresh_from_db()
    stored = sprint.report
    client.force_login(po)
    page = client.get(reverse("sprints:sprint", args=[product.slug, sprint.pk])).content.decode()

    s = {k: Story.objects.get(pk=v.pk) for k, v in history["stories"].items()}
    backlog_services.update_story(
        actor=po, story=s["A"], version=s["A"].version, title="A renamed", points=13
    )
    backlog_services.update_story(actor=po, story=s["D"], version=s["D"].version, points=1)
    services.remove_story_from_sprint(actor=po, story=s["B"])  # out of Sprint 2
    backlog_services.move_story(
        actor=po, story=s["B"], status=status_of(product, StatusCategory.DONE)
    )
    s["E"].delete()
    services.start_sprint(actor=po, sprint=history["next"])

    sprint.refresh_from_db()
    assert sprint.report == stored
    assert sprint.completed_points == 11
    again = client.get(reverse("sprints:sprint", args=[product.slug, sprint.pk]))
    assert _report_section(again.content.decode()) == _report_section(page)
    assert ">A<" in _report_section(page) and "A renamed" not in _report_section(page)


def _report_section(html: str) -> str:
    start = html.index('id="report-heading"')
    return html[start : html.index("</section>", start)]


def test_the_closed_sprint_page_shows_the_report(
    client: Client, po: User, product: Product, history: Any
) -> None:
    sprint = _close(po, history, goal_met=True, carry_over_to=history["next"])
    client.force_login(po)
    html = _report_section(
        client.get(reverse("sprints:sprint", args=[product.slug, sprint.pk])).content.decode()
    )
    rows = [
        ("Committed at the start", 3, 10),
        ("Added after the start", 2, 9),
        ("Removed after the start", 2, 3),
        ("Completed", 2, 11),
        ("Carried over to Sprint 2", 1, 5),
    ]
    for label, count, points in rows:
        expected = (
            f'<th scope="row">{label}</th><td class="num">{count}</td><td class="num">{points}</td>'
        )
        assert expected in html


def test_a_sprint_closed_before_reports_existed_says_so(
    client: Client, po: User, product: Product, team: Team
) -> None:
    old = SprintFactory(team=team, state=SprintState.CLOSED, completed_points=8)
    client.force_login(po)
    html = client.get(reverse("sprints:sprint", args=[product.slug, old.pk])).content.decode()
    assert "This sprint closed before Cadence kept sprint reports." in html


# The close page


def test_the_close_page_shows_done_and_unfinished_stories_and_the_reports_preview(
    client: Client, po: User, product: Product, history: Any
) -> None:
    client.force_login(po)
    response = client.get(_close_url(product, history["sprint"]))
    assert response.status_code == 200
    assert [s.title for s in response.context["done"]] == ["A", "D"]
    assert [s.title for s in response.context["unfinished"]] == ["B"]
    html = response.content.decode()
    assert "Accepted: 2 stories" in html and "Not done: 1 story" in html
    assert "Was the sprint goal met?" in html
    assert '<option value="' + str(history["next"].pk) + '">Sprint 2</option>' in html
    assert response.context["preview"]["added"]["points"] == 9


def test_the_sprint_page_links_to_the_close_page(
    client: Client, po: User, product: Product, history: Any
) -> None:
    client.force_login(po)
    html = client.get(
        reverse("sprints:sprint", args=[product.slug, history["sprint"].pk])
    ).content.decode()
    assert f'href="{_close_url(product, history["sprint"])}"' in html


def test_closing_from_the_close_page_carries_over_and_goes_to_the_report(
    client: Client, po: User, product: Product, history: Any
) -> None:
    client.force_login(po)
    response = client.post(
        _close_url(product, history["sprint"]),
        {"goal_met": "yes", "carry_over_to": history["next"].pk},
    )
    sprint = Sprint.objects.get(pk=history["sprint"].pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("sprints:sprint", args=[product.slug, sprint.pk])
    assert (
        sprint.state == SprintState.CLOSED
        and sprint.report is not None
        and sprint.report["goal_met"] is True
    )
    assert list(history["next"].stories.values_list("title", flat=True)) == ["B"]


def test_closing_without_answering_about_the_goal_shows_the_close_page_with_422(
    client: Client, po: User, product: Product, history: Any
) -> None:
    client.force_login(po)
    response = client.post(_close_url(product, history["sprint"]), {})
    assert response.status_code == 422
    assert response.templates[0].name == "sprints/close.html"
    assert Sprint.objects.get(pk=history["sprint"].pk).state == SprintState.ACTIVE


def test_a_sprint_not_active_has_no_close_page(
    client: Client, po: User, product: Product, sprint: Sprint
) -> None:
    client.force_login(po)
    response = client.get(_close_url(product, sprint))
    assert response.status_code == 302
    assert response["Location"] == reverse("sprints:sprint", args=[product.slug, sprint.pk])


def test_members_who_may_not_close_see_the_page_without_the_form(
    client: Client, developer: User, product: Product, history: Any
) -> None:
    client.force_login(developer)
    response = client.get(_close_url(product, history["sprint"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="goal_met"' not in html
    assert "The Product Owner or the Scrum Master closes the sprint." in html


@pytest.mark.parametrize("role", ROLES)
def test_only_the_teams_planners_close_the_sprint(
    request: pytest.FixtureRequest, client: Client, product: Product, history: Any, role: str
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.post(_close_url(product, history["sprint"]), {"goal_met": "no"})
    allowed = role in {"po", "scrum_master", "superuser"}
    expected = 302 if allowed else 404 if role == "outsider" else 403
    assert response.status_code == expected
    state = Sprint.objects.get(pk=history["sprint"].pk).state
    assert state == (SprintState.CLOSED if allowed else SprintState.ACTIVE)


# Queries


@pytest.mark.parametrize("stories", [2, 30])
def test_the_close_page_costs_the_same_queries_whatever_its_size(
    client: Client,
    po: User,
    developer: User,
    product: Product,
    team: Team,
    sprint: Sprint,
    make_story: MakeStory,
    django_assert_num_queries: Any,
    stories: int,
) -> None:
    done = status_of(product, StatusCategory.DONE)
    for i in range(stories):
        extra = {"status": done} if i % 2 else {}
        make_story(sprint=sprint, points=3, assignee=developer, **extra)
    services.start_sprint(actor=po, sprint=sprint)
    for _ in range(stories):
        services.add_story_to_sprint(actor=po, story=make_story(points=1), sprint=sprint)
    for story in list(sprint.stories.filter(points=1).order_by("rank")[:2]):
        services.remove_story_from_sprint(actor=po, story=story)
    SprintFactory(team=team, name="Next")
    client.force_login(po)
    # + the Definition of Done's items and the ticks of the done stories not accepted.
    with django_assert_num_queries(13):
        response = client.get(_close_url(product, sprint))
    assert len(response.context["pending"]) == stories // 2
    assert len(response.context["pending"]) + len(response.context["unfinished"]) == (
        2 * stories - 2
    )
    assert len(response.context["preview"]["removed"]["stories"]) == 2


@pytest.mark.parametrize("stories", [2, 30])
def test_the_closed_sprint_page_costs_the_same_queries_whatever_its_report(
    client: Client,
    po: User,
    product: Product,
    sprint: Sprint,
    make_story: MakeStory,
    django_assert_num_queries: Any,
    stories: int,
) -> None:
    for _ in range(stories):
        make_story(sprint=sprint, points=3, status=status_of(product, StatusCategory.DONE))
    services.start_sprint(actor=po, sprint=sprint)
    for story in sprint.stories.all():
        accept(po, story)
    services.close_sprint(actor=po, sprint=sprint, goal_met=True)
    client.force_login(po)
    # + the burndown: the product's done statuses, the sprint's events, their stories;
    # + the review's and retrospective's links.
    with django_assert_num_queries(13):
        html = client.get(reverse("sprints:sprint", args=[product.slug, sprint.pk])).content
    assert f"<summary>Completed ({stories})</summary>".encode() in html

"""What the pages do and the API lacked: delete a story, create, edit and archive teams,
create and archive products. Each goes through the page's service, with its rights."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from backlog import services as backlog_services
from backlog.models import Sprint, Story
from backlog.services import add_task
from core.models import Event
from products.models import ChecklistItem, Product, StatusCategory, Team
from sprints import services as sprint_services
from sprints.models import Acceptance
from sprints.services.acceptance import done_items
from tests.products.factories import ProductFactory, status_of

pytestmark = pytest.mark.django_db


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def po_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Stories --------------------------------------------------------------------------------


def test_the_po_deletes_a_story_and_the_event_keeps_it(
    po: User, make_story: Callable[..., Story]
) -> None:
    story = make_story(title="Obsolete")
    response = _api(po).delete(f"/api/v1/stories/{story.pk}/")
    assert response.status_code == 204, response.content
    assert not Story.objects.filter(pk=story.pk).exists()
    event = Event.objects.get(verb="story.deleted")
    assert event.before["title"] == "Obsolete"


@pytest.mark.parametrize("who", ["developer", "scrum_master", "pm", "stakeholder"])
def test_no_one_but_the_po_deletes_a_story(
    request: pytest.FixtureRequest, who: str, make_story: Callable[..., Story]
) -> None:
    story = make_story(title="Kept")
    response = _api(request.getfixturevalue(who)).delete(f"/api/v1/stories/{story.pk}/")
    assert response.status_code == 403, response.content
    assert Story.objects.filter(pk=story.pk).exists()


def test_an_outsider_does_not_see_the_story_to_delete(
    outsider: User, make_story: Callable[..., Story]
) -> None:
    story = make_story(title="Kept")
    assert _api(outsider).delete(f"/api/v1/stories/{story.pk}/").status_code == 404
    assert Story.objects.filter(pk=story.pk).exists()


# Teams ----------------------------------------------------------------------------------

TEAM = {
    "name": "Owls",
    "slug": "owls",
    "timezone": "America/Montreal",
    "daily_time": "10:00",
    "working_days": [1, 2, 3, 4],
    "sprint_weeks": 3,
}


def test_the_pm_creates_a_team(pm: User, product: Product) -> None:
    response = _api(pm).post("/api/v1/teams/", {"product": product.pk, **TEAM})
    assert response.status_code == 201, response.content
    team = Team.objects.get(product=product, slug="owls")
    assert (team.timezone, team.working_days, team.sprint_weeks) == (
        "America/Montreal",
        [1, 2, 3, 4],
        3,
    )
    assert response.json()["daily_time"] == "10:00:00"
    assert Event.objects.filter(verb="team.created", team_id=team.pk).exists()


def test_a_team_takes_the_pages_defaults(pm: User, product: Product) -> None:
    body = {"product": product.pk, "name": "Larks", "slug": "larks"}
    response = _api(pm).post("/api/v1/teams/", body)
    assert response.status_code == 201, response.content
    team = Team.objects.get(slug="larks")
    assert (team.timezone, team.working_days, team.sprint_weeks) == (
        "Europe/Paris",
        [1, 2, 3, 4, 5],
        2,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"working_days": []}, "working_days"),
        ({"working_days": [0]}, "working_days"),
        ({"sprint_weeks": 5}, "sprint_weeks"),
        ({"slug": "no spaces"}, "slug"),
        ({"daily_time": "25:00"}, "daily_time"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_team_is_refused_with_nothing_written(
    pm: User, product: Product, change: dict[str, Any], field: str
) -> None:
    before = Team.objects.count()
    response = _api(pm).post("/api/v1/teams/", {"product": product.pk, **TEAM, **change})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Team.objects.count() == before


@pytest.mark.parametrize("who", ["po", "developer", "stakeholder"])
def test_only_the_pm_creates_edits_and_archives_a_team(
    request: pytest.FixtureRequest, who: str, product: Product, team: Team
) -> None:
    client = _api(request.getfixturevalue(who))
    assert client.post("/api/v1/teams/", {"product": product.pk, **TEAM}).status_code == 403
    assert client.patch(f"/api/v1/teams/{team.pk}/", {"name": "X"}).status_code == 403
    response = client.post(f"/api/v1/teams/{team.pk}/archive/", {"archived": True})
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name != "X" and not team.is_archived
    assert not Team.objects.filter(slug="owls").exists()


def test_the_pm_edits_part_of_a_team(pm: User, team: Team) -> None:
    days = team.working_days
    response = _api(pm).patch(f"/api/v1/teams/{team.pk}/", {"sprint_weeks": 3})
    assert response.status_code == 200, response.content
    team.refresh_from_db()
    assert team.sprint_weeks == 3 and team.working_days == days
    assert Event.objects.filter(verb="team.updated", team_id=team.pk).exists()


def test_the_pm_archives_and_restores_a_team(pm: User, team: Team) -> None:
    client = _api(pm)
    assert client.post(f"/api/v1/teams/{team.pk}/archive/", {"archived": True}).status_code == 200
    assert Team.objects.get(pk=team.pk).is_archived
    assert client.post(f"/api/v1/teams/{team.pk}/archive/", {"archived": False}).status_code == 200
    assert not Team.objects.get(pk=team.pk).is_archived
    assert client.post(f"/api/v1/teams/{team.pk}/archive/", {}).status_code == 400


# Products -------------------------------------------------------------------------------


def test_the_head_of_product_creates_a_product_with_its_pm(superuser: User, pm: User) -> None:
    body = {"name": "Mobile", "slug": "mobile", "pm_email": pm.email}
    response = _api(superuser).post("/api/v1/products/", body)
    assert response.status_code == 201, response.content
    product = Product.objects.get(slug="mobile")
    assert product.memberships.filter(user=pm, role="pm").exists()


@pytest.mark.parametrize("who", ["pm", "po", "outsider"])
def test_no_one_else_creates_a_product(request: pytest.FixtureRequest, who: str) -> None:
    body = {"name": "Mobile", "slug": "mobile", "pm_email": "x@example.com"}
    response = _api(request.getfixturevalue(who)).post("/api/v1/products/", body)
    assert response.status_code == 403, response.content
    assert not Product.objects.filter(slug="mobile").exists()


def test_a_product_with_a_taken_slug_is_refused(superuser: User, product: Product) -> None:
    body = {"name": "Again", "slug": product.slug, "pm_email": "x@example.com"}
    response = _api(superuser).post("/api/v1/products/", body)
    assert response.status_code == 400, response.content
    assert not Product.objects.filter(name="Again").exists()


def test_the_pm_archives_a_product_and_the_po_may_not(pm: User, po: User, product: Product) -> None:
    url = f"/api/v1/products/{product.pk}/archive/"
    assert _api(po).post(url, {"archived": True}).status_code == 403
    response = _api(pm).post(url, {"archived": True})
    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert product.is_archived


# The backlog's CSV ------------------------------------------------------------------------

CSV = "text/csv"


def test_the_api_exports_the_backlog_as_the_page_does(
    po: User, product: Product, make_story: Callable[..., Story]
) -> None:
    make_story(title="=cmd|' /C calc'!A0")
    make_story(title="Export to PDF")
    response = _api(po).get("/api/v1/stories/export/", {"product": product.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    page = po_client(po).get(f"/p/{product.slug}/backlog/export.csv")
    assert text == b"".join(page.streaming_content).decode()  # type: ignore[attr-defined]
    assert "'=cmd" in text and "Export to PDF" in text


def test_the_export_needs_a_product_it_may_see(outsider: User, product: Product) -> None:
    assert _api(outsider).get("/api/v1/stories/export/").status_code == 400
    url = "/api/v1/stories/export/"
    assert _api(outsider).get(url, {"product": product.pk}).status_code == 404


def test_the_api_imports_csv_all_or_nothing(po: User, product: Product) -> None:
    body = "title,kind,points\nExport to PDF,story,3\nCrash on login,bug,\n"
    url = f"/api/v1/stories/import/?product={product.pk}"
    response = _api(po).post(url, body, content_type=CSV)
    assert response.status_code == 201, response.content
    assert [s["title"] for s in response.json()] == ["Export to PDF", "Crash on login"]
    assert Story.objects.filter(product=product, title="Crash on login", kind="bug").exists()

    before = Story.objects.count()
    response = _api(po).post(url, "title,points\nFine,3\n,5\n", content_type=CSV)
    assert response.status_code == 400, response.content
    assert response.json()["rows"][0]["line"] == 3
    assert Story.objects.count() == before


def test_the_import_refuses_json_and_people_without_the_right(
    stakeholder: User, po: User, product: Product
) -> None:
    url = f"/api/v1/stories/import/?product={product.pk}"
    assert _api(po).post(url, {"title": "x"}).status_code == 415
    response = _api(stakeholder).post(url, "title\nNope\n", content_type=CSV)
    assert response.status_code == 403
    assert not Story.objects.filter(title="Nope").exists()


def test_the_import_refuses_a_file_over_5_mb(po: User, product: Product) -> None:
    url = f"/api/v1/stories/import/?product={product.pk}"
    body = "title\n" + "x" * (5 * 1024 * 1024)
    response = _api(po).post(url, body, content_type=CSV)
    assert response.status_code == 400
    assert "5 MB" in response.json()["detail"]


# Sprints --------------------------------------------------------------------------------


def test_a_planner_edits_a_sprints_goal_and_dates(po: User, sprint: Sprint) -> None:
    end = sprint.end_date + dt.timedelta(days=7)
    body = {"goal": "Ship the export", "end_date": end.isoformat()}
    response = _api(po).patch(f"/api/v1/sprints/{sprint.pk}/", body)
    assert response.status_code == 200, response.content
    sprint.refresh_from_db()
    assert (sprint.goal, sprint.end_date) == ("Ship the export", end)
    assert Event.objects.filter(verb="sprint.updated", object_id=sprint.pk).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"name": 5}, "name"),
        ({"goal": "x" * 5001}, "goal"),
    ],
)
def test_a_bad_sprint_edit_is_refused_with_nothing_written(
    po: User, sprint: Sprint, change: dict[str, Any], field: str
) -> None:
    before = (sprint.name, sprint.goal, sprint.end_date)
    response = _api(po).patch(f"/api/v1/sprints/{sprint.pk}/", change)
    assert response.status_code == 400, response.content
    assert field in response.json()
    sprint.refresh_from_db()
    assert (sprint.name, sprint.goal, sprint.end_date) == before


def test_dates_of_the_wrong_length_are_refused_as_on_the_page(po: User, sprint: Sprint) -> None:
    end = sprint.start_date + dt.timedelta(days=3)
    response = _api(po).patch(f"/api/v1/sprints/{sprint.pk}/", {"end_date": end.isoformat()})
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("who", ["developer", "stakeholder", "other_team_po"])
def test_only_the_teams_planners_edit_a_sprint(
    request: pytest.FixtureRequest, who: str, sprint: Sprint
) -> None:
    client = _api(request.getfixturevalue(who))
    response = client.patch(f"/api/v1/sprints/{sprint.pk}/", {"goal": "Mine"})
    assert response.status_code in (403, 404), response.content
    sprint.refresh_from_db()
    assert sprint.goal != "Mine"


# Tasks ------------------------------------------------------------------------------------


def test_the_team_moves_and_deletes_a_task(
    developer: User, stakeholder: User, make_story: Callable[..., Story]
) -> None:
    story = make_story(title="Export")
    first, second = (add_task(actor=developer, story=story, title=t) for t in ("One", "Two"))
    client = _api(developer)
    response = client.post(f"/api/v1/tasks/{second.pk}/move/", {"direction": "up"})
    assert response.status_code == 200, response.content
    assert [t.title for t in story.tasks.order_by("rank")] == ["Two", "One"]
    assert client.post(f"/api/v1/tasks/{second.pk}/move/", {"direction": "left"}).status_code == 400
    assert _api(stakeholder).delete(f"/api/v1/tasks/{first.pk}/").status_code == 403
    assert client.delete(f"/api/v1/tasks/{first.pk}/").status_code == 204
    assert list(story.tasks.values_list("title", flat=True)) == ["Two"]


# Definition of Done and acceptance ----------------------------------------------------------


@pytest.fixture
def done_story(
    po: User, developer: User, product: Product, sprint: Sprint, make_story: Callable[..., Story]
) -> Story:
    story = make_story(title="Export", points=3)
    sprint_services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    sprint_services.start_sprint(actor=po, sprint=sprint)
    backlog_services.move_story(
        actor=developer, story=story, status=status_of(product, StatusCategory.DONE)
    )
    return Story.objects.get(pk=story.pk)


def test_the_team_ticks_the_definition_of_done_and_the_po_accepts(
    po: User, developer: User, done_story: Story
) -> None:
    url = f"/api/v1/stories/{done_story.pk}/"
    assert _api(po).post(url + "accept/").status_code == 400  # nothing ticked yet
    items = done_items(done_story)
    assert items
    for item in items:
        body = {"item": item.pk, "done": True}
        response = _api(developer).post(url + "done-items/", body)
        assert response.status_code == 200, response.content
    assert _api(developer).post(url + "accept/").status_code == 403
    response = _api(po).post(url + "accept/")
    assert response.status_code == 200, response.content
    assert Acceptance.objects.filter(story=done_story).exists()
    # Accepted, its Definition of Done is settled.
    body = {"item": items[0].pk, "done": False}
    assert _api(developer).post(url + "done-items/", body).status_code == 400


def test_the_po_sends_a_story_back_saying_why(po: User, developer: User, done_story: Story) -> None:
    url = f"/api/v1/stories/{done_story.pk}/reject/"
    assert _api(po).post(url, {"comment": ""}).status_code == 400
    assert _api(developer).post(url, {"comment": "No header row"}).status_code == 403
    response = _api(po).post(url, {"comment": "No header row"})
    assert response.status_code == 200, response.content
    story = Story.objects.select_related("status").get(pk=done_story.pk)
    assert story.status.category == StatusCategory.TODO


def test_a_done_item_of_another_product_is_not_found(
    developer: User, done_story: Story, outsider: User
) -> None:
    other = ProductFactory()
    item = ChecklistItem.objects.create(product=other, kind="done", text="Elsewhere")
    url = f"/api/v1/stories/{done_story.pk}/done-items/"
    response = _api(developer).post(url, {"item": item.pk, "done": True})
    assert response.status_code == 400 and "item" in response.json()
    assert _api(outsider).post(f"/api/v1/stories/{done_story.pk}/accept/").status_code == 404

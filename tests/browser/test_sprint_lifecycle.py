"""A sprint's end in a browser: closing with carry-over (to the top of the backlog in
order, or into the next planned sprint), and the burndown after a card moves to done."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from backlog.models import Sprint, SprintState, Story
from core import clock
from products.models import Product, StatusCategory, Team
from sprints import services
from tests.products.factories import status_of
from tests.sprints.factories import SprintFactory, accept


@pytest.fixture
def running(product: Product, team: Team, po: Any, make_story: Any) -> Sprint:
    """Sprint 7, started three days ago: 4 stories (16 points), one done and accepted;
    the backlog holds two stories of its own."""
    today = clock.today()
    sprint = SprintFactory(team=team, name="Sprint 7", start_date=today - dt.timedelta(days=3),
                           end_date=today + dt.timedelta(days=10))  # fmt: skip
    make_story(title="Backlog first", points=1)
    make_story(title="Backlog second", points=1)
    done = status_of(product, StatusCategory.DONE)
    for title, points, status in (
        ("Card form", 5, done),
        ("Refunds", 3, None),
        ("Webhooks", 3, None),
        ("Invoices", 5, None),
    ):
        story = make_story(title=title, points=points, **({"status": status} if status else {}))
        services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    with clock.at(clock.now() - dt.timedelta(days=3)):
        accept(po, Story.objects.get(title="Card form"))  # completed: accepted by the PO
        services.start_sprint(actor=po, sprint=sprint)
    sprint.refresh_from_db()
    return sprint


def _close(page: Page, product: Product, sprint: Sprint, carry_to: str | None) -> None:
    page.goto(f"/p/{product.slug}/sprints/{sprint.pk}/close/")
    expect(page.get_by_role("heading", name="Not done: 3 stories")).to_be_visible()
    page.get_by_role("radio", name="No").check()
    if carry_to:
        page.get_by_label("Unfinished stories go to").select_option(label=carry_to)
    with page.expect_navigation():
        page.get_by_role("button", name="Close sprint").click()
    expect(page.get_by_role("heading", name="Sprint report")).to_be_visible()


def test_closing_sends_the_unfinished_stories_to_the_top_of_the_backlog_in_order(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Product, running: Sprint, screenshot_dir: Path,
) -> None:  # fmt: skip
    login(page, live_server, "po", "password")
    page.set_viewport_size({"width": 1280, "height": 900})
    _close(page, product, running, carry_to=None)
    expect(page.locator("h1 .badge")).to_have_text("Closed")
    expect(page.get_by_text("Goal not met")).to_be_visible()
    page.screenshot(path=screenshot_dir / "closed-with-carry-over-en.png", full_page=True)

    page.goto(f"/p/{product.slug}/backlog/?team=all")
    titles = page.locator(".backlog-row .row-main a").all_inner_texts()
    assert titles == ["Refunds", "Webhooks", "Invoices", "Backlog first", "Backlog second"]
    assert Story.objects.get(title="Card form").sprint == running
    running.refresh_from_db()
    assert running.state == SprintState.CLOSED and running.completed_points == 5


def test_closing_carries_the_unfinished_stories_into_the_next_planned_sprint(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Product, team: Team, running: Sprint,
) -> None:  # fmt: skip
    following = SprintFactory(team=team, name="Sprint 8",
                              start_date=running.end_date + dt.timedelta(days=1))  # fmt: skip
    login(page, live_server, "po", "password")
    _close(page, product, running, carry_to="Sprint 8")

    page.goto(f"/p/{product.slug}/sprints/{following.pk}/")
    stories = page.locator("section", has=page.get_by_role("heading", name="Stories"))
    expect(stories.locator("tbody tr")).to_have_count(3)
    for title in ("Refunds", "Webhooks", "Invoices"):
        expect(stories.get_by_role("link", name=title)).to_be_visible()
    assert set(following.stories.values_list("title", flat=True)) == {
        "Refunds",
        "Webhooks",
        "Invoices",
    }
    page.goto(f"/p/{product.slug}/backlog/?team=all")
    assert page.locator(".backlog-row .row-main a").all_inner_texts() == [
        "Backlog first",
        "Backlog second",
    ]


def _remaining_today(page: Page) -> str:
    chart = page.locator("section", has=page.get_by_role("heading", name="Burndown"))
    chart.locator("summary", has_text="The numbers").click()
    rows = chart.locator("tbody tr")
    # Today is the last row with a number (the days to come show a dash).
    cells = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    return [c for c in cells if c != "—"][-1]


def test_the_burndown_shows_the_new_remaining_points_once_a_done_card_is_accepted(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Product, team: Team, running: Sprint, screenshot_dir: Path,
) -> None:  # fmt: skip
    login(page, live_server, "po", "password")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/p/{product.slug}/sprints/{running.pk}/")
    assert _remaining_today(page) == "11"

    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    card = page.locator(".board-card", has_text="Invoices")
    card.get_by_text("Move to…").click()
    card.get_by_label("Column").select_option(label="Done")
    with page.expect_navigation():
        card.get_by_role("button", name="Move", exact=True).click()
    done = page.locator(".board-column", has=page.get_by_role("heading", name="Done", exact=True))
    expect(done.locator(".board-card", has_text="Invoices")).to_be_visible()

    # Done is not completed: the burndown waits for the PO's acceptance.
    page.goto(f"/p/{product.slug}/sprints/{running.pk}/")
    assert _remaining_today(page) == "11"
    accept(po, Story.objects.get(title="Invoices"))
    page.goto(f"/p/{product.slug}/sprints/{running.pk}/")
    assert _remaining_today(page) == "6"
    # The cumulative flow beside it counts two done stories today.
    flow = page.locator("section", has=page.get_by_role("heading", name="Cumulative flow"))
    flow.locator("summary", has_text="The numbers").click()
    rows = [r for r in flow.locator("tbody tr").all() if "—" not in r.inner_text()]
    assert rows[-1].locator("td").last.inner_text() == "2"
    page.screenshot(path=screenshot_dir / "sprint-charts-en.png", full_page=True)

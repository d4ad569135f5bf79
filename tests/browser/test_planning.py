"""Planning, closing and acceptance in a browser: the PO drags a ready story into the sprint
and sees the commitment change, a Scrum Master plans with the keyboard alone, the closed
sprint's report, and the PO accepting a card from the board's side panel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from backlog import services as backlog_services
from backlog.models import Sprint, SprintState, Story
from core import clock
from products.models import ChecklistKind, Product, StatusCategory, Team
from sprints import services
from tests.backlog.factories import EpicFactory
from tests.products.factories import status_of
from tests.sprints.factories import SPRINT_START, SprintFactory, accept


@pytest.fixture
def plan(
    product: Product, team: Team, po: Any, scrum_master: Any, developer: Any, make_story: Any
) -> Sprint:
    """Sprint 7 planned with 13 points; the team completed 18, 22 and 26 points in its last
    three sprints; the developer is away 5 of the 10 working days."""
    for i, completed in enumerate((18, 22, 26)):
        SprintFactory(
            team=team,
            name=f"Sprint {4 + i}",
            state=SprintState.CLOSED,
            start_date=SPRINT_START - dt.timedelta(weeks=2 * (3 - i)),
            committed_points=completed,
            completed_points=completed,
        )
    sprint = SprintFactory(team=team, name="Sprint 7", goal="Customers pay by card")
    payments = EpicFactory(product=product, title="Payments", colour="#d9480f")
    make_story(title="Card form with validation", points=8, epic=payments, sprint=sprint)
    make_story(title="Stripe webhooks", points=5, epic=payments, sprint=sprint)
    make_story(title="Welcome e-mail", points=2)
    make_story(title="Refund a payment from the order page", points=8, epic=payments, ready=True)
    make_story(title="Export invoices as CSV", points=3, ready=True, team=None)
    make_story(title="Dark mode")
    services.set_days_off(actor=po, sprint=sprint, days_off={developer.pk: 5})
    return sprint


def _row(page: Page, where: str, title: str) -> Any:
    return page.locator(f'[data-plan-list="{where}"] .plan-row', has_text=title)


def _titles(page: Page, where: str) -> list[str]:
    return page.locator(f'[data-plan-list="{where}"] .row-main a').all_inner_texts()


def test_the_po_drags_a_ready_story_into_the_sprint_and_sees_the_commitment_change(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Product, plan: Sprint, screenshot_dir: Path,
) -> None:  # fmt: skip
    login(page, live_server, "po", "password")
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"/p/{product.slug}/sprints/{plan.pk}/plan/")
    # 22 points on average × (30 − 5) / 30 = 18.3: a forecast of 18 for 13 committed.
    expect(page.locator("[data-committed]")).to_have_text("13")
    expect(page.locator("[data-forecast]")).to_have_text("18")
    expect(page.locator("[data-over]")).to_have_count(0)
    # Ready stories first.
    assert _titles(page, "backlog")[:2] == [
        "Refund a payment from the order page",
        "Export invoices as CSV",
    ]
    page.screenshot(path=screenshot_dir / "planning-en.png", full_page=True)

    story = _row(page, "backlog", "Refund a payment")
    target = page.locator('[data-plan-list="sprint"]')
    with page.expect_response(lambda r: r.url.endswith("/stories/") and r.status == 204):
        story.locator(".drag-handle").drag_to(target)
    expect(page.locator("[data-committed]")).to_have_text("21")
    expect(page.locator("[data-over]")).to_contain_text(
        "21 points committed for a forecast capacity of 18 points: 3 points over."
    )
    expect(_row(page, "sprint", "Refund a payment")).to_have_count(1)
    expect(page.locator("#live-region")).to_have_text(
        "Added to the sprint: Refund a payment from the order page."
    )
    page.screenshot(path=screenshot_dir / "planning-en-over-committed.png", full_page=True)

    page.reload()
    expect(page.locator("[data-committed]")).to_have_text("21")
    assert "Refund a payment from the order page" in _titles(page, "sprint")
    assert "Refund a payment from the order page" not in _titles(page, "backlog")
    assert Story.objects.get(title__startswith="Refund").sprint_id == plan.pk


def test_a_scrum_master_plans_with_the_keyboard_alone(
    page: Page, live_server: Any, login: Any, transactional_db: None, scrum_master: Any,
    product: Product, plan: Sprint,
) -> None:  # fmt: skip
    login(page, live_server, "scrum_master", "password")
    page.goto(f"/p/{product.slug}/sprints/{plan.pk}/plan/")
    row = _row(page, "backlog", "Welcome e-mail")
    row.focus()
    with page.expect_response(lambda r: r.url.endswith("/stories/") and r.status == 204):
        page.keyboard.press("Alt+ArrowRight")
    expect(page.locator("[data-committed]")).to_have_text("15")
    row = _row(page, "sprint", "Welcome e-mail")
    expect(row).to_be_focused()

    with page.expect_response(lambda r: r.url.endswith("/remove/") and r.status == 204):
        page.keyboard.press("Alt+ArrowLeft")
    expect(page.locator("[data-committed]")).to_have_text("13")
    expect(_row(page, "backlog", "Welcome e-mail")).to_be_focused()
    expect(page.locator("#live-region")).to_have_text("Back in the backlog: Welcome e-mail.")

    # The row's button does the same; the goal and days off save in place.
    with page.expect_response(lambda r: r.url.endswith("/stories/") and r.status == 204):
        _row(page, "backlog", "Dark mode").get_by_role("button", name="Add Dark mode").click()
    expect(_row(page, "sprint", "Dark mode")).to_have_count(1)
    page.get_by_role("textbox", name="Sprint goal").fill("Customers pay by card, and get a refund")
    page.get_by_role("button", name="Save the goal").click()
    expect(page.locator("#plan-goal").get_by_text("Saved.")).to_be_visible()
    page.get_by_role("spinbutton", name="developer").fill("0")
    page.get_by_role("button", name="Save days off").click()
    expect(page.locator("[data-forecast]")).to_have_text("22")
    plan.refresh_from_db()
    assert plan.goal == "Customers pay by card, and get a refund"


def test_the_closed_sprints_report(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Product, team: Team, plan: Sprint, screenshot_dir: Path,
) -> None:  # fmt: skip
    done = status_of(product, StatusCategory.DONE)
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with clock.at(monday):
        services.start_sprint(actor=po, sprint=plan)
    with clock.at(monday + dt.timedelta(days=3)):
        services.add_story_to_sprint(
            actor=po, story=Story.objects.get(title="Welcome e-mail"), sprint=plan
        )
        services.remove_story_from_sprint(
            actor=po, story=Story.objects.get(title="Stripe webhooks")
        )
    with clock.at(monday + dt.timedelta(days=9)):
        for title in ("Card form with validation", "Welcome e-mail"):
            backlog_services.move_story(actor=po, story=Story.objects.get(title=title), status=done)
        # One accepted already; the other's Definition of Done is ticked, not accepted yet.
        accept(po, Story.objects.get(title="Card form with validation"))
        welcome = Story.objects.get(title="Welcome e-mail")
        for item in product.checklist.filter(kind=ChecklistKind.DONE):
            services.tick_done_item(actor=po, story=welcome, item=item)
    SprintFactory(team=team, name="Sprint 8", start_date=SPRINT_START + dt.timedelta(days=14))

    login(page, live_server, "po", "password")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/p/{product.slug}/sprints/{plan.pk}/")
    page.get_by_role("link", name="Close the sprint…").first.click()
    expect(page.get_by_role("heading", name="Accepted: 1 story", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Done, not accepted: 1 story")).to_be_visible()
    expect(page.get_by_text("Completed = accepted by the Product Owner.").first).to_be_visible()
    page.get_by_label("Yes").check()
    # The PO accepts the other one while closing.
    page.locator("fieldset", has_text="Welcome e-mail").get_by_label("Accept it now").check()
    page.screenshot(path=screenshot_dir / "close-en.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Close sprint").click()
    report = page.locator("section", has=page.get_by_role("heading", name="Sprint report"))
    expect(report).to_be_visible()
    expect(report.locator("tr", has_text="Added after the start")).to_contain_text("1")
    expect(report.locator("tr", has_text="Completed")).to_contain_text("10")
    report.locator("summary", has_text="Completed").click()
    page.screenshot(path=screenshot_dir / "sprint-report-en.png", full_page=True)


def test_the_po_accepts_a_done_card_from_the_boards_side_panel(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Product, team: Team, make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    sprint = SprintFactory(team=team, name="Sprint 9", state=SprintState.ACTIVE)
    story = make_story(
        title="Invoice PDF",
        points=3,
        sprint=sprint,
        status=status_of(product, StatusCategory.DONE),
        description="Customers download their invoice as a **PDF**.",
        acceptance_criteria="- [x] A4 page\n- [ ] Company logo",
    )
    make_story(title="Card form", points=5, sprint=sprint)
    items = list(product.checklist.filter(kind=ChecklistKind.DONE))
    for item in items[:3]:
        services.tick_done_item(actor=po, story=story, item=item)

    login(page, live_server, "po", "password")
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    card = page.locator(".board-card", has_text="Invoice PDF")
    expect(card.locator(".card-dod")).to_have_text("DoD 3/4")
    card.locator(".card-title").click()
    panel = page.locator("dialog.card-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Invoice PDF")).to_be_focused()
    expect(panel.get_by_role("button", name="Accept the story")).to_be_disabled()
    with page.expect_response(lambda r: "/done-items/" in r.url and r.status == 200):
        panel.get_by_role("button", name=items[3].text).click()
    expect(panel.get_by_role("button", name="Accept the story")).to_be_enabled()
    page.screenshot(path=screenshot_dir / "card-panel-en.png")
    with page.expect_response(lambda r: "/accept/" in r.url and r.status == 200):
        panel.get_by_role("button", name="Accept the story").click()
    expect(panel.get_by_text("Accepted", exact=True)).to_be_visible()
    # The board behind redrew itself.
    expect(
        page.locator(".board-card", has_text="Invoice PDF").get_by_text("Accepted")
    ).to_be_visible()
    panel.get_by_role("button", name="Close").click()
    expect(page.locator("dialog.card-panel")).to_be_hidden()
    page.reload()
    expect(
        page.locator(".board-card", has_text="Invoice PDF").get_by_text("Accepted")
    ).to_be_visible()

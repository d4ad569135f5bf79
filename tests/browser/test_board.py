"""The board in a browser: the PO drags a card across columns, a developer moves one with
the keyboard alone, a stakeholder only looks; screenshots in English, French and at 768px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from backlog.models import Sprint, SprintState, Story
from products.models import Product, Team
from sprints import services
from tests.backlog.factories import EpicFactory, TaskFactory
from tests.products.factories import MembershipFactory, UserFactory
from tests.sprints.factories import SprintFactory


@pytest.fixture
def board(product: Product, team: Team, po: Any, developer: Any, make_story: Any) -> Sprint:
    """A sprint under way: cards in four columns, one blocked, "In progress" at its limit."""
    sprint = SprintFactory(team=team, name="Sprint 7", state=SprintState.ACTIVE)
    sprint.goal = "Customers pay by card"
    sprint.save()
    todo, doing, review, done = product.statuses.all()
    doing.wip_limit = 1
    doing.save()
    payments = EpicFactory(product=product, title="Payments", colour="#d9480f")
    onboarding = EpicFactory(product=product, title="Onboarding", colour="#2b8a3e")
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    MembershipFactory(user=ada, product=product, team=team)
    cards = [
        ("Card form with validation", todo, payments, ada, 5),
        ("Welcome e-mail", todo, onboarding, None, 2),
        ("Refund a payment from the order page", todo, payments, developer, 8),
        ("Stripe webhooks", doing, payments, developer, 3),
        ("Sign-up wizard", review, onboarding, ada, 5),
        ("Invoice PDF", done, payments, po, 3),
    ]
    for title, status, epic, assignee, points in cards:
        story = make_story(
            title=title, status=status, epic=epic, assignee=assignee, points=points, sprint=sprint
        )
        TaskFactory(story=story, done=True)
        TaskFactory(story=story, done=status == done)
    services.flag_impediment(
        actor=developer,
        story=Story.objects.get(title="Stripe webhooks"),
        reason="Waiting for the production API keys",
    )
    return sprint


def _column(page: Page, name: str) -> Locator:
    return page.locator(".board-column", has=page.get_by_role("heading", name=name, exact=True))


def _titles(page: Page, column: str) -> list[str]:
    return _column(page, column).locator(".card-title").all_inner_texts()


def test_the_po_drags_a_card_from_to_do_to_in_progress_and_it_stays_after_a_reload(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Any, team: Any, board: Sprint, screenshot_dir: Path,
) -> None:  # fmt: skip
    login(page, live_server, "po", "password")
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    expect(page.locator(".board-card")).to_have_count(6)
    page.screenshot(path=screenshot_dir / "board-en.png", full_page=True)

    card = _column(page, "To do").locator(".board-card").first
    target = _column(page, "In progress").locator(".board-card").first
    box = target.bounding_box()
    assert box is not None
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        card.locator(".drag-handle").drag_to(
            target, target_position={"x": 40, "y": box["height"] - 8}
        )
    assert _titles(page, "In progress") == ["Stripe webhooks", "Card form with validation"]
    # The headers follow: "In progress" holds 2 for a limit of 1, and says so.
    in_progress = _column(page, "In progress")
    expect(in_progress.locator("[data-count]")).to_have_text("2")
    expect(in_progress.get_by_text("Over the WIP limit")).to_be_visible()
    expect(_column(page, "To do").locator("[data-count]")).to_have_text("2")
    page.screenshot(path=screenshot_dir / "board-en-over-limit.png", full_page=True)

    page.reload()
    assert _titles(page, "In progress") == ["Stripe webhooks", "Card form with validation"]
    assert _titles(page, "To do") == ["Welcome e-mail", "Refund a payment from the order page"]
    story = Story.objects.get(title="Card form with validation")
    assert story.status.name == "In progress"


def test_a_developer_moves_a_card_with_the_keyboard_alone(
    page: Page, live_server: Any, login: Any, transactional_db: None, developer: Any,
    product: Any, team: Any, board: Sprint,
) -> None:  # fmt: skip
    login(page, live_server, "developer", "password")
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    card = page.locator(".board-card", has_text="Welcome e-mail")
    card.focus()
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        page.keyboard.press("Alt+ArrowRight")
    # Second in "In progress" (a card keeps its height), which goes over its limit of 1.
    expect(page.locator("#live-region")).to_have_text(
        "Moved to In progress, position 2. In progress is over its WIP limit."
    )
    expect(card).to_be_focused()
    in_progress = _column(page, "In progress")
    expect(in_progress).to_have_class("board-column is-over")
    expect(in_progress.get_by_text("Over the WIP limit")).to_be_visible()

    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#live-region")).to_have_text("Moved to In progress, position 1.")

    page.reload()
    assert _titles(page, "In progress") == ["Welcome e-mail", "Stripe webhooks"]
    expect(_column(page, "In progress").get_by_text("Over the WIP limit")).to_be_visible()


def test_a_stakeholder_sees_the_board_without_handles_or_forms(
    page: Page, live_server: Any, login: Any, transactional_db: None, stakeholder: Any,
    product: Any, team: Any, board: Sprint,
) -> None:  # fmt: skip
    login(page, live_server, "stakeholder", "password")
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    expect(page.locator(".board-card")).to_have_count(6)
    expect(page.locator(".drag-handle")).to_have_count(0)
    expect(page.locator("[data-can-move]")).to_have_count(0)
    expect(page.get_by_text("Move to…")).to_have_count(0)
    expect(page.get_by_text("Waiting for the production API keys")).to_be_visible()


def test_only_mine_narrows_the_board_in_place_and_in_the_url(
    page: Page, live_server: Any, login: Any, transactional_db: None, developer: Any,
    product: Any, team: Any, board: Sprint,
) -> None:  # fmt: skip
    login(page, live_server, "developer", "password")
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    with page.expect_response(lambda r: "mine=on" in r.url):
        page.get_by_label("Only mine").check()
    expect(page.locator(".board-card")).to_have_count(2)
    assert "mine=on" in page.url
    # The counts stay the team's: "To do" still holds 3 stories.
    expect(_column(page, "To do").locator("[data-count]")).to_have_text("3")
    page.reload()
    expect(page.locator(".board-card")).to_have_count(2)


def test_flagging_a_card_as_blocked_without_leaving_the_board(
    page: Page, live_server: Any, login: Any, transactional_db: None, developer: Any,
    product: Any, team: Any, board: Sprint,
) -> None:  # fmt: skip
    login(page, live_server, "developer", "password")
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    card = page.locator(".board-card", has_text="Welcome e-mail")
    card.get_by_text("Flag as blocked").first.click()
    card.get_by_label("What blocks it?").fill("Copy not approved")
    with page.expect_response(lambda r: "/impediments/" in r.url and r.status == 200):
        card.get_by_role("button", name="Flag as blocked").click()
    card = page.locator(".board-card", has_text="Welcome e-mail")
    expect(card.locator(".card-blocked p")).to_have_text("Blocked Copy not approved")
    expect(card).to_be_focused()

    card.locator("summary", has_text="Resolve").click()
    card.get_by_label("How was it solved?").fill("Marketing approved it")
    with page.expect_response(lambda r: "/resolve/" in r.url and r.status == 200):
        card.get_by_role("button", name="Mark resolved").click()
    expect(page.locator(".board-card", has_text="Welcome e-mail")).not_to_have_class(
        "board-card is-blocked"
    )


def test_the_board_in_french_at_768px_scrolls_its_columns(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Any, team: Any, board: Sprint, screenshot_dir: Path,
) -> None:  # fmt: skip
    po.language = "fr"
    po.save()
    login(page, live_server, "po", "password")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    expect(page.get_by_role("heading", name="Tableau", exact=True)).to_be_visible()
    # Column names are the product's data (made in English here); the rest is French.
    expect(page.get_by_text("Bloquée", exact=True)).to_be_visible()
    expect(page.locator("summary", has_text="Déplacer vers…")).to_have_count(6)
    moved = page.locator("[data-board]").get_attribute("data-msg-moved")
    assert moved == "Déplacée vers %(column)s, position %(position)s."
    # The page itself doesn't scroll sideways; the columns do.
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    columns = page.locator(".board-columns")
    assert columns.evaluate("el => el.scrollWidth > el.clientWidth")
    page.screenshot(path=screenshot_dir / "board-fr-768.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.screenshot(path=screenshot_dir / "board-fr.png", full_page=True)

"""More of the board in a browser: reordering inside a column with the keyboard alone,
swimlanes (a drag and Alt+arrows stay in the lane), and Escape closing the card panel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from backlog.models import Sprint, Story
from tests.browser.test_board import _column, _titles, board  # noqa: F401 (a fixture)


def test_a_developer_reorders_cards_inside_a_column_with_the_keyboard_alone(
    page: Page, live_server: Any, login: Any, transactional_db: None, developer: Any,
    product: Any, team: Any, board: Sprint,  # noqa: F811
) -> None:  # fmt: skip
    login(page, live_server, "developer", "password")
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    assert _titles(page, "To do") == [
        "Card form with validation",
        "Welcome e-mail",
        "Refund a payment from the order page",
    ]
    card = page.locator(".board-card", has_text="Refund a payment")
    card.focus()
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#live-region")).to_have_text("Moved to To do, position 2.")
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#live-region")).to_have_text("Moved to To do, position 1.")
    expect(card).to_be_focused()
    # Already first: Alt+↑ does nothing, and sends nothing.
    page.keyboard.press("Alt+ArrowUp")
    page.locator(".board-card", has_text="Card form with validation").focus()
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        page.keyboard.press("Alt+ArrowDown")
    expect(page.locator("#live-region")).to_have_text("Moved to To do, position 3.")
    # The counts don't change: the cards stayed in their column.
    expect(_column(page, "To do").locator("[data-count]")).to_have_text("3")

    page.reload()
    expected = ["Refund a payment from the order page", "Welcome e-mail",
                "Card form with validation"]  # fmt: skip
    assert _titles(page, "To do") == expected
    assert [
        s.title for s in Story.objects.filter(status__name="To do").order_by("rank")
    ] == expected


def _lane(page: Page, name: str) -> Any:
    return page.locator(".board-lane", has=page.get_by_role("heading", name=name))


def test_swimlanes_by_assignee_keep_a_keyboard_move_in_its_lane(
    page: Page, live_server: Any, login: Any, transactional_db: None, developer: Any,
    product: Any, team: Any, board: Sprint, screenshot_dir: Path,  # noqa: F811
) -> None:  # fmt: skip
    login(page, live_server, "developer", "password")
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    with page.expect_response(lambda r: "lanes=assignee" in r.url):
        page.get_by_label("Swimlanes").select_option(label="By assignee")
    expect(page.locator(".board-lane")).to_have_count(4)  # Ada, the developer, the PO, nobody
    assert "lanes=assignee" in page.url
    page.screenshot(path=screenshot_dir / "board-lanes-en.png", full_page=True)

    ada = _lane(page, "Ada Lovelace")
    card = ada.locator(".board-card", has_text="Card form with validation")
    card.focus()
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        page.keyboard.press("Alt+ArrowRight")
    expect(page.locator("#live-region")).to_contain_text("Moved to In progress, position 1.")
    # Still in Ada's lane, in its "In progress" cell; the column header counts every lane.
    cells = ada.locator("[data-lane-cell]")
    expect(cells.nth(1).locator(".board-card", has_text="Card form")).to_be_visible()
    expect(cells.nth(1).locator("[data-lane-count]")).to_have_text("1")
    expect(cells.nth(0).locator("[data-lane-count]")).to_have_text("0")
    header = page.locator(".board-lane-headers [data-column-status]").nth(1)
    expect(header.locator("[data-count]")).to_have_text("2")
    expect(header.get_by_text("Over the WIP limit")).to_be_visible()

    page.reload()
    ada = _lane(page, "Ada Lovelace")
    expect(ada.locator("[data-lane-cell]").nth(1)).to_contain_text("Card form with validation")
    story = Story.objects.get(title="Card form with validation")
    assert (
        story.status.name == "In progress"
        and story.assignee is not None
        and story.assignee.username == "ada"
    )


def test_escape_closes_the_card_panel_and_focus_returns_to_the_card(
    page: Page, live_server: Any, login: Any, transactional_db: None, developer: Any,
    product: Any, team: Any, board: Sprint,  # noqa: F811
) -> None:  # fmt: skip
    login(page, live_server, "developer", "password")
    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    card = page.locator(".board-card", has_text="Welcome e-mail")
    card.locator(".card-title").click()
    panel = page.locator("dialog.card-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Welcome e-mail")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(card).to_be_focused()
    # The Close button does the same.
    card.locator(".card-title").click()
    expect(page.locator("dialog.card-panel")).to_be_visible()
    page.locator("dialog.card-panel").get_by_role("button", name="Close").click()
    expect(page.locator("dialog.card-panel")).to_be_hidden()
    expect(card).to_be_focused()

"""The PO orders the backlog: by dragging, by keyboard alone; the order survives a reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from backlog.models import Story


def _titles(page: Page) -> list[str]:
    return page.locator(".backlog-row .row-main a").all_inner_texts()


def _stories(make_story: Any) -> list[Story]:
    return [make_story(title=t, points=3) for t in ("Login", "Search", "Export", "Invoices")]


def test_the_po_drags_a_story_to_the_top_and_the_order_survives_a_reload(
    page: Page,
    live_server: Any,
    login: Any,
    transactional_db: None,
    po: Any,
    product: Any,
    make_story: Any,
    screenshot_dir: Path,
) -> None:
    _stories(make_story)
    login(page, live_server, "po", "password")
    page.goto(f"/p/{product.slug}/backlog/")
    expect(page.locator(".backlog-row")).to_have_count(4)
    page.screenshot(path=screenshot_dir / "backlog-en.png", full_page=True)

    rows = page.locator(".backlog-row")
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        rows.nth(3).locator(".drag-handle").drag_to(rows.nth(0), target_position={"x": 20, "y": 4})
    assert _titles(page) == ["Invoices", "Login", "Search", "Export"]

    page.reload()
    assert _titles(page) == ["Invoices", "Login", "Search", "Export"]
    assert list(Story.objects.values_list("title", flat=True)) == [
        "Invoices",
        "Login",
        "Search",
        "Export",
    ]


def test_the_po_reorders_with_the_keyboard_alone(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any, product: Any,
    make_story: Any,
) -> None:  # fmt: skip
    _stories(make_story)
    login(page, live_server, "po", "password")
    page.goto(f"/p/{product.slug}/backlog/")
    first = page.locator(".backlog-row").first
    first.focus()
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        page.keyboard.press("Alt+ArrowDown")
    expect(page.locator("#live-region")).to_have_text("Moved to position 2.")
    expect(page.locator(".backlog-row").nth(1)).to_be_focused()
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
        page.keyboard.press("Alt+End")
    expect(page.locator("#live-region")).to_have_text("Moved to the bottom.")

    page.reload()
    assert _titles(page) == ["Search", "Export", "Invoices", "Login"]


def test_a_developer_sees_no_drag_handles(
    page: Page, live_server: Any, login: Any, transactional_db: None, developer: Any,
    product: Any, make_story: Any,
) -> None:  # fmt: skip
    _stories(make_story)
    login(page, live_server, "developer", "password")
    page.goto(f"/p/{product.slug}/backlog/")
    expect(page.locator(".backlog-row")).to_have_count(4)
    expect(page.locator(".drag-handle")).to_have_count(0)
    expect(page.get_by_role("button", name="Move")).to_have_count(0)


def test_quick_add_and_search_in_french(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any, product: Any,
    make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    _stories(make_story)
    po.language = "fr"
    po.save()
    login(page, live_server, "po", "password")
    page.goto(f"/p/{product.slug}/backlog/")
    expect(page.get_by_role("heading", name="Backlog produit")).to_be_visible()
    page.get_by_placeholder("Ajouter une story en haut… (Entrée)").fill("Notifications")
    with page.expect_response(lambda r: "/backlog/add/" in r.url):
        page.keyboard.press("Enter")
    expect(page.locator(".backlog-row").first).to_contain_text("Notifications")
    page.get_by_label("Rechercher").fill("notif")
    expect(page.locator(".backlog-row")).to_have_count(1)
    assert "q=notif" in page.url
    # The list came back through htmx: the quick-add forms are still there.
    expect(page.get_by_placeholder("Ajouter une story en haut… (Entrée)")).to_be_visible()
    page.screenshot(path=screenshot_dir / "backlog-fr.png", full_page=True)

"""Bulk actions on the backlog in a browser: the PO selects several stories, sets their
epic, then deletes them after a confirmation (and can cancel it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from backlog.models import Story
from core.models import Event
from tests.backlog.factories import EpicFactory


def _row(page: Page, title: str) -> Any:
    return page.locator(".backlog-row", has_text=title)


def _select(page: Page, *titles: str) -> None:
    for title in titles:
        page.get_by_label(f"Select {title}").check()


def test_the_po_sets_an_epic_on_several_stories_then_deletes_them_after_confirming(
    page: Page, live_server: Any, login: Any, transactional_db: None, po: Any,
    product: Any, make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    EpicFactory(product=product, title="Payments")
    for title in ("Login", "Search", "Export", "Invoices"):
        make_story(title=title, points=3)
    login(page, live_server, "po", "password")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/p/{product.slug}/backlog/")
    expect(page.locator(".backlog-row")).to_have_count(4)

    _select(page, "Search", "Invoices")
    page.get_by_label("With the selected stories:").select_option(label="Payments")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("2 stories changed.")).to_be_visible()
    expect(_row(page, "Search")).to_contain_text("Payments")
    expect(_row(page, "Invoices")).to_contain_text("Payments")
    expect(_row(page, "Login")).not_to_contain_text("Payments")
    assert set(Story.objects.filter(epic__title="Payments").values_list("title", flat=True)) == {
        "Search",
        "Invoices",
    }

    # Delete asks first; cancelling keeps them.
    _select(page, "Search", "Invoices")
    page.get_by_label("With the selected stories:").select_option(label="Delete…")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Delete 2 stories?")).to_be_visible()
    page.screenshot(path=screenshot_dir / "backlog-bulk-delete-en.png")
    with page.expect_navigation():
        page.get_by_role("link", name="Cancel").click()
    expect(page.locator(".backlog-row")).to_have_count(4)

    _select(page, "Search", "Invoices")
    page.get_by_label("With the selected stories:").select_option(label="Delete…")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Delete them").click()
    expect(page.get_by_text("2 stories changed.")).to_be_visible()
    expect(page.locator(".backlog-row")).to_have_count(2)
    assert list(Story.objects.order_by("rank").values_list("title", flat=True)) == [
        "Login",
        "Export",
    ]
    assert Event.objects.filter(verb="story.deleted").count() == 2  # one per story

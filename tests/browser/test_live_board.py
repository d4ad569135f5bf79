"""Two people on one board, each in a browser: the PO drags a card and the developer's page
shows it in its new column without a reload; both see who else is there.

The pages are served by a real ASGI server (uvicorn, tests/live/servers.py), as the live
channel is a websocket that pytest-django's WSGI live server can't serve."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from backlog.models import Sprint, SprintState
from products.models import Product, Team
from tests.live.servers import Server, servers
from tests.sprints.factories import SprintFactory

SHOTS = Path(os.environ.get("LIVE_SHOTS", "/tmp/shots/live"))


@pytest.fixture
def active(product: Product, team: Team, make_story: Any) -> Sprint:
    sprint = SprintFactory(team=team, name="Sprint 7", state=SprintState.ACTIVE)
    todo, doing, *_ = product.statuses.all()
    for title in ("Card form with validation", "Welcome e-mail"):
        make_story(title=title, status=todo, sprint=sprint, points=3)
    make_story(title="Stripe webhooks", status=doing, sprint=sprint, points=5)
    return sprint


def _session(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _open(
    browser: Browser, args: dict[str, Any], server: Server, session: str, path: str
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(**{**args, "base_url": server.url})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": server.url}]
    )
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path)
    return context, page


def _column(page: Page, name: str) -> Any:
    return page.locator(".board-column", has=page.get_by_role("heading", name=name, exact=True))


def test_the_po_drags_a_card_and_the_developer_sees_it_move_without_reloading(
    browser: Browser,
    browser_context_args: dict[str, Any],
    transactional_db: None,
    po: User,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
) -> None:
    path = f"/p/{product.slug}/teams/{team.slug}/board/"
    po_session, dev_session = _session(po), _session(developer)
    with servers(1) as (server,):
        po_context, po_page = _open(browser, browser_context_args, server, po_session, path)
        dev_context, dev_page = _open(browser, browser_context_args, server, dev_session, path)
        try:
            for page in (po_page, dev_page):
                viewers = page.locator("[data-live-viewers] .avatar")
                expect(viewers).to_have_count(2, timeout=10_000)
                expect(viewers).to_have_text(sorted([po.initials, developer.initials]))
            dev_page.evaluate("window.notReloaded = true")
            dev_page.locator("#story-" + str(_story(active, "Stripe webhooks"))).focus()

            card = _column(po_page, "To do").locator(".board-card", has_text="Welcome e-mail")
            target = _column(po_page, "In progress").locator(".board-card").first
            box = target.bounding_box()
            assert box is not None
            with po_page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
                card.locator(".drag-handle").drag_to(
                    target, target_position={"x": 40, "y": box["height"] - 8}
                )

            moved = _column(dev_page, "In progress").locator(".card-title")
            expect(moved).to_have_text(["Stripe webhooks", "Welcome e-mail"], timeout=3_000)
            expect(_column(dev_page, "To do").locator(".card-title")).to_have_text(
                ["Card form with validation"]
            )
            expect(_column(dev_page, "In progress").locator("[data-count]")).to_have_text("2")
            assert dev_page.evaluate("window.notReloaded") is True
            # The card the developer had focused is the same node, still focused.
            assert dev_page.evaluate("document.activeElement.dataset.title") == "Stripe webhooks"
            SHOTS.mkdir(parents=True, exist_ok=True)
            dev_page.screenshot(path=SHOTS / "live-board-developer.png", full_page=True)

            # While the developer drags a card (Sortable marks it chosen), the PO moves that
            # very card: it stays under the developer's pointer, and follows once dropped.
            held = "Card form with validation"
            dev_card = _column(dev_page, "To do").locator(".board-card", has_text=held)
            dev_card.evaluate("card => card.classList.add('sortable-chosen')")
            po_card = _column(po_page, "To do").locator(".board-card", has_text=held)
            po_card.focus()
            with po_page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
                po_page.keyboard.press("Alt+ArrowRight")
            dev_page.wait_for_timeout(1_500)
            expect(_column(dev_page, "To do").locator(".card-title")).to_have_text([held])
            dev_card.evaluate("card => card.classList.remove('sortable-chosen')")
            expect(_column(dev_page, "In progress").locator(".card-title")).to_contain_text(
                [held], timeout=3_000
            )
            expect(_column(dev_page, "To do").locator(".board-card")).to_have_count(0)

            # The PO leaves: the developer's board shows one viewer again.
            po_context.close()
            expect(dev_page.locator("[data-live-viewers] .avatar")).to_have_text(
                [developer.initials], timeout=5_000
            )
        finally:
            dev_context.close()
            if po_context.pages:
                po_context.close()


def _wait_connected(page: Page) -> None:
    # Not page.wait_for_function: its polling evaluates a string, which the CSP refuses.
    for _ in range(100):
        if page.evaluate("() => !!(window.cadenceLive && window.cadenceLive.connected())"):
            return
        page.wait_for_timeout(100)
    pytest.fail("the live channel did not connect in 10 s")


def _story(sprint: Sprint, title: str) -> int:
    return sprint.stories.get(title=title).pk


def test_a_po_reorders_the_backlog_and_the_pm_sees_the_new_order_without_reloading(
    browser: Browser,
    browser_context_args: dict[str, Any],
    transactional_db: None,
    po: User,
    pm: User,
    product: Product,
    make_story: Any,
) -> None:
    for title in ("Export to CSV", "Single sign-on", "Dark mode"):
        make_story(title=title, team=None)
    path = f"/p/{product.slug}/backlog/"
    po_session, pm_session = _session(po), _session(pm)
    with servers(1) as (server,):
        po_context, po_page = _open(browser, browser_context_args, server, po_session, path)
        pm_context, pm_page = _open(browser, browser_context_args, server, pm_session, path)
        try:
            rows = pm_page.locator("#backlog-rows .backlog-row a")
            expect(rows).to_have_text(["Export to CSV", "Single sign-on", "Dark mode"])
            _wait_connected(pm_page)
            pm_page.evaluate("window.notReloaded = true")

            po_page.locator(".backlog-row", has_text="Dark mode").focus()
            with po_page.expect_response(lambda r: "/move/" in r.url and r.status == 204):
                po_page.keyboard.press("Alt+Home")

            expect(rows).to_have_text(
                ["Dark mode", "Export to CSV", "Single sign-on"], timeout=3_000
            )
            expect(pm_page.locator("#backlog-rows [data-position]")).to_have_text(["1", "2", "3"])
            assert pm_page.evaluate("window.notReloaded") is True
        finally:
            po_context.close()
            pm_context.close()

"""Live ceremonies: a planning-poker vote and a retrospective card show on a teammate's page
without a reload, through the live channel (not the poker table's fallback poll).

Served by a real ASGI server (tests/live/servers.py), as in test_live_board."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from backlog.models import SprintState
from products.models import Product, Team
from sprints import services
from sprints.models import Ceremony, CeremonyKind
from tests.browser.test_live_board import _open, _session, _wait_connected
from tests.live.servers import servers
from tests.sprints.factories import CeremonyFactory, SprintFactory

# Every element live.js redraws is remembered, so a test can tell a live redraw from the
# poker table's poll.
WATCH = """() => {
  window.liveRefreshed = [];
  document.addEventListener("cadence:live-refreshed",
    (event) => window.liveRefreshed.push(event.detail.element.id));
}"""


def _refreshed(page: Page, element_id: str) -> bool:
    for _ in range(50):
        if element_id in page.evaluate("() => window.liveRefreshed"):
            return True
        page.wait_for_timeout(100)
    return False


def test_a_vote_shows_on_the_facilitators_table_through_the_live_channel(
    browser: Browser,
    browser_context_args: dict[str, Any],
    transactional_db: None,
    scrum_master: User,
    developer: User,
    product: Product,
    team: Team,
    make_story: Any,
) -> None:
    story = make_story(title="Pay by card")
    services.open_round(actor=scrum_master, team=team, story=story)
    path = f"/p/{product.slug}/teams/{team.slug}/refinement/"
    # Sessions first: the server works on a copy of the database taken when it starts.
    sm_session, dev_session = _session(scrum_master), _session(developer)
    with servers(1) as (server,):
        sm_context, sm_page = _open(browser, browser_context_args, server, sm_session, path)
        dev_context, dev_page = _open(browser, browser_context_args, server, dev_session, path)
        try:
            _wait_connected(sm_page)
            sm_page.evaluate(WATCH)
            sm_page.evaluate("window.notReloaded = true")
            table = sm_page.locator("#poker-table")
            expect(table).to_contain_text("0 votes")

            dev_page.locator("#poker-table").get_by_role("button", name="8", exact=True).click()
            expect(dev_page.locator("#poker-table .poker-card.chosen")).to_have_text("8")

            assert _refreshed(sm_page, "poker-table"), "the vote did not arrive live"
            expect(table).to_contain_text("1 vote")
            expect(table.locator(".poker-voters")).to_contain_text(developer.display_name)
            # Hidden until the reveal, live or not.
            expect(table.locator(".poker-votes")).to_have_count(0)
            assert sm_page.evaluate("window.notReloaded") is True
        finally:
            dev_context.close()
            sm_context.close()


def test_a_retro_card_and_a_dot_show_on_a_teammates_board_without_a_reload(
    browser: Browser,
    browser_context_args: dict[str, Any],
    transactional_db: None,
    po: User,
    developer: User,
    product: Product,
    team: Team,
) -> None:
    sprint = SprintFactory(team=team, state=SprintState.CLOSED)
    retro: Ceremony = CeremonyFactory(
        team=team,
        sprint=sprint,
        kind=CeremonyKind.RETROSPECTIVE,
        starts_at=dt.datetime(2026, 11, 20, 16, 0, tzinfo=team.tzinfo),
        duration_minutes=90,
    )
    path = f"/p/{product.slug}/ceremonies/{retro.pk}/retro/"
    po_session, dev_session = _session(po), _session(developer)
    with servers(1) as (server,):
        po_context, po_page = _open(browser, browser_context_args, server, po_session, path)
        dev_context, dev_page = _open(browser, browser_context_args, server, dev_session, path)
        try:
            _wait_connected(po_page)
            po_page.evaluate(WATCH)
            po_page.evaluate("window.notReloaded = true")

            dev_page.get_by_label("Add a card to “Went well”").fill("Pairing paid off")
            dev_page.locator(
                "form", has=dev_page.get_by_label("Add a card to “Went well”")
            ).get_by_role("button", name="Add").click()
            expect(dev_page.locator(".retro-card")).to_contain_text(["Pairing paid off"])

            assert _refreshed(po_page, "retro-board"), "the card did not arrive live"
            expect(po_page.locator(".retro-card")).to_contain_text(["Pairing paid off"])

            dev_page.locator(".retro-card", has_text="Pairing paid off").get_by_role(
                "button", name="+ Dot"
            ).click()
            expect(po_page.locator("#retro-board")).to_contain_text(
                "1 dot cast so far", timeout=3_000
            )
            assert po_page.evaluate("window.notReloaded") is True
        finally:
            dev_context.close()
            po_context.close()

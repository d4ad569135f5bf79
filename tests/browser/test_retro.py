"""A retrospective in a browser: two members add cards and vote (htmx swaps the board), an
action is added, and the PO turns it into a backlog story that links back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from backlog.models import Sprint, Story
from products.models import Product, Team
from sprints.models import CeremonyKind, RetroAction
from tests.sprints.factories import CeremonyFactory


def _card(page: Page, text: str) -> Any:
    return page.locator(".retro-card").filter(has=page.locator(".retro-text", has_text=text))


def _add_card(page: Page, column: str, text: str) -> None:
    form = page.locator("form.retro-add", has=page.get_by_label(f"Add a card to “{column}”"))
    form.get_by_label(f"Add a card to “{column}”").fill(text)
    form.get_by_role("button", name="Add").click()
    expect(_card(page, text)).to_be_visible()


def _vote(page: Page, text: str, mine: int) -> None:
    """One more dot on the card; waits for the board to come back with it."""
    _card(page, text).get_by_role("button", name="+ Dot").click()
    expect(_card(page, text).locator("[data-mine]")).to_have_attribute("data-mine", str(mine))


def test_two_members_vote_and_the_po_turns_an_action_into_a_story(
    page: Page,
    live_server: Any,
    login: Callable[..., Page],
    product: Product,
    team: Team,
    sprint: Sprint,
    po: Any,
    developer: Any,
    scrum_master: Any,
    screenshot_dir: Path,
) -> None:
    retro = CeremonyFactory(
        team=team,
        sprint=sprint,
        kind=CeremonyKind.RETROSPECTIVE,
        duration_minutes=90,
        starts_at=dt.datetime(2026, 3, 13, 15, 0, tzinfo=team.tzinfo),
    )
    url = f"/p/{product.slug}/ceremonies/{retro.pk}/retro/"

    login(page, live_server, "developer", "password")
    page.goto(url)
    _add_card(page, "Went well", "Pairing paid off")
    _add_card(page, "To improve", "Reviews wait a day")
    _vote(page, "Reviews wait a day", 1)
    _vote(page, "Reviews wait a day", 2)
    expect(_card(page, "Reviews wait a day")).to_contain_text("2 of your dots")
    expect(page.get_by_text("You have 1 dot left of 3.")).to_be_visible()

    page.context.clear_cookies()
    login(page, live_server, "scrum_master", "password")
    page.goto(url)
    _add_card(page, "Ideas", "A review rota")
    _vote(page, "Reviews wait a day", 1)
    # Hidden until revealed: the total of all dots, not each card's.
    expect(page.get_by_text("3 dots cast so far", exact=False)).to_be_visible()
    page.get_by_role("button", name="Reveal the votes").click()
    expect(_card(page, "Reviews wait a day")).to_contain_text("3 dots")

    actions = page.locator("#retro-actions")
    actions.get_by_label("Action").fill("Set up a review rota")
    actions.get_by_label("Owner").select_option(label="developer")
    actions.get_by_label("Due date").fill("2026-03-27")
    actions.get_by_role("button", name="Add the action").click()
    expect(actions.locator("tbody tr", has_text="Set up a review rota")).to_be_visible()
    expect(actions.get_by_role("button", name="Make a story")).to_have_count(0)

    page.context.clear_cookies()
    login(page, live_server, "po", "password")
    page.goto(url)
    page.screenshot(path=screenshot_dir / "retro.png", full_page=True)
    page.locator("#retro-actions").get_by_role("button", name="Make a story").click()
    link = page.locator("#retro-actions").get_by_role("link", name="Set up a review rota")
    expect(link).to_be_visible()

    story = Story.objects.get(title="Set up a review rota")
    assert RetroAction.objects.get(text="Set up a review rota").story == story
    assert story.sprint is None and story.team == team
    link.click()
    expect(page.get_by_role("link", name="Retrospective", exact=False).first).to_have_attribute(
        "href", url
    )
    page.goto(f"/p/{product.slug}/backlog/")
    expect(page.get_by_role("link", name="Set up a review rota")).to_be_visible()

"""Planning poker in a browser: the Scrum Master opens a round on a story, two developers
vote (one in their own browser, one through the service), the table polls until both have
voted without showing their cards, the Scrum Master reveals and agrees, and the story
page shows the points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from backlog.models import Story
from core.access import Role
from products.models import Product, Team
from sprints import services
from sprints.models import EstimationRound, RoundState
from tests.products.factories import MembershipFactory, UserFactory


def test_a_poker_round_sets_the_storys_points(
    page: Page, browser: Browser, live_server: Any, login: Any, transactional_db: None,
    product: Product, team: Team, scrum_master: Any, developer: Any, make_story: Any,
    screenshot_dir: Path,
) -> None:  # fmt: skip
    other = UserFactory(username="developer2", first_name="Dee", last_name="Two")
    MembershipFactory(user=other, product=product, team=team, role=Role.DEVELOPER)
    make_story(title="Export invoices", points=3, acceptance_criteria="- [ ] CSV")
    story = make_story(
        title="Pay by card",
        description="Customers pay with **Visa** or Mastercard.",
        acceptance_criteria="- [ ] Visa accepted\n- [ ] Errors shown",
    )
    refinement = f"/p/{product.slug}/teams/{team.slug}/refinement/"

    login(page, live_server, "scrum_master", "password")
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(refinement)
    row = page.locator(".refine-row", has_text="Pay by card")
    expect(row).to_contain_text("Missing for the Definition of Ready")
    row.get_by_role("button", name="Estimate Pay by card").click()
    table = page.locator("#poker-table")
    expect(table.locator(".poker-story")).to_have_text("Pay by card")
    expect(table.locator(".prose strong")).to_have_text("Visa")
    expect(table).to_contain_text("0 votes")

    # The first developer votes in their own browser.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        dev = context.new_page()
        login(dev, live_server, "developer", "password")
        dev.goto(refinement)
        dev_table = dev.locator("#poker-table")
        dev_table.get_by_role("button", name="8", exact=True).click()
        expect(dev_table.locator(".poker-card.chosen")).to_have_text("8")
        expect(dev_table).to_contain_text("1 vote")
        # The second developer votes through the service, as another client would.
        round = EstimationRound.objects.get(story=story)
        services.cast_vote(actor=other, round=round, card="5")
        # The Scrum Master's table polls: both ticks show, never the cards.
        expect(table).to_contain_text("2 votes", timeout=8000)
        expect(table.locator(".poker-voters")).to_contain_text("Dee Two")
        expect(table.locator(".poker-card.chosen")).to_have_count(0)
        expect(table.locator(".poker-votes")).to_have_count(0)
        page.screenshot(path=screenshot_dir / "poker-voting.png", full_page=True)

        table.get_by_role("button", name="Reveal the votes").click()
        expect(table.locator(".poker-votes")).to_contain_text("Dee Two")
        expect(table.locator(".poker-stats")).to_contain_text("6.5")  # the median of 5 and 8
        # The developer's table follows, by polling.
        expect(dev_table.locator(".poker-votes")).to_contain_text("8", timeout=8000)
        page.screenshot(path=screenshot_dir / "poker-revealed.png", full_page=True)

        table.get_by_role("button", name="Agree on 8").click()
        expect(table).to_contain_text("The team agreed on 8 points")
    finally:
        context.close()

    story.refresh_from_db()
    assert story.points == 8
    assert EstimationRound.objects.get(story=story).state == RoundState.AGREED
    page.goto(f"/p/{product.slug}/stories/{story.pk}/")
    expect(page.locator(".badge", has_text="8 points")).to_be_visible()
    assert Story.objects.get(pk=story.pk).points == 8

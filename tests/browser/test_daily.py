"""The daily meeting in a browser: a developer logs the daily with a blocker naming a story;
the impediment appears on the daily, and the story's card on the board shows it blocked.
The facilitator's timer runs, pauses and resets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from backlog.models import Sprint, SprintState
from products.models import Product, Team
from sprints.models import Ceremony
from tests.sprints.factories import CeremonyFactory, SprintFactory


@pytest.fixture
def today_daily(team: Team, po: Any, make_story: Any) -> Ceremony:
    """The live server runs on the real clock: a sprint around today, and today's daily."""
    today = timezone.localdate(timezone.now(), team.tzinfo)
    sprint: Sprint = SprintFactory(
        team=team,
        name="Sprint 7",
        state=SprintState.ACTIVE,
        goal="Customers pay by card",
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=10),
    )
    for title, points in (("Stripe webhooks", 3), ("Card form with validation", 5)):
        make_story(title=title, sprint=sprint, points=points)
    CeremonyFactory(
        team=team,
        sprint=sprint,
        starts_at=dt.datetime.combine(today - dt.timedelta(days=1), dt.time(9, 30), team.tzinfo),
    )
    return CeremonyFactory(
        team=team,
        sprint=sprint,
        starts_at=dt.datetime.combine(today, dt.time(0, 5), team.tzinfo),
    )


def test_a_developer_logs_the_daily_and_the_blocker_shows_on_the_board(
    page: Page, live_server: Any, login: Any, transactional_db: None, developer: Any,
    product: Product, team: Team, today_daily: Ceremony, screenshot_dir: Path,
) -> None:  # fmt: skip
    login(page, live_server, "developer", "password")
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"/p/{product.slug}/teams/{team.slug}/daily/")
    expect(page.get_by_role("heading", name="Daily meeting")).to_be_visible()
    expect(page.get_by_text("Customers pay by card")).to_be_visible()

    page.get_by_label("Done since last time").fill("Webhook signature check")
    page.get_by_label("Will do today").fill("Retry on failure")
    page.get_by_label("Blockers").fill("Waiting for the production API keys")
    page.get_by_label("Story it blocks").select_option(label="Stripe webhooks")
    with page.expect_response(lambda r: "/daily/entry/" in r.url and r.status == 200):
        page.get_by_role("button", name="Post my entry").click()
    # htmx swapped the meeting in place: the entry and the impediment are there, no reload.
    member = page.locator(".daily-member", has_text="Webhook signature check")
    expect(member).to_be_visible()
    impediments = page.locator("#impediments")
    expect(impediments.locator(".impediment")).to_contain_text(
        "Waiting for the production API keys"
    )
    expect(impediments.get_by_role("link", name="Stripe webhooks")).to_be_visible()
    expect(page.get_by_role("button", name="Save my entry")).to_be_visible()

    with page.expect_response(lambda r: "/daily/finished/" in r.url):
        page.get_by_role("button", name="I'm done").click()
    expect(member.get_by_text("Done", exact=True).first).to_be_visible()
    page.screenshot(path=screenshot_dir / "daily-en.png", full_page=True)

    page.goto(f"/p/{product.slug}/teams/{team.slug}/board/")
    card = page.locator(".board-card", has_text="Stripe webhooks")
    expect(card).to_have_class("board-card is-blocked")
    expect(card).to_contain_text("Waiting for the production API keys")
    other = page.locator(".board-card", has_text="Card form with validation")
    expect(other).not_to_have_class("board-card is-blocked")


def test_the_timer_counts_down_pauses_and_resets(
    page: Page, live_server: Any, login: Any, transactional_db: None, scrum_master: Any,
    product: Product, team: Team, today_daily: Ceremony,
) -> None:  # fmt: skip
    login(page, live_server, "scrum_master", "password")
    page.clock.install()
    page.goto(f"/p/{product.slug}/ceremonies/{today_daily.pk}/daily/")
    timer = page.locator("[data-timer]")
    expect(timer.locator("[data-timer-display]")).to_have_text("15:00")
    timer.get_by_role("button", name="Start").click()
    page.clock.run_for(61_000)
    expect(timer.locator("[data-timer-display]")).to_have_text("13:59")
    timer.get_by_role("button", name="Pause").click()
    page.clock.run_for(10_000)
    expect(timer.locator("[data-timer-display]")).to_have_text("13:59")
    timer.get_by_role("button", name="Start").click()
    page.clock.run_for(15 * 60_000)
    expect(timer).to_have_class("card daily-timer is-over")
    expect(timer.get_by_text("Over time")).to_be_visible()
    timer.get_by_role("button", name="Reset").click()
    expect(timer.locator("[data-timer-display]")).to_have_text("15:00")
    expect(timer).not_to_have_class("card daily-timer is-over")

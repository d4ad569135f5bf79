"""The team calendar in a browser: a Scrum Master plans a sprint and finds its ceremonies
in the week, tries a timebox above the Scrum Guide's (refused in place), and moves the
review from its page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from products.models import Team
from sprints import services
from sprints.models import CeremonyKind

pytestmark = pytest.mark.browser


def test_a_scrum_master_plans_a_sprint_and_manages_its_ceremonies(
    page: Page,
    live_server: Any,
    login: Callable[..., Page],
    transactional_db: None,
    scrum_master: Any,
    team: Team,
    screenshot_dir: Path,
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
    sprint = services.create_sprint(
        actor=scrum_master,
        team=team,
        name="Sprint 9",
        start_date=monday,
        end_date=monday + dt.timedelta(days=13),
    )
    login(page, live_server, "scrum_master", "password")
    page.goto("/p/cadence/teams/falcons/calendar/")
    expect(page.get_by_text("Europe/Paris")).to_be_visible()
    page.get_by_role("link", name="Next week →").click()
    week = page.locator("table.week")
    expect(week.get_by_text("Sprint planning")).to_be_visible()
    expect(week.get_by_text("Daily meeting")).to_have_count(4)

    # A timebox above the Scrum Guide's is refused in place (htmx swaps the 422 form).
    box = page.locator("#timebox-form")
    box.get_by_label("Sprint planning, minutes per sprint week").fill("150")
    box.get_by_role("button", name="Save timeboxes").click()
    expect(page.locator("#timebox-form")).to_contain_text("at most 2 hours (120 minutes)")
    page.locator("#timebox-form").get_by_label("Sprint planning, minutes per sprint week").fill(
        "90"
    )
    page.locator("#timebox-form").get_by_role("button", name="Save timeboxes").click()
    expect(page.locator("#timebox-form")).to_contain_text("Saved.")
    page.screenshot(path=str(screenshot_dir / "calendar-week.png"), full_page=True)

    # The review, moved and given a room from its page.
    review = sprint.ceremonies.get(kind=CeremonyKind.REVIEW)
    page.goto(f"/p/cadence/ceremonies/{review.pk}/")
    form = page.locator("#ceremony-edit")
    form.get_by_label("Location").fill("Room 4")
    form.get_by_label("Time", exact=True).fill("11:00")
    form.get_by_role("button", name="Save", exact=True).click()
    page.screenshot(path=str(screenshot_dir / "calendar-review.png"), full_page=True)
    expect(page.get_by_text("Moved by hand", exact=True)).to_be_visible()
    expect(page.locator(".facts").first).to_contain_text("Room 4")
    expect(page.locator("h1 + p")).to_contain_text("11:00")

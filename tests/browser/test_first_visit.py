"""A developer's first visit: log in, land on the product, switch to French."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from backlog.models import SprintState
from tests.sprints.factories import SprintFactory


def test_a_developer_logs_in_sees_the_product_and_switches_to_french(
    page: Page,
    live_server: Any,
    login: Any,
    transactional_db: None,
    developer: Any,
    team: Any,
    screenshot_dir: Path,
) -> None:
    today = timezone.localdate()
    SprintFactory(
        team=team,
        name="Sprint 12",
        goal="Customers can export their data",
        state=SprintState.ACTIVE,
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=10),
    )
    login(page, live_server, "developer", "password")

    expect(page.get_by_role("heading", level=1)).to_have_text("Cadence")
    expect(page.get_by_role("heading", name="Teams and their sprints")).to_be_visible()
    expect(page.get_by_text("Customers can export their data")).to_be_visible()
    # A developer may create stories but not plan sprints: the navigation shows that.
    expect(page.get_by_role("link", name="New story")).to_be_visible()
    page.screenshot(path=screenshot_dir / "product-overview-en.png", full_page=True)

    # Picking a language switches at once (the "Switch" button is for pages without JS).
    with page.expect_navigation():
        page.get_by_label("Language").select_option("fr")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Équipes et leurs sprints")).to_be_visible()
    expect(page.get_by_role("link", name="Nouvelle story")).to_be_visible()
    page.screenshot(path=screenshot_dir / "product-overview-fr.png", full_page=True)

    # The choice follows the user: the next page is French too.
    page.get_by_role("link", name="Falcons").first.click()
    expect(page.get_by_role("heading", name="Sprint actif")).to_be_visible()

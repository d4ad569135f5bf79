"""Two pages this round changed, in a browser: a PM saving the vision over another PM's
edit is shown both texts (409), and a developer makes their own calendar address, in
French on a phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from products.models import Product, Team
from products.services import update_product
from sprints.models import TeamCalendar

pytestmark = pytest.mark.browser


def test_a_pm_saving_over_another_pms_vision_sees_both_texts(
    page: Page,
    live_server: Any,
    login: Callable[..., Page],
    transactional_db: None,
    pm: Any,
    product: Product,
    screenshot_dir: Path,
) -> None:
    login(page, live_server, "pm", "password")
    page.goto(f"/p/{product.slug}/vision/?edit=1")
    page.get_by_label("Vision").fill("Mine: calm sprints")
    # Meanwhile another PM saves.
    texts = {"business_case": "", "research_notes": ""}
    update_product(actor=pm, product=product, version=1, vision="Theirs: fast teams", **texts)
    page.get_by_role("button", name="Save").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was overwritten")
    expect(alert).to_contain_text("Mine: calm sprints")
    expect(page.get_by_label("Vision")).to_have_value("Theirs: fast teams")
    page.screenshot(path=str(screenshot_dir / "vision-conflict.png"), full_page=True)
    # Saving again now starts from the current version.
    page.get_by_label("Vision").fill("Both: calm and fast")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".prose").first).to_contain_text("Both: calm and fast")
    product.refresh_from_db()
    assert (product.vision, product.version) == ("Both: calm and fast", 3)


def test_a_developer_makes_their_own_feed_address_in_french_on_a_phone(
    browser: Browser,
    live_server: Any,
    login: Callable[..., Page],
    transactional_db: None,
    developer: Any,
    team: Team,
    screenshot_dir: Path,
) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr"},
    )
    page = context.new_page()
    login(page, live_server, "developer", "password")
    page.goto(f"/p/{team.product.slug}/teams/{team.slug}/calendar/")
    page.get_by_role("button", name="Créer mon adresse d'abonnement").click()
    feed = TeamCalendar.objects.get(team=team, user=developer)
    expect(page.locator("#feed-url")).to_have_value(f"{live_server.url}/calendar/{feed.token}.ics")
    expect(page.get_by_role("button", name="Créer une nouvelle adresse")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "calendar-feed-fr-phone.png"), full_page=True)
    context.close()

"""The PM reviews the roadmap: bars, progress, forecast; changes a target date in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from backlog.models import Epic
from products.models import StatusCategory
from tests.backlog.factories import EpicFactory, ReleaseFactory, closed_sprints
from tests.products.factories import status_of


def _roadmap(product: Any, team: Any, make_story: Any) -> Epic:
    today = timezone.localdate()
    release = ReleaseFactory(product=product, name="Spring")
    epic = EpicFactory(
        product=product,
        title="Search everywhere",
        colour="#e4572e",
        release=release,
        start_date=today - dt.timedelta(days=20),
        target_date=today + dt.timedelta(days=40),
        # Inline, so CommonMark reads the line as a paragraph (a line that starts with
        # <script> is a raw HTML block, shown as text once sanitised).
        description="**Fast** search <script>alert(1)</script><img src=x onerror=alert(2)>",
    )
    make_story(epic=epic, points=5, status=status_of(product, StatusCategory.DONE))
    make_story(epic=epic, points=5)
    closed_sprints(product, team, 8, 13, 8, today=today)
    return epic


def test_the_pm_sees_bars_progress_and_forecast_and_moves_a_target_date(
    page: Page, live_server: Any, login: Any, transactional_db: None, pm: Any, product: Any,
    team: Any, make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    epic = _roadmap(product, team, make_story)
    login(page, live_server, "pm", "password")
    page.goto(f"/p/{product.slug}/roadmap/")
    row = page.locator(".roadmap-row", has_text="Search everywhere")
    expect(row.locator("rect.bar")).to_have_count(1)
    expect(row).to_contain_text("50 % done")
    expect(row).to_contain_text("85 %")
    page.screenshot(path=screenshot_dir / "roadmap-en.png", full_page=True)

    row.get_by_text("Dates").click()
    row.get_by_label("target date").fill("2030-06-30")
    with page.expect_navigation():
        row.get_by_role("button", name="Save").click()
    epic.refresh_from_db()
    assert epic.target_date == dt.date(2030, 6, 30)
    assert "/roadmap/" in page.url

    page.goto(f"/p/{product.slug}/epics/{epic.pk}/")
    expect(page.locator(".prose strong", has_text="Fast")).to_be_visible()
    assert page.evaluate("() => document.querySelectorAll('.prose script, [onerror]').length") == 0


def test_a_stakeholder_reads_the_roadmap_in_french(
    page: Page, live_server: Any, login: Any, transactional_db: None, stakeholder: Any,
    product: Any, team: Any, make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    _roadmap(product, team, make_story)
    stakeholder.language = "fr"
    stakeholder.save()
    login(page, live_server, "stakeholder", "password")
    page.goto(f"/p/{product.slug}/roadmap/")
    expect(page.get_by_role("heading", name="Feuille de route")).to_be_visible()
    expect(page.locator(".roadmap-edit")).to_have_count(0)
    page.get_by_role("link", name="Maintenant / Ensuite / Plus tard").click()
    expect(page.locator(".lane", has_text="Search everywhere")).to_have_count(1)
    page.screenshot(path=screenshot_dir / "roadmap-lanes-fr.png", full_page=True)


def test_the_forecast_help_page_on_a_phone_in_french(
    page: Page, live_server: Any, login: Any, transactional_db: None, stakeholder: Any,
    product: Any, team: Any, make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    _roadmap(product, team, make_story)
    stakeholder.language = "fr"
    stakeholder.save()
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "stakeholder", "password")
    page.goto(f"/p/{product.slug}/roadmap/")
    page.get_by_role("link", name="Comment est-ce calculé ?").click()
    expect(
        page.get_by_role("heading", name="Comment la prévision est-elle calculée ?")
    ).to_be_visible()
    expect(page.locator("table")).to_contain_text("8, 13, 8")
    # The team table scrolls inside its card: the page itself is no wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=screenshot_dir / "forecast-help-fr-phone.png", full_page=True)

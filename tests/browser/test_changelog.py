"""The PM publishes a public update and anyone reads it on the changelog, without logging in;
the research page as the PM sees it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, ViewportSize, expect

from backlog import services
from changelog import services as changelog
from tests.backlog.factories import EpicFactory

NARROW: ViewportSize = {"width": 768, "height": 1024}


def test_the_pm_publishes_a_public_update_that_anyone_reads_without_login(
    page: Page, browser: Browser, live_server: Any, login: Any, transactional_db: None,
    pm: Any, product: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    changelog.create_update(
        actor=pm, product=product, title="Quarterly numbers", body="Churn is **down**."
    )
    login(page, live_server, "pm", "password")
    page.goto(f"/p/{product.slug}/updates/")
    form = page.locator("form:has(button:text('Save the draft'))")
    form.get_by_label("Title").fill("Dark mode is here")
    form.get_by_label("Public (changelog and feed)").check()
    form.get_by_label("Body").fill("Switch it on in **Settings**.\n\n- Easy on the eyes")
    with page.expect_navigation():
        form.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dark mode is here")
    expect(page.locator("#update-status h2")).to_have_text("Draft")

    page.get_by_role("button", name="Publish").click()  # htmx swaps the status card
    expect(page.locator("#update-status h2")).to_have_text("Published")
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()
    page.screenshot(path=screenshot_dir / "update-published-en.png", full_page=True)
    page.goto(f"/p/{product.slug}/updates/")
    page.screenshot(path=screenshot_dir / "updates-en.png", full_page=True)

    visitor = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        public = visitor.new_page()
        public.goto(f"/changelog/{product.slug}/")
        expect(public.get_by_role("heading", name="Dark mode is here")).to_be_visible()
        expect(public.locator(".prose strong")).to_have_text("Settings")
        expect(public.get_by_text("Quarterly numbers")).to_have_count(0)  # an internal draft
        feed = public.locator('link[rel="alternate"][type="application/atom+xml"]')
        expect(feed).to_have_attribute("href", f"/changelog/{product.slug}/feed.atom")
        assert visitor.cookies() == []  # nothing set: no session, no CSRF token
        public.screenshot(path=screenshot_dir / "changelog-en.png", full_page=True)
        public.set_viewport_size(NARROW)
        public.screenshot(path=screenshot_dir / "changelog-768.png", full_page=True)
    finally:
        visitor.close()


def test_the_research_page_shows_insights_and_those_no_epic_addresses(
    page: Page, live_server: Any, login: Any, transactional_db: None, pm: Any, product: Any,
    make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    epic = EpicFactory(product=product, title="Faster exports", colour="#2e7d32")
    linked = services.create_insight(
        actor=pm,
        product=product,
        title="Finance exports every Friday",
        date=dt.date(2026, 3, 4),
        source="Interview · finance lead",
        finding="Exports take **ten minutes**; they start them before lunch.",
        evidence_url="https://example.com/interviews/12",
    )
    services.link_insight(actor=pm, insight=linked, epic=epic)
    services.link_insight(actor=pm, insight=linked, story=make_story(title="Stream the CSV"))
    services.create_insight(
        actor=pm,
        product=product,
        title="Admins want single sign-on",
        date=dt.date(2026, 3, 10),
        source="Survey, 42 answers",
        finding="Two thirds of admins ask for SSO before buying.",
    )
    login(page, live_server, "pm", "password")
    page.goto(f"/p/{product.slug}/research/")
    gap = page.locator(".research-gap")
    expect(gap).to_contain_text("Admins want single sign-on")
    expect(gap).not_to_contain_text("Finance exports every Friday")
    expect(page.locator(".insight").first).to_contain_text("Admins want single sign-on")
    page.screenshot(path=screenshot_dir / "research-en.png", full_page=True)
    page.set_viewport_size(NARROW)
    page.screenshot(path=screenshot_dir / "research-768.png", full_page=True)

    page.get_by_role("link", name="Admins want single sign-on").first.click()
    page.get_by_label("Epic").select_option(label="Faster exports")
    page.get_by_role("button", name="Link", exact=True).click()  # htmx swaps the links card
    expect(page.locator("#insight-links")).to_contain_text("Faster exports")
    page.screenshot(path=screenshot_dir / "research-insight-768.png", full_page=True)
    page.goto(f"/p/{product.slug}/epics/{epic.pk}/")
    expect(page.get_by_role("heading", name="Research behind this epic")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Admins want single sign-on")
    page.screenshot(path=screenshot_dir / "epic-research-768.png", full_page=True)

"""The sprint review (a stakeholder's feedback the PO turns into a story; a done story sent
back to the backlog), the team's impediments page, and the workflow settings (a status
deleted with its stories moved), each in a browser, the French pages looked at too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from backlog.models import Sprint, SprintState, Story
from core.models import Event
from products.models import Product, Status, StatusCategory, Team
from sprints import services as sprints
from sprints.models import ReviewFeedback
from tests.sprints.test_review import make_review


def test_a_stakeholders_feedback_becomes_a_story_and_the_po_sends_a_story_back(
    page: Page, browser: Browser, live_server: Any, login: Any, transactional_db: None,
    product: Product, team: Team, sprint: Sprint, po: Any, stakeholder: Any,
    make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    Sprint.objects.filter(pk=sprint.pk).update(state=SprintState.ACTIVE)
    done = product.statuses.get(category=StatusCategory.DONE)
    shipped = make_story(title="Export invoices", status=done, sprint=sprint, points=3)
    review = make_review(team, sprint)
    url = f"/p/{product.slug}/ceremonies/{review.pk}/review/"

    login(page, live_server, "stakeholder", "password")
    page.goto(url)
    expect(page.locator("#review-stories")).to_contain_text("Export invoices")
    # A stakeholder gives feedback but decides nothing about the stories.
    expect(page.get_by_role("button", name="Send back…")).to_have_count(0)
    page.get_by_label("Your feedback").fill("Customers want the export in CSV too")
    page.get_by_role("button", name="Add the feedback").click()
    expect(page.locator("#review-feedback")).to_contain_text("Customers want the export in CSV")
    expect(page.get_by_role("button", name="Make a story")).to_have_count(0)

    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    try:
        owner = context.new_page()
        owner.set_viewport_size({"width": 1280, "height": 1000})
        login(owner, live_server, "po", "password")
        owner.goto(url)
        owner.get_by_role("button", name="En faire une story").click()
        expect(owner.locator("#review-feedback .chip")).to_contain_text("Story n° ")
        owner.locator("#review-stories summary").click()
        owner.locator("#review-stories textarea").fill("Les totaux sont faux")
        owner.get_by_role("button", name="Renvoyer au backlog").click()
        expect(owner.locator("#review-stories")).to_contain_text("Les totaux sont faux")
        # The figures above follow without a reload: nothing done any more.
        expect(owner.locator("#review-stats strong").first).to_have_text("0")
        owner.screenshot(path=screenshot_dir / "review-po-fr.png", full_page=True)
    finally:
        context.close()

    feedback = ReviewFeedback.objects.get(ceremony=review)
    assert feedback.story is not None
    assert "CSV" in feedback.story.title + feedback.story.description
    shipped.refresh_from_db()
    assert shipped.sprint_id is None


def test_the_scrum_master_resolves_an_impediment_on_the_teams_page(
    page: Page, live_server: Any, login: Any, transactional_db: None,
    product: Product, team: Team, sprint: Sprint, scrum_master: Any, developer: Any,
    make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    story = make_story(title="Stripe webhooks", sprint=sprint)
    sprints.flag_impediment(actor=developer, story=story, reason="No sandbox keys")
    login(page, live_server, "scrum_master", "password")
    page.goto(f"/p/{product.slug}/teams/{team.slug}/impediments/")
    row = page.locator("tr", has_text="No sandbox keys")
    expect(row).to_contain_text("Stripe webhooks")
    row.locator("summary").click()
    row.get_by_label("How was it solved?").fill("The bank sent them")
    with page.expect_response(lambda r: r.request.method == "POST" and r.ok):
        row.get_by_role("button", name="Mark resolved").click()
    page.goto(f"/p/{product.slug}/teams/{team.slug}/impediments/?show=resolved")
    expect(page.locator("body")).to_contain_text("The bank sent them")
    page.screenshot(path=screenshot_dir / "impediments-resolved.png", full_page=True)
    assert not story.impediments.get().is_open


def test_the_pm_deletes_a_status_and_chooses_where_its_stories_go(
    page: Page, live_server: Any, login: Any, transactional_db: None,
    product: Product, pm: Any, make_story: Any, screenshot_dir: Path,
) -> None:  # fmt: skip
    review = product.statuses.get(name="Review")
    held = [make_story(title=f"Held {i}", status=review) for i in range(2)]
    login(page, live_server, "pm", "password")
    page.goto(f"/p/{product.slug}/settings/statuses/")
    page.get_by_role("link", name="Delete Review").click()
    expect(page.locator("body")).to_contain_text("It holds 2 stories")
    page.get_by_label("Move its stories to").select_option(label="In progress")
    page.get_by_role("button", name="Delete the status").click()
    expect(page.locator("#status-list")).not_to_contain_text("Review")
    page.screenshot(path=screenshot_dir / "statuses-after-delete.png", full_page=True)
    in_progress = product.statuses.get(name="In progress")
    assert not Status.objects.filter(pk=review.pk).exists()
    assert {s.status_id for s in Story.objects.filter(pk__in=[s.pk for s in held])} == {
        in_progress.pk
    }
    assert Event.objects.filter(verb="story.moved", object_id__in=[s.pk for s in held]).count() == 2

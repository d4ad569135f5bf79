"""The PM invites a developer by e-mail; the invitee follows the link in their own browser,
sets a password and lands on the team with the role."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core import mail
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from core.access import Role
from products.models import Membership


def test_the_pm_invites_and_the_invitee_joins_from_the_e_mail(
    page: Page,
    browser: Browser,
    live_server: Any,
    login: Any,
    transactional_db: None,
    pm: Any,
    team: Any,
    screenshot_dir: Path,
) -> None:
    mail.outbox.clear()
    login(page, live_server, "pm", "password")
    page.goto(f"/p/{team.product.slug}/settings/members/")
    invite = page.locator("form:has(button:text('Send the invitation'))")
    invite.get_by_label("E-mail", exact=True).fill("nina@example.com")
    invite.get_by_label("Role", exact=True).select_option("dev")
    invite.get_by_label("Team", exact=True).select_option(label="Falcons")
    with page.expect_navigation():
        invite.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to nina@example.com.")).to_be_visible()
    expect(page.locator("#invitations-heading ~ table")).to_contain_text("nina@example.com")
    page.screenshot(path=screenshot_dir / "settings-members.png", full_page=True)

    # The live server shares this process: its e-mails land in the locmem outbox.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitations/\S+/", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body

    # A fresh browser: nobody is signed in there. Closed at the end, so that its open
    # connections don't outlive the test's database.
    invitee_context = browser.new_context(locale="en-US", timezone_id="UTC")
    invitee = invitee_context.new_page()
    invitee.goto(link.group(0))
    expect(invitee.get_by_role("heading", name="Join Cadence")).to_be_visible()
    invitee.get_by_label("First name").fill("Nina")
    invitee.get_by_label("Last name").fill("Novak")
    invitee.get_by_label("Username").fill("nina")
    invitee.get_by_label("Password", exact=True).fill("a-long-enough-Passw0rd")
    invitee.get_by_label("Password again").fill("a-long-enough-Passw0rd")
    invitee.screenshot(path=screenshot_dir / "invitation-accept.png", full_page=True)
    with invitee.expect_navigation():
        invitee.get_by_role("button", name="Create my account and join").click()

    expect(invitee).to_have_url(re.compile(rf"/p/{team.product.slug}/teams/{team.slug}/$"))
    expect(invitee.get_by_text("Welcome to Cadence: you are Developer.")).to_be_visible()
    expect(invitee.get_by_role("link", name="New story")).to_be_visible()
    nina = User.objects.get(username="nina")
    assert Membership.objects.filter(user=nina, team=team, role=Role.DEVELOPER).exists()

    # The link worked once.
    invitee.goto(link.group(0))
    expect(invitee.get_by_text("accepted already")).to_be_visible()
    invitee_context.close()

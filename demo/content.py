"""The words of the demo product (demo/seed.py builds it).

The demo teams build "Huddle", a collaboration app for distributed teams: threads, shared
docs, notifications, mobile apps and the admin side a company needs to buy it.
"""

from __future__ import annotations

VISION = """\
# Huddle — where distributed teams decide

**For** teams of 5 to 500 people who work across offices and time zones, **who** lose
decisions in chat scroll-back and meeting notes nobody reads, **Huddle** is a workspace
that keeps the conversation, the document and the decision in one place. **Unlike**
chat tools that bolt documents on, or wikis that bolt chat on, Huddle treats a thread
and the doc it produces as one thing you can follow, resolve and find again.

## Who it is for

- **The team member** who wants to catch up in ten minutes after a day off.
- **The team lead** who needs to know what was decided, by whom and why.
- **The workspace admin** who must roll it out safely: SSO, audit log, retention.

## What "done" looks like in a year

1. A new team is productive in **under two minutes** from the invitation e-mail.
2. **80 %** of decisions are recorded as a resolved thread or a locked doc.
3. Members spend **less time** in notifications, not more: one digest a day by default.
4. The mobile apps are good enough that nobody asks for a desktop app.

## What we will not build

- Video conferencing: we integrate with the tools teams already pay for.
- A project-management tool: we link to it.
"""

BUSINESS_CASE = """\
# Business case

## The problem in numbers

In our 40 discovery interviews, knowledge workers in distributed teams reported spending
**5.2 hours a week** looking for decisions and context. Three in four had re-opened a
question that had already been settled, because the answer was buried in a channel.

## The bet

| | Year 1 | Year 2 |
|---|---|---|
| Paying workspaces | 400 | 2,100 |
| Average seats per workspace | 22 | 35 |
| Price per seat and month | €6 | €7 |
| Annual recurring revenue | €0.63 M | €6.2 M |

- **Acquisition:** bottom-up. A free plan up to 10 members; teams upgrade for history,
  guests and SSO. Target conversion: 4 % of active free workspaces a quarter.
- **Retention:** the digest and the decision log make Huddle the place where work is
  remembered. Target: net revenue retention above 110 %.

## Costs and risks

- Two Scrum teams (10 people) for 12 months, hosting and support: **€1.4 M**.
- *Risk:* the big chat suites add a "docs" tab. *Mitigation:* decisions as first-class
  objects, an export that never locks customers in.
- *Risk:* enterprise buyers need SSO and an audit log before they sign.
  *Mitigation:* the Admin epic ships with release 1.1.

## Decision asked

Fund the two teams until release 1.1, then review against the year-1 numbers above.
"""

RESEARCH_NOTES = """\
# What we heard

- *"I spend Monday morning scrolling back through four channels to find what changed."*
  — team lead, 40-person agency. **Theme: catching up.**
- *"We decided that twice. Nobody could find the first time."* — engineering manager.
  **Theme: decisions get lost.**
- Admins at 6 of 9 companies above 100 people asked for SSO before a trial.
- Mobile use peaks between 07:30 and 09:00: people read, they rarely write.

Next round: usability test of the first-run wizard with 8 new users (see the Onboarding
epic).
"""

# (title, colour, description, persona, benefit)
EPICS = (
    (
        "Frictionless onboarding",
        "#2f9e44",
        "From the invitation e-mail to a first useful thread in under two minutes.",
        "a new user",
        "I reach a working workspace in under two minutes",
    ),
    (
        "Threads & mentions",
        "#1c7ed6",
        "Conversations that stay readable as the team grows: threads, mentions, search.",
        "a team member",
        "conversations stay readable as the team grows",
    ),
    (
        "Shared docs",
        "#7048e8",
        "Docs written together, next to the thread that produced them.",
        "someone writing specs and meeting notes",
        "decisions live next to the discussion that led to them",
    ),
    (
        "Smart notifications",
        "#f59f00",
        "Fewer, better interruptions: digest, quiet hours, per-channel settings.",
        "someone who needs focus time",
        "I only get interrupted for what matters",
    ),
    (
        "Mobile & offline",
        "#e8590c",
        "iOS and Android apps good enough that nobody asks for a desktop app.",
        "a member on the go",
        "I can keep up from my phone, even on a train",
    ),
    (
        "Admin, SSO & billing",
        "#c2255c",
        "What a company needs before it buys: SSO, provisioning, audit log, invoices.",
        "a workspace admin",
        "the company can roll Huddle out safely",
    ),
)

LABELS = (
    ("frontend", "#339af0"),
    ("backend", "#495057"),
    ("ux", "#f783ac"),
    ("mobile", "#ff922b"),
    ("performance", "#fab005"),
    ("security", "#e03131"),
    ("accessibility", "#20c997"),
    ("tech-debt", "#868e96"),
    ("customer-request", "#845ef7"),
)

# Per epic, in the order the team would build them; "Bug: ", "Spike: ", "Chore: " set the kind.
STORIES = (
    (
        "Sign up with a work e-mail and a magic link",
        "Create a workspace in the first-run wizard",
        "Invite teammates by pasting a list of e-mails",
        "Sign up with Google Workspace",
        "Share an invitation link that expires after 7 days",
        "Bug: Magic link opens the login page again in iOS Mail",
        "Pick a profile photo and time zone during sign-up",
        "Show a checklist of first steps on the home page",
        "Chore: Track activation funnel events",
        "Suggest channels to join from the user's team",
        "Sign up with Microsoft 365",
        "Spike: Measure where new users drop out of the wizard",
        "Let an invited guest join without creating a password",
        "Resend an invitation that was not accepted",
        "Revoke a pending invitation",
        "Bug: Invitation e-mail lands in spam for Outlook users",
        "Welcome message from the workspace owner",
        "Import members and channels from a Slack export",
        "Onboarding tour of threads, docs and huddles",
        "Bug: Time zone defaults to UTC for users in India",
        "Choose the workspace URL during sign-up",
        "Skip the wizard and come back to it later",
    ),
    (
        "Reply in a thread without leaving the channel",
        "Mention a teammate with @ and autocomplete",
        "Unread markers per channel and thread",
        "Follow a thread to get its replies in the inbox",
        "Bug: Mention autocomplete misses names with accents",
        "Mark a thread as resolved",
        "Edit a message within 15 minutes",
        "React to a message with an emoji",
        "Spike: Evaluate PostgreSQL full-text search against OpenSearch",
        "Search messages by author, channel and date",
        "Mention a whole team with @team",
        "Bug: Thread reply count is off by one after a delete",
        "Quote part of a message in a reply",
        "Pin a message to the top of a channel",
        "Chore: Rate-limit message posting per user",
        "Send code snippets with syntax highlighting",
        "Paste a link and show its preview card",
        "Draft messages survive a page reload",
        "Schedule a message to send later",
        "Bug: Emoji reactions flicker when two people react at once",
        "Forward a thread to another channel",
        "Jump to the first unread message",
    ),
    (
        "Create a doc inside a channel",
        "Edit a doc together with live cursors",
        "Comment on a selected passage",
        "Spike: CRDT library for offline-tolerant editing",
        "Resolve and reopen comments",
        "Turn a message into a doc",
        "Version history with restore",
        "Bug: Cursor jumps to the top when a collaborator pastes",
        "Link a doc from a thread with a preview",
        "Checklists inside docs",
        "Templates for meeting notes and decisions",
        "Chore: Move doc storage to object storage",
        "Embed an image by drag and drop",
        "Export a doc to PDF",
        "Bug: PDF export cuts tables at the page edge",
        "Export a doc to Markdown",
        "Table of contents for long docs",
        "Lock a doc when it becomes a decision record",
        "Share a read-only doc with a guest",
        "Bug: Doc title is not saved when it contains an emoji",
        "Mention a teammate inside a doc",
        "See who has read a decision record",
    ),
    (
        "Daily digest e-mail of unread threads",
        "Notification settings per channel",
        "Spike: Push provider for web and mobile",
        "Quiet hours per user",
        "Desktop notifications in the browser",
        "Chore: Send notifications through background workers",
        "Snooze notifications for 1, 2 or 8 hours",
        "Notify only for mentions outside working hours",
        "Bug: Digest is sent twice on the daylight-saving change",
        "Group notifications from one thread",
        "Mark all notifications as read",
        "Notify on doc comments addressed to me",
        "Unsubscribe from the digest in one click",
        "Bug: Quiet hours ignore the user's time zone",
        "Show why a notification was sent",
        "Weekly summary for team leads",
        "Bug: Desktop notifications show HTML entities",
        "Keyword alerts for words I care about",
        "Do not disturb while presenting",
        "Notification sound per channel",
    ),
    (
        "Spike: React Native or native Swift and Kotlin",
        "iOS app: read channels and threads",
        "Android app: read channels and threads",
        "Chore: Set up the mobile release pipeline",
        "Reply from a push notification",
        "Offline reading of the last 200 messages per channel",
        "Bug: App crashes when a channel has no messages",
        "Queue messages written offline and send them on reconnect",
        "Upload photos from the camera roll",
        "Switch between workspaces",
        "Bug: Keyboard covers the message box on small Android phones",
        "Dark mode on mobile",
        "Biometric unlock",
        "Share a link from another app into a channel",
        "Bug: Badge count never clears on iOS",
        "Tablet layout with the channel list always visible",
        "Voice messages on mobile",
        "Home-screen widget with unread mentions",
        "Bug: Photos uploaded from Android are rotated sideways",
    ),
    (
        "Workspace roles: owner, admin, member, guest",
        "Upgrade from the free plan with a card",
        "SAML single sign-on",
        "Spike: Compare payment providers for EU VAT",
        "Domain verification for SSO",
        "Audit log of admin actions",
        "Billing page with invoices to download",
        "Bug: VAT missing on invoices for EU customers",
        "Seat-based pricing with prorated changes",
        "SCIM user provisioning",
        "Enforce two-factor authentication",
        "Chore: Encrypt backups with a separate key",
        "Export the audit log as CSV",
        "Deactivate a member and transfer their docs",
        "Bug: Deactivated members still appear in mentions",
        "Data retention policy per channel",
        "Pay by invoice for yearly plans",
        "Chore: Upgrade to the next Django LTS",
        "Usage dashboard for admins",
        "Bug: Prorated refund shows the wrong currency",
    ),
)

# Stories of no epic: the product's general upkeep.
GENERAL = (
    "Keyboard shortcuts cheat sheet",
    "Improve the contrast of the sidebar for accessibility",
    "Bug: Page title shows the previous channel after navigation",
    "Spike: Load test 10,000 concurrent websockets",
    "Chore: Add error tracking to background jobs",
    "Bug: Avatar upload fails for PNGs over 5 MB",
    "Bug: Logout does not close the websocket session",
    "Chore: Separate settings for the staging environment",
    "Screen-reader labels on every icon button",
    "Chore: Remove the legacy v0 API endpoints",
    "Bug: Sidebar badge shows a negative unread count",
    "Status message with an expiry",
    "Bug: Copy link to message copies the channel link",
    "Chore: Move CI to faster runners",
    "Spike: Evaluate a search-as-you-type component",
)

# Bugs a developer files in the middle of a sprint; the PO puts each at the top.
URGENT_BUGS = (
    "Channel list scrolls back to the top after a new message",
    "Search returns messages from archived channels",
    "Read markers are lost after a reconnect",
    "Channels with 10,000 messages take 8 seconds to open",
    "Guests can see the full member list",
    "Link previews fail for URLs with emoji",
    "Typing indicator stays on after leaving a channel",
    "Attachments over 20 MB fail without an error",
    "Reactions are counted twice after editing a message",
    "Invitation link works after the invitation was revoked",
)

ACCEPTANCE = (
    (
        "The invitation e-mail arrives within one minute",
        "A new member lands in #general with the welcome message shown",
        "The whole flow works without a password",
        "An expired link shows a page to ask for a new one",
        "Every step can be completed with the keyboard alone",
        "The funnel event is recorded for each completed step",
    ),
    (
        "Replies appear for everyone in the thread without a reload",
        "The channel shows the reply count and the last repliers' avatars",
        "Autocomplete suggests members after one character, accents ignored",
        "A mentioned member gets the thread in their inbox",
        "Search results link to the message inside its thread",
        "Edits are marked as edited, with the original kept in history",
    ),
    (
        "Two people typing in the same paragraph never lose a character",
        "Comments stay attached to their passage after edits around it",
        "Every save creates a version that can be restored",
        "A locked doc can no longer be edited, only commented",
        "The export keeps headings, tables and checklists",
        "Guests see a read-only doc without the channel around it",
    ),
    (
        "No notification is sent during the member's quiet hours",
        "The digest lists unread threads grouped by channel",
        "Times are shown in the member's own time zone",
        "One click on 'unsubscribe' stops the digest without logging in",
        "Notifications of one thread are grouped into one",
        "Each notification says which rule triggered it",
    ),
    (
        "Works on iOS 17+ and Android 12+",
        "The last 200 messages of each channel are readable offline",
        "Messages written offline are sent in order on reconnect",
        "The badge count matches the unread count on the web",
        "Cold start to the channel list in under 2 seconds on a mid-range phone",
        "Dark mode follows the system setting",
    ),
    (
        "Only owners and admins can change these settings",
        "Every change is written to the audit log with who and when",
        "SSO login works with Okta, Entra ID and Google",
        "Invoices show VAT number and reverse-charge mention for EU customers",
        "Seat changes are prorated to the day",
        "A deactivated member can no longer log in or be mentioned",
    ),
)

GENERAL_ACCEPTANCE = (
    "Works in the latest two versions of Chrome, Firefox and Safari",
    "Covered by automated tests",
    "No new errors in the error tracker after release",
    "Strings are translated in English and French",
    "The page keeps a Lighthouse accessibility score of 95 or more",
)

BUG_NOTES = (
    "Reported by three customers this week.",
    "Seen in production logs since the last release.",
    "Found during the sprint review demo.",
    "Reported through support; reproducible on staging.",
)

TASKS = (
    "Write the migration",
    "API endpoint and serializer",
    "Template and htmx fragment",
    "Unit tests",
    "Browser test of the happy path",
    "Copy review with UX",
    "French translations",
    "Update the help centre article",
    "Load test on staging",
    "Review with the PO",
)

SPRINT_GOALS = (
    (
        "New teams can sign up and invite their teammates.",
        "Onboarding is measured: we know where people drop out.",
        "Threads are usable: reply, mention, follow.",
        "Find anything: search across messages.",
        "Conversations stay calm: resolve threads and first notification settings.",
        "The daily digest goes out to beta customers.",
    ),
    (
        "A doc can be created and edited together.",
        "Docs are safe: versions, comments, restore.",
        "The CRDT editor works offline for a day.",
        "Beta testers read channels on iOS and Android.",
        "Messages written offline are never lost.",
        "SSO and roles for the first enterprise pilot.",
    ),
)

# For --size large: the catalogue again, for other audiences and platforms.
VARIANTS = (
    "for guests",
    "for admins",
    "on iOS",
    "on Android",
    "in the API",
    "for large workspaces",
    "in French",
    "in dark mode",
    "with a screen reader",
    "for the EU region",
    "for new members",
    "on slow networks",
    "in shared channels",
    "for read-only members",
    "on tablets",
    "for enterprise plans",
    "for the free plan",
    "in the desktop browser",
    "with the keyboard only",
    "for workspaces with SSO",
)

# The retrospective and the review (demo/seed.py's _retros_and_reviews).
RETRO_CARDS = (
    ("well", "Pairing on the search index paid off"),
    ("improve", "Code reviews waited more than a day"),
    ("improve", "Pull requests sat without a reviewer"),
    ("well", "The demo environment stayed green all sprint"),
    ("ideas", "A review rota, one person a day"),
    ("improve", "Stories came in too big to finish in a week"),
    ("ideas", "Split stories in refinement, not in planning"),
)
RETRO_ACTIONS = (
    ("Set up a daily review rota", "Split any story over 8 points during refinement"),
    ("Keep the staging data fresh every Monday", "Write the release checklist down"),
)
REVIEW_FEEDBACK = (
    "Could the export include the comments too?",
    "The new filters are great; can we save them?",
    "Customers asked for a dark mode again.",
)
REVIEW_NOTES = """## Demo
- Search and filters shown on the staging site.
- The export works for the main report.

## Decisions
- Saved filters go into the backlog; the PO orders them next week.
"""

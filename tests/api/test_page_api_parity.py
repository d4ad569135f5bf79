"""Every action a page offers, side by side with the API operation that does the same.

Each named page URL is listed once: in ``ACTIONS`` with the API operations that do what
its form does, in ``VIEWS`` when it only shows something (what it shows is readable
through the API's lists), in ``NOT_FOR_SCRIPTS`` when it is about a browser session, or in
``MISSING`` while its operation is yet to be written. A new page URL fails the first test
until it is placed; an operation named here that the schema lacks fails the second; an
entry of ``MISSING`` whose operation now exists fails the third (move it to ``ACTIONS``).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

ACTIONS: dict[str, tuple[str, ...]] = {
    # Products and settings
    "products:all_products": ("POST /api/v1/products/",),
    "products:vision": ("PATCH /api/v1/products/{id}/",),
    "products:settings": ("PATCH /api/v1/products/{id}/",),
    "products:settings_archive": ("POST /api/v1/products/{id}/archive/",),
    "products:settings_checklists": ("POST /api/v1/checklist-items/",),
    "products:settings_readiness_rule": ("PATCH /api/v1/products/{id}/",),
    "products:checklist_item_edit": ("PATCH /api/v1/checklist-items/{id}/",),
    "products:checklist_item_move": ("POST /api/v1/checklist-items/{id}/move/",),
    "products:checklist_item_delete": ("DELETE /api/v1/checklist-items/{id}/",),
    "products:settings_teams": ("POST /api/v1/teams/",),
    "products:settings_team": ("PATCH /api/v1/teams/{id}/",),
    "products:team_archive": ("POST /api/v1/teams/{id}/archive/",),
    "products:settings_members": ("POST /api/v1/memberships/", "POST /api/v1/invitations/"),
    "products:member_role": ("PATCH /api/v1/memberships/{id}/",),
    "products:member_remove": ("DELETE /api/v1/memberships/{id}/",),
    "products:invitation_resend": ("POST /api/v1/invitations/{id}/resend/",),
    "products:invitation_revoke": ("POST /api/v1/invitations/{id}/revoke/",),
    # Backlog
    "backlog:quick_add": ("POST /api/v1/stories/",),
    "backlog:story_create": ("POST /api/v1/stories/",),
    "backlog:story": ("PATCH /api/v1/stories/{id}/", "DELETE /api/v1/stories/{id}/"),
    "backlog:story_move": ("POST /api/v1/stories/{id}/move/",),
    "sprints:card_move": ("POST /api/v1/stories/{id}/move/",),
    "backlog:mark_ready": ("POST /api/v1/stories/{id}/ready/",),
    "backlog:export_csv": ("GET /api/v1/stories/export/",),
    "backlog:import_csv": ("POST /api/v1/stories/import/",),
    "backlog:epics": ("POST /api/v1/epics/", "POST /api/v1/releases/"),
    "backlog:epic_update": ("PATCH /api/v1/epics/{id}/",),
    "backlog:task_add": ("POST /api/v1/tasks/",),
    "backlog:task_tick": ("PATCH /api/v1/tasks/{id}/",),
    "backlog:task_move": ("POST /api/v1/tasks/{id}/move/",),
    "backlog:task_delete": ("DELETE /api/v1/tasks/{id}/",),
    "backlog:settings_statuses": ("POST /api/v1/statuses/",),
    "backlog:status_edit": ("PATCH /api/v1/statuses/{id}/",),
    "backlog:status_move": ("POST /api/v1/statuses/{id}/move/",),
    "backlog:status_delete": ("DELETE /api/v1/statuses/{id}/",),
    # Sprints and ceremonies
    "sprints:sprint_create": ("POST /api/v1/sprints/",),
    "sprints:sprint_edit": ("PATCH /api/v1/sprints/{id}/",),
    "sprints:sprint_goal": ("PATCH /api/v1/sprints/{id}/",),
    "sprints:sprint_start": ("POST /api/v1/sprints/{id}/start/",),
    "sprints:sprint_close": ("POST /api/v1/sprints/{id}/close/",),
    "sprints:sprint_add_story": ("POST /api/v1/sprints/{id}/add-story/",),
    "sprints:sprint_remove_story": ("POST /api/v1/sprints/{id}/remove-story/",),
    "sprints:impediment_flag": ("POST /api/v1/impediments/",),
    "sprints:done_item": ("POST /api/v1/stories/{id}/done-items/",),
    "sprints:story_accept": ("POST /api/v1/stories/{id}/accept/",),
    "sprints:story_reject": ("POST /api/v1/stories/{id}/reject/",),
    "sprints:review_story_accept": ("POST /api/v1/stories/{id}/accept/",),
    "sprints:review_story_reject": ("POST /api/v1/stories/{id}/reject/",),
    "sprints:impediment_resolve": ("POST /api/v1/impediments/{id}/resolve/",),
    "sprints:team_impediment_resolve": ("POST /api/v1/impediments/{id}/resolve/",),
    "sprints:daily_entry": ("POST /api/v1/daily-entries/", "PATCH /api/v1/daily-entries/{id}/"),
    "sprints:daily_finished": ("POST /api/v1/daily-entries/finished/",),
    "sprints:retro_card_add": ("POST /api/v1/retro-cards/",),
    "sprints:retro_card_edit": ("PATCH /api/v1/retro-cards/{id}/",),
    "sprints:retro_card_delete": ("DELETE /api/v1/retro-cards/{id}/",),
    "sprints:retro_vote": ("POST /api/v1/retro-votes/", "DELETE /api/v1/retro-votes/{id}/"),
    "sprints:retro_group": ("POST /api/v1/retro-cards/{id}/group/",),
    "sprints:retro_votes": ("PATCH /api/v1/ceremonies/{id}/",),
    "sprints:retro_action_add": ("POST /api/v1/retro-actions/",),
    "sprints:retro_action_edit": ("PATCH /api/v1/retro-actions/{id}/",),
    "sprints:retro_action_done": ("PATCH /api/v1/retro-actions/{id}/",),
    "sprints:retro_action_delete": ("DELETE /api/v1/retro-actions/{id}/",),
    "sprints:retro_action_convert": ("POST /api/v1/retro-actions/{id}/story/",),
    "sprints:review_feedback_add": ("POST /api/v1/review-feedback/",),
    "sprints:review_feedback_convert": ("POST /api/v1/review-feedback/{id}/story/",),
    "sprints:review_notes": ("PATCH /api/v1/ceremonies/{id}/",),
    "sprints:ceremony_edit": ("PATCH /api/v1/ceremonies/{id}/",),
    "sprints:ceremony_cancel": ("POST /api/v1/ceremonies/{id}/cancel/",),
    "sprints:ceremony_restore": ("POST /api/v1/ceremonies/{id}/restore/",),
    "sprints:ceremony_start": ("POST /api/v1/ceremonies/{id}/start/",),
    "sprints:ceremony_end": ("POST /api/v1/ceremonies/{id}/end/",),
    "sprints:ceremony_attendance": ("POST /api/v1/ceremonies/{id}/attendance/",),
    "sprints:ceremony_notes": ("PATCH /api/v1/ceremonies/{id}/",),
    "sprints:estimation_open": ("POST /api/v1/estimation-rounds/",),
    "sprints:refinement_ready": ("POST /api/v1/stories/{id}/ready/",),
    "sprints:estimation_vote": ("POST /api/v1/estimation-votes/",),
    "sprints:estimation_reveal": ("POST /api/v1/estimation-rounds/{id}/reveal/",),
    "sprints:estimation_revote": ("POST /api/v1/estimation-rounds/{id}/revote/",),
    "sprints:estimation_agree": ("POST /api/v1/estimation-rounds/{id}/agree/",),
    "sprints:estimation_cancel": ("POST /api/v1/estimation-rounds/{id}/cancel/",),
}

# Pages that show what the API's lists and details give (GET only).
VIEWS = {
    "products:home",
    "backlog:backlog",
    "backlog:epic",
    "backlog:roadmap",
    "backlog:forecast_help",
    "sprints:product_overview",
    "sprints:team",
    "sprints:board",
    "sprints:impediments",
    "sprints:sprint",
    "sprints:sprint_plan",
    "sprints:card",
    "sprints:daily",
    "sprints:daily_today",
    "sprints:retro",
    "sprints:review",
    "sprints:calendar",
    "sprints:calendar_feed",
    "sprints:ceremony",
    "sprints:ceremony_ics",
    "sprints:refinement",
    "sprints:estimation_round",
    "changelog:updates",
    "changelog:release_notes",
    "changelog:update",
    "changelog:changelog",
    "changelog:changelog_feed",
    "healthz",
}

# A browser's session, a person's own account, or a link sent by e-mail: not for scripts.
NOT_FOR_SCRIPTS = {
    "products:invitation",
    "accounts:login",
    "accounts:logout",
    "accounts:set_language",
    "accounts:profile",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}

# Page actions whose API operation is still to be written (issue 16, "API gaps"), with the
# operation they will get. Each one leaves this table when its operation exists.
MISSING: dict[str, str] = {
    "backlog:bulk": "POST /api/v1/stories/bulk/",
    "backlog:story_label_add": "POST /api/v1/stories/{id}/labels/",
    "backlog:story_label_remove": "DELETE /api/v1/stories/{id}/labels/{label}/",
    "backlog:toggle_criterion": "POST /api/v1/stories/{id}/criteria/",
    "backlog:research": "POST /api/v1/insights/",
    "backlog:insight": "PATCH /api/v1/insights/{id}/",
    "backlog:insight_link": "POST /api/v1/insights/{id}/link/",
    "backlog:insight_unlink": "POST /api/v1/insights/{id}/unlink/",
    "sprints:sprint_availability": "POST /api/v1/sprints/{id}/availability/",
    "sprints:calendar_settings": "PATCH /api/v1/teams/{id}/timeboxes/",
    "sprints:calendar_token": "POST /api/v1/calendar-token/",
    "changelog:update_publish": "POST /api/v1/updates/{id}/publish/",
    "changelog:update_unpublish": "POST /api/v1/updates/{id}/unpublish/",
}


def _page_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith(("api/", "admin/")):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _page_names(pattern, inner)
        elif (
            isinstance(pattern, URLPattern)
            and pattern.name
            and not str(pattern.pattern).startswith(("api/", "admin/"))
        ):
            names.add(namespace + pattern.name)
    return names


@pytest.fixture(scope="module")
def operations() -> set[str]:
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    }


def test_every_page_url_is_placed_once() -> None:
    pages = _page_names(get_resolver())
    tables = [set(ACTIONS), VIEWS, NOT_FOR_SCRIPTS, set(MISSING)]
    placed = set().union(*tables)
    assert sorted(pages - placed) == [], "place each new page URL in one table"
    assert sorted(placed - pages) == [], "these URL names no longer exist"
    assert sum(map(len, tables)) == len(placed), "a URL name sits in two tables"


def test_every_page_action_has_its_api_operation(operations: set[str]) -> None:
    lacking = {name: op for name, ops in ACTIONS.items() for op in ops if op not in operations}
    assert lacking == {}


def test_no_missing_operation_exists_already(operations: set[str]) -> None:
    written = {name: op for name, op in MISSING.items() if op in operations}
    assert written == {}, "move these to ACTIONS"

"""Who may do what on the settings pages: every role against every settings action.

Expected answers are written out from DESIGN.md and issue 8, not derived from access.py:
the PM manages the product, its teams, members and invitations; the PM and the POs edit
the workflow and the checklists; only a superuser creates products. Every member reads
the settings (read-only); allowed actions redirect (302); members without the right get
403; non-members 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.access import Role
from products.models import ChecklistItem, Membership, Product, Team
from tests.products.test_page_access import ROLES

# The workflow's statuses are a backlog page (they hold stories); the rest of the settings
# are the products app's.
STATUS_PAGES = {"settings_statuses", "status_edit", "status_move", "status_delete"}


def _ns(name: str) -> str:
    return f"backlog:{name}" if name in STATUS_PAGES else f"products:{name}"


MEMBERS = {r for r in ROLES if r != "outsider"}
PM = {"pm", "superuser"}
WORKFLOW = {"pm", "po", "other_team_po", "superuser"}

ALLOWED: dict[str, set[str]] = {
    "read_product_settings": MEMBERS,
    "read_statuses": MEMBERS,
    "read_checklists": MEMBERS,
    "read_teams": MEMBERS,
    "read_team": MEMBERS,
    "read_members": MEMBERS,
    "edit_product_settings": PM,
    "archive_product": PM,
    "add_status": WORKFLOW,
    "edit_status": WORKFLOW,
    "move_status": WORKFLOW,
    "delete_status": WORKFLOW,
    "add_checklist_item": WORKFLOW,
    "edit_checklist_item": WORKFLOW,
    "move_checklist_item": WORKFLOW,
    "delete_checklist_item": WORKFLOW,
    "set_readiness_rule": WORKFLOW,
    "create_team": PM,
    "edit_team": PM,
    "archive_team": PM,
    "invite": PM,
    "resend_invitation": PM,
    "revoke_invitation": PM,
    "change_role": PM,
    "remove_member": PM,
}

Action = Callable[[Client, dict[str, Any]], Any]


def _get(name: str, *extra: str) -> Action:
    def act(c: Client, w: dict[str, Any]) -> Any:
        return c.get(reverse(_ns(name), args=[w["product"].slug, *(w[e] for e in extra)]))

    return act


def _post(url_name: str, key: str | None = None, /, **data: Any) -> Action:
    def act(c: Client, w: dict[str, Any]) -> Any:
        args = [w["product"].slug] + ([w[key]] if key else [])
        values = {k: (v(w) if callable(v) else v) for k, v in data.items()}
        return c.post(reverse(_ns(url_name), args=args), values)

    return act


TEAM_DATA = {
    "timezone": "Europe/Paris",
    "daily_time": "09:15",
    "working_days": ["1", "2", "3", "4", "5"],
    "sprint_weeks": "2",
}

ACTIONS: dict[str, Action] = {
    "read_product_settings": _get("settings"),
    "read_statuses": _get("settings_statuses"),
    "read_checklists": _get("settings_checklists"),
    "read_teams": _get("settings_teams"),
    "read_team": _get("settings_team", "team_slug"),
    "read_members": _get("settings_members"),
    "edit_product_settings": _post(
        "settings", name="Renamed", slug="cadence", estimation_scale="fibonacci",
        tshirt_XS=1, tshirt_S=2, tshirt_M=3, tshirt_L=5, tshirt_XL=8, tshirt_XXL=13,
    ),
    "archive_product": _post("settings_archive", archived="1"),
    "add_status": _post("settings_statuses", **{"new-name": "QA", "new-category": "in_progress"}),
    "edit_status": _post(
        "status_edit", "status", **{"s-name": "Testing", "s-category": "in_progress"}
    ),
    "move_status": _post("status_move", "status", direction="up"),
    "delete_status": _post("status_delete", "status"),
    "add_checklist_item": _post(
        "settings_checklists", kind="done", **{"new-done-text": "Demo given"}
    ),
    "edit_checklist_item": _post("checklist_item_edit", "item", **{"c-text": "Edited"}),
    "move_checklist_item": _post("checklist_item_move", "item", direction="down"),
    "delete_checklist_item": _post("checklist_item_delete", "item"),
    "set_readiness_rule": _post("settings_readiness_rule", readiness_rule="enforce"),
    "create_team": _post("settings_teams", name="Herons", slug="herons", **TEAM_DATA),
    "edit_team": _post("settings_team", "team_slug", name="Falcons 2", slug="falcons", **TEAM_DATA),
    "archive_team": _post("team_archive", "team_slug", archived="1"),
    "invite": _post("settings_members", email="new@example.com", role="stakeholder"),
    "resend_invitation": _post("invitation_resend", "invitation"),
    "revoke_invitation": _post("invitation_revoke", "invitation"),
    "change_role": _post("member_role", "membership", role="sm"),
    "remove_member": _post("member_remove", "membership"),
}  # fmt: skip


@pytest.fixture
def world(product: Product, team: Team, other_team: Team, superuser: Any) -> dict[str, Any]:
    from products import invitations

    status = product.statuses.get(name="Review")
    item = ChecklistItem.objects.filter(product=product).first()
    assert item is not None
    invitation, _token = invitations.invite(
        actor=superuser, product=product, email="guest@example.com", role=Role.STAKEHOLDER
    )
    extra = Membership.objects.create(
        user=_user("extra"), product=product, team=other_team, role=Role.DEVELOPER
    )
    return {
        "product": product,
        "team_slug": team.slug,
        "status": status.pk,
        "item": item.pk,
        "invitation": invitation.pk,
        "membership": extra.pk,
    }


def _user(username: str) -> Any:
    from tests.products.factories import UserFactory

    return UserFactory(username=username)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_answer_of_the_matrix(
    client: Client, request: pytest.FixtureRequest, world: dict[str, Any], role: str, action: str
) -> None:
    client.force_login(request.getfixturevalue(role))
    act = ACTIONS[action]
    if action == "edit_status":
        act = _post(
            "status_edit",
            "status",
            **{
                f"s{world['status']}-name": "Testing",
                f"s{world['status']}-category": "in_progress",
            },
        )
    elif action == "edit_checklist_item":
        act = _post(
            "checklist_item_edit",
            "item",
            **{f"c{world['item']}-text": "Edited", f"c{world['item']}-rule": ""},
        )
    response = act(client, world)
    if role in ALLOWED[action]:
        expected = 200 if action.startswith("read_") else 302
    else:
        expected = 404 if role == "outsider" else 403
    assert response.status_code == expected, (role, action, response.content[:600])


@pytest.mark.parametrize(
    ("role", "status"),
    [("superuser", 200), ("pm", 403), ("po", 403), ("developer", 403), ("outsider", 403)],
)
def test_only_a_superuser_sees_and_creates_every_product(
    client: Client, request: pytest.FixtureRequest, role: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("products:all_products")).status_code == status
    data = {"name": "New", "slug": "new", "pm_email": "someone@example.com"}
    response = client.post(reverse("products:all_products"), data)
    assert response.status_code == (302 if status == 200 else 403)
    assert Product.objects.filter(slug="new").exists() is (status == 200)


def test_read_only_members_see_no_write_control(
    client: Client, developer: Any, world: dict[str, Any]
) -> None:
    client.force_login(developer)
    for name in ("settings", "settings_statuses", "settings_checklists", "settings_members"):
        html = client.get(reverse(_ns(name), args=[world["product"].slug])).content
        assert (
            b'type="submit"'
            not in html.replace(b"data-autosubmit-button>", b"").split(b'<main id="main"')[1]
        ), name
    members = client.get(reverse("products:settings_members", args=[world["product"].slug]))
    assert b"guest@example.com" not in members.content  # invitations are the PM's

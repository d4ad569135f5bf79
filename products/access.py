"""The permission policy: the capability matrix of DESIGN.md as data, and one question.

``can(user, capability, obj)`` answers for any object with an ``access_scope``
(``(product_id, team_id or None)``). Product-level roles (PM, Stakeholder) hold their
capabilities on the whole product. Team-level roles (PO, Scrum Master, Developer) hold
team-scoped capabilities only on their own team's objects; a story with no team is in
every PO's reach. Superusers act as Head of Product: every right on every product.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from products.models import Membership, Product, Role, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class Capability(enum.StrEnum):
    VIEW = "view"
    EDIT_VISION = "edit_vision"
    MANAGE_TEAMS = "manage_teams"
    EDIT_WORKFLOW = "edit_workflow"
    EDIT_EPICS = "edit_epics"
    CREATE_STORY = "create_story"
    EDIT_STORY = "edit_story"
    ORDER_BACKLOG = "order_backlog"
    ACCEPT_STORY = "accept_story"
    PLAN_SPRINTS = "plan_sprints"
    MOVE_CARDS = "move_cards"
    SCHEDULE_CEREMONIES = "schedule_ceremonies"
    WRITE_DAILY = "write_daily"
    GIVE_FEEDBACK = "give_feedback"
    CONVERT_TO_STORY = "convert_to_story"


C = Capability

# The matrix. "order the product backlog, mark stories ready" is ORDER_BACKLOG;
# "accept a done story, delete a story" is ACCEPT_STORY; "move cards, add tasks" is
# MOVE_CARDS; "write a daily entry, retrospective items, votes" is WRITE_DAILY.
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.PM: frozenset(
        {
            C.VIEW,
            C.EDIT_VISION,
            C.MANAGE_TEAMS,
            C.EDIT_WORKFLOW,
            C.EDIT_EPICS,
            C.CREATE_STORY,
            C.EDIT_STORY,
            C.GIVE_FEEDBACK,
        }
    ),
    Role.PO: frozenset(
        {
            C.VIEW,
            C.EDIT_WORKFLOW,
            C.CREATE_STORY,
            C.EDIT_STORY,
            C.ORDER_BACKLOG,
            C.ACCEPT_STORY,
            C.PLAN_SPRINTS,
            C.MOVE_CARDS,
            C.SCHEDULE_CEREMONIES,
            C.WRITE_DAILY,
            C.GIVE_FEEDBACK,
            C.CONVERT_TO_STORY,
        }
    ),
    Role.SCRUM_MASTER: frozenset(
        {
            C.VIEW,
            C.CREATE_STORY,
            C.EDIT_STORY,
            C.PLAN_SPRINTS,
            C.MOVE_CARDS,
            C.SCHEDULE_CEREMONIES,
            C.WRITE_DAILY,
            C.GIVE_FEEDBACK,
        }
    ),
    Role.DEVELOPER: frozenset(
        {C.VIEW, C.CREATE_STORY, C.EDIT_STORY, C.MOVE_CARDS, C.WRITE_DAILY, C.GIVE_FEEDBACK}
    ),
    Role.STAKEHOLDER: frozenset({C.VIEW, C.GIVE_FEEDBACK}),
}

# Capabilities that a team-level role holds only on its own team's objects. The rest
# (viewing, the workflow, creating stories, feedback) reach the whole product.
TEAM_SCOPED = frozenset(
    {
        C.EDIT_STORY,
        C.ORDER_BACKLOG,
        C.ACCEPT_STORY,
        C.PLAN_SPRINTS,
        C.MOVE_CARDS,
        C.SCHEDULE_CEREMONIES,
        C.WRITE_DAILY,
        C.CONVERT_TO_STORY,
    }
)


class Scoped(Protocol):
    @property
    def access_scope(self) -> tuple[int, int | None]: ...


# (team_id or None, role) pairs of one user, per product id.
Grants = dict[int, list[tuple[int | None, str]]]


def _grants(user: User) -> Grants:
    """One query per user object (so per request), then answered from memory."""
    cached: Grants | None = getattr(user, "_cadence_grants", None)
    if cached is None:
        cached = defaultdict(list)
        archived: set[int] = set()
        # Ordered: the join on the product would let PostgreSQL return another order.
        memberships = Membership.objects.filter(user=user).order_by("pk")
        for product_id, team_id, role, archived_at in memberships.values_list(
            "product_id", "team_id", "role", "product__archived_at"
        ):
            cached[product_id].append((team_id, role))
            if archived_at is not None:
                archived.add(product_id)
        user._cadence_grants = cached  # type: ignore[union-attr]
        user._cadence_archived = archived  # type: ignore[union-attr]
    return cached


def _is_archived(user: User, obj: Scoped) -> bool:
    """Whether obj's product (or obj itself, a team) is archived: read-only for everyone."""
    if getattr(obj, "archived_at", None) is not None:
        return True
    if isinstance(obj, Product):
        return False
    product_id = obj.access_scope[0]
    if not user.is_superuser:
        _grants(user)
        return product_id in user._cadence_archived  # type: ignore[union-attr]
    archived: set[int] | None = getattr(user, "_cadence_archived_all", None)
    if archived is None:
        archived = set(
            Product.objects.filter(archived_at__isnull=False).values_list("pk", flat=True)
        )
        user._cadence_archived_all = archived  # type: ignore[union-attr]
    return product_id in archived


def forget(user: User) -> None:
    """Drop the cached grants after the user's memberships changed."""
    for name in ("_cadence_grants", "_cadence_archived", "_cadence_archived_all"):
        user.__dict__.pop(name, None)


def is_member(user: User | AnonymousUser, obj: Scoped) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(_grants(user).get(obj.access_scope[0]))  # type: ignore[arg-type]


def can(user: User | AnonymousUser, capability: Capability | str, obj: Scoped) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    capability = Capability(capability)
    # An archived product, or team, is read-only: the one check every write service passes.
    if capability != C.VIEW and _is_archived(user, obj):  # type: ignore[arg-type]
        return False
    if user.is_superuser:
        return True
    product_id, team_id = obj.access_scope
    for member_team_id, role in _grants(user).get(product_id, ()):  # type: ignore[arg-type]
        if capability not in ROLE_CAPABILITIES[Role(role)]:
            continue
        if member_team_id is None or capability not in TEAM_SCOPED:
            return True
        if team_id == member_team_id:
            return True
        if team_id is None and role == Role.PO:
            return True
    return False


def capabilities(user: User | AnonymousUser, obj: Scoped) -> frozenset[str]:
    """Every capability the user holds on obj, for templates to hide what they can't do."""
    return frozenset(c.value for c in Capability if can(user, c, obj))


def require(user: User | AnonymousUser, capability: Capability | str, obj: Scoped) -> None:
    """Refuse with 404 when the user isn't a member of obj's product, 403 when the role lacks it."""
    if can(user, capability, obj):
        return
    if not is_member(user, obj):
        raise Http404(_("No such page."))
    raise PermissionDenied(_("Your role does not allow this."))


def is_head_of_product(user: User | AnonymousUser) -> bool:
    """A superuser: sees every product and is the only one to create products."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_product_manager(user: User | AnonymousUser, product: Product) -> bool:
    """A PM of the product or a superuser, archived or not: who may archive and unarchive."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(role == Role.PM for _team, role in _grants(user).get(product.pk, ()))  # type: ignore[arg-type]


def roles_in(user: User, product_id: int) -> list[tuple[int | None, str]]:
    return list(_grants(user).get(product_id, ()))


def get_product_or_404(user: User | AnonymousUser, slug: str) -> Product:
    """The product with this slug if the user belongs to it; 404 alike for unknown and foreign."""
    return get_object_or_404(Product.objects.for_user(user), slug=slug)  # type: ignore[arg-type]


def get_team_or_404(user: User | AnonymousUser, slug: str, team_slug: str) -> tuple[Product, Team]:
    """The product and its team with these slugs, for a member; 404 alike otherwise."""
    product = get_product_or_404(user, slug)
    team = get_object_or_404(Team, product=product, slug=team_slug)
    team.product = product
    return product, team

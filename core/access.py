"""The permission policy: the capability matrix of DESIGN.md as data, and one question.

``can(user, capability, obj)`` answers for any object with an ``access_scope``
(``(product_id, team_id or None)``). Product-level roles (PM, Stakeholder) hold their
capabilities on the whole product. Team-level roles (PO, Scrum Master, Developer) hold
team-scoped capabilities only on their own team's objects; a story with no team is in
every PO's reach. Superusers act as Head of Product: every right on every product.

The roles a user holds are rows of ``products.Membership``, an app above this one. They
are read by the function that ``settings.ACCESS_GRANTS`` names (``products.grants.load``),
once per user object, the way ``django.contrib.auth`` asks the backends that
``AUTHENTICATION_BACKENDS`` names: the policy stays here, the data stays there, and no
import runs upward.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class Role(models.TextChoices):
    PM = "pm", gettext_lazy("Product Manager")
    PO = "po", gettext_lazy("Product Owner")
    SCRUM_MASTER = "sm", gettext_lazy("Scrum Master")
    DEVELOPER = "dev", gettext_lazy("Developer")
    STAKEHOLDER = "stakeholder", gettext_lazy("Stakeholder")


# Roles held on the whole product; the others are held in one team. Tuples, not sets:
# the membership constraint lists them, and its migration must not depend on hash order.
PRODUCT_ROLES = (Role.PM, Role.STAKEHOLDER)
TEAM_ROLES = (Role.PO, Role.SCRUM_MASTER, Role.DEVELOPER)


def check_role_scope(role: str, *, in_team: bool, field: str = "team") -> None:
    """Refuse a role held at the wrong level: PM and Stakeholder belong to the product,
    PO, Scrum Master and Developer to a team."""
    if (Role(role) in PRODUCT_ROLES) == in_team:
        raise ValidationError(
            {
                field: _(
                    "Product Managers and Stakeholders belong to the product; "
                    "Product Owners, Scrum Masters and Developers to a team."
                )
            }
        )


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
    # Archive or unarchive the product: also on an archived one, which it brings back.
    ARCHIVE_PRODUCT = "archive_product"
    # Vote in planning poker.
    ESTIMATE = "estimate"
    # Change or remove what one wrote oneself (a daily entry, a retrospective card).
    EDIT_OWN = "edit_own"
    # Create products and see every product: the Head of Product's, asked of SITE.
    CREATE_PRODUCT = "create_product"


C = Capability


class _Site:
    """The whole site, for capabilities that no product holds (CREATE_PRODUCT)."""

    access_scope = (0, None)


SITE = _Site()

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
            C.ARCHIVE_PRODUCT,
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
            C.ESTIMATE,
            C.EDIT_OWN,
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
            C.ESTIMATE,
            C.EDIT_OWN,
        }
    ),
    Role.DEVELOPER: frozenset(
        {
            C.VIEW,
            C.CREATE_STORY,
            C.EDIT_STORY,
            C.MOVE_CARDS,
            C.WRITE_DAILY,
            C.GIVE_FEEDBACK,
            C.ESTIMATE,
            C.EDIT_OWN,
        }
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
        C.ESTIMATE,
        C.EDIT_OWN,
    }
)
# Capabilities held only on objects the user wrote (their ``author_id``).
AUTHOR_ONLY = frozenset({C.EDIT_OWN})
# Capabilities that archiving a product doesn't take away: reading it, the way back, and
# what no product holds.
ON_ARCHIVED = frozenset({C.VIEW, C.ARCHIVE_PRODUCT, C.CREATE_PRODUCT})


def roles_with(capability: Capability) -> tuple[Role, ...]:
    """The roles that hold ``capability`` (who votes in planning poker, say)."""
    return tuple(role for role, caps in ROLE_CAPABILITIES.items() if capability in caps)


class Scoped(Protocol):
    @property
    def access_scope(self) -> tuple[int, int | None]: ...


@dataclass
class Grants:
    """What one user holds: ``(team_id or None, role)`` pairs per product id, and which of
    those products are archived. A superuser reaches every product: which of all are
    archived is asked of ``all_archived`` the first time it matters."""

    roles: dict[int, list[tuple[int | None, str]]] = field(default_factory=dict)
    archived: set[int] = field(default_factory=set)
    all_archived: Callable[[], set[int]] | None = None

    def is_archived(self, product_id: int) -> bool:
        if self.all_archived is not None:
            self.archived, self.all_archived = self.all_archived(), None
        return product_id in self.archived


@cache
def _loader() -> Callable[[User], Grants]:
    loader: Callable[[User], Grants] = import_string(settings.ACCESS_GRANTS)
    return loader


def grants(user: User) -> Grants:
    """One query per user object (so per request), then answered from memory."""
    cached: Grants | None = user.__dict__.get("_cadence_grants")
    if cached is None:
        cached = _loader()(user)
        user.__dict__["_cadence_grants"] = cached
    return cached


def _is_archived(user: User, obj: Scoped) -> bool:
    """Whether obj's product (or obj itself, a team) is archived: read-only for everyone."""
    if getattr(obj, "archived_at", None) is not None:
        return True
    return grants(user).is_archived(obj.access_scope[0])


def forget(user: User) -> None:
    """Drop the cached grants after the user's memberships changed."""
    user.__dict__.pop("_cadence_grants", None)


def is_member(user: User | AnonymousUser, obj: Scoped) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(grants(user).roles.get(obj.access_scope[0]))


def can(user: User | AnonymousUser, capability: Capability | str, obj: Scoped) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    capability = Capability(capability)
    # An archived product, or team, is read-only: the one check every write service passes.
    if capability not in ON_ARCHIVED and _is_archived(user, obj):
        return False
    # What one wrote is one's own: not even a superuser writes in someone else's name.
    if capability in AUTHOR_ONLY and getattr(obj, "author_id", None) != user.pk:
        return False
    if user.is_superuser:
        return True
    product_id, team_id = obj.access_scope
    for member_team_id, role in grants(user).roles.get(product_id, ()):
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
    """Sees every product and is the only one to create products: a superuser."""
    return can(user, C.CREATE_PRODUCT, SITE)


def teams_where(user: User, product_id: int, capability: Capability) -> set[int]:
    """The teams of the product where the user holds ``capability`` through a team role
    (a PO's slice of the backlog: the teams whose backlog it orders)."""
    return {
        team_id
        for team_id, role in grants(user).roles.get(product_id, ())
        if team_id is not None and capability in ROLE_CAPABILITIES[Role(role)]
    }


def holds_anywhere(user: User | AnonymousUser, capability: Capability) -> bool:
    """Whether some role of the user, in some product, holds ``capability``: an API create
    refuses with 403 before it reads a body that it could never act on (a body's errors
    would otherwise come first, a 400 that tells a user without the right what to fix)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        capability in ROLE_CAPABILITIES[Role(role)]
        for roles in grants(user).roles.values()
        for _team, role in roles
    )


def roles_in(user: User, product_id: int) -> list[tuple[int | None, str]]:
    return list(grants(user).roles.get(product_id, ()))


def product_ids(user: User | AnonymousUser) -> list[int] | None:
    """The ids of the products the user belongs to; None for a superuser (all of them)."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    return list(grants(user).roles)

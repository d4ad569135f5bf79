"""Each member's secret address of a team's iCalendar feed."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction

from core import access, clock, events
from core.access import Capability
from products.models import Team
from sprints.models import TeamCalendar

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def regenerate_calendar_token(*, actor: User, team: Team) -> TeamCalendar:
    """A new secret address of the team's feed for ``actor`` (their first, or one that
    replaces their old one, which then answers 404; nobody else's changes). Every member
    who may see the team has their own; refuses the others."""
    access.require(actor, Capability.VIEW, team)
    token = secrets.token_urlsafe(32)
    calendar, created = TeamCalendar.objects.select_for_update().get_or_create(
        team=team, user=actor, defaults={"token": token}
    )
    if not created:
        calendar.token, calendar.created_at = token, clock.now()
        calendar.save(update_fields=["token", "created_at"])
    # The token itself stays out of the log: the log is readable by every member.
    events.record(
        calendar,
        "calendar.token_created" if created else "calendar.token_regenerated",
        actor=actor,
    )
    return calendar

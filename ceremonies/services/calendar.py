"""The secret address of a team's iCalendar feed."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction

from ceremonies.models import TeamCalendar
from products import access, clock, events
from products.access import Capability
from products.models import Team

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def regenerate_calendar_token(*, actor: User, team: Team) -> TeamCalendar:
    """A new secret address for the team's feed (the first one, or one that replaces the old,
    which then answers 404). Refuses those who may not schedule the team's ceremonies."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, team)
    token = secrets.token_urlsafe(32)
    calendar, created = TeamCalendar.objects.select_for_update().get_or_create(
        team=team, defaults={"token": token}
    )
    if not created:
        calendar.token, calendar.created_at = token, clock.now()
        calendar.save(update_fields=["token", "created_at"])
    # The token itself stays out of the log: the log is readable by every member.
    events.record(
        actor=actor,
        verb="calendar.token_created" if created else "calendar.token_regenerated",
        product=team.product_id,
        team=team,
        obj=calendar,
    )
    return calendar

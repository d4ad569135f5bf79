"""What the sprints app's changes set off here, through products.events.on_record (the
sprints app may not import ceremonies). Registered in CeremoniesConfig.ready()."""

from __future__ import annotations

from typing import Any

from ceremonies.services import reschedule_sprint_ceremonies, schedule_sprint_ceremonies
from products import events
from products.models import Event

SPRINT_CREATED = "sprint.created"
SPRINT_UPDATED = "sprint.updated"


def sprint_created(event: Event, sprint: Any) -> None:
    """Planning a sprint schedules its ceremonies, by whoever planned it."""
    schedule_sprint_ceremonies(actor=event.actor, sprint=sprint)


def sprint_updated(event: Event, sprint: Any) -> None:
    """New dates move the sprint's future ceremonies; a new name or goal moves nothing."""
    dates = ("start_date", "end_date")
    if any(event.before.get(f) != event.after.get(f) for f in dates):
        reschedule_sprint_ceremonies(actor=event.actor, sprint=sprint)


def register() -> None:
    events.on_record(SPRINT_CREATED, sprint_created)
    events.on_record(SPRINT_UPDATED, sprint_updated)

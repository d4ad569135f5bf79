"""Every change to ceremonies, by concept: scheduling here (``scheduling.py``), minutes and
attendance (``minutes.py``), the calendar feed's address (``calendar.py``), the daily
meeting (``daily.py``), the retrospective (``retro.py``), the sprint review (``review.py``)
and planning poker (``estimation.py``). All are reached as ``ceremonies.services.<verb>``.
"""

from __future__ import annotations

from ceremonies.services.calendar import regenerate_calendar_token
from ceremonies.services.minutes import (
    end_ceremony,
    set_attendance,
    start_ceremony,
    update_ceremony_notes,
)
from ceremonies.services.scheduling import (
    StaleCeremony,
    cancel_ceremony,
    plan_for,
    reschedule_sprint_ceremonies,
    restore_ceremony,
    schedule_sprint_ceremonies,
    timebox_limit,
    update_ceremony,
    update_team_timeboxes,
)

__all__ = [
    "StaleCeremony",
    "cancel_ceremony",
    "end_ceremony",
    "plan_for",
    "regenerate_calendar_token",
    "reschedule_sprint_ceremonies",
    "restore_ceremony",
    "schedule_sprint_ceremonies",
    "set_attendance",
    "start_ceremony",
    "timebox_limit",
    "update_ceremony",
    "update_ceremony_notes",
    "update_team_timeboxes",
]

"""Every change to ceremonies, by concept: scheduling here (``scheduling.py``), the daily
meeting (``daily.py``), the retrospective (``retro.py``), the sprint review (``review.py``)
and planning poker (``estimation.py``). All are reached as ``ceremonies.services.<verb>``.
"""

from __future__ import annotations

from ceremonies.services.daily import (
    StaleEntry,
    daily_date,
    is_editable_today,
    set_daily_finished,
    write_daily_entry,
)
from ceremonies.services.scheduling import plan_for, schedule_sprint_ceremonies

__all__ = [
    "StaleEntry",
    "daily_date",
    "is_editable_today",
    "plan_for",
    "schedule_sprint_ceremonies",
    "set_daily_finished",
    "write_daily_entry",
]

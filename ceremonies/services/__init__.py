"""Every change to ceremonies, by concept: scheduling here (``scheduling.py``), the daily
meeting (``daily.py``), the retrospective (``retro.py``), the sprint review (``review.py``)
and planning poker (``estimation.py``). All are reached as ``ceremonies.services.<verb>``.
"""

from __future__ import annotations

from ceremonies.services.estimation import (
    agree_round,
    cancel_round,
    cast_vote,
    open_round,
    reveal_round,
    revote,
)
from ceremonies.services.scheduling import plan_for, schedule_sprint_ceremonies

__all__ = [
    "agree_round",
    "cancel_round",
    "cast_vote",
    "open_round",
    "plan_for",
    "reveal_round",
    "revote",
    "schedule_sprint_ceremonies",
]

"""The sprints app's data, by concept: the work inside a sprint (impediments, days off,
the Definition of Done and acceptance, ``work.py``) and its events (ceremonies, the daily,
the retrospective, the review, planning poker, ``ceremonies.py``). The Sprint itself is
``backlog.models.Sprint``: a story names its sprint."""

from __future__ import annotations

from sprints.models.cards import Card, CardQuerySet
from sprints.models.ceremonies import (
    Ceremony,
    CeremonyKind,
    DailyEntry,
    EstimationRound,
    EstimationVote,
    RetroAction,
    RetroCard,
    RetroColumn,
    RetroVote,
    ReviewFeedback,
    RoundState,
    TeamCalendar,
)
from sprints.models.work import (
    Acceptance,
    DoneCheck,
    Impediment,
    ImpedimentQuerySet,
    MemberAvailability,
)

__all__ = [
    "Acceptance", "Card", "CardQuerySet", "Ceremony", "CeremonyKind", "DailyEntry",
    "DoneCheck", "EstimationRound", "EstimationVote", "Impediment", "ImpedimentQuerySet",
    "MemberAvailability", "RetroAction", "RetroCard", "RetroColumn", "RetroVote",
    "ReviewFeedback", "RoundState", "TeamCalendar",
]  # fmt: skip

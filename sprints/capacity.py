"""How much a team can take into a sprint: its recent pace, scaled by who is there.

Forecast capacity = the average completed points of the team's last closed sprints
× availability, where availability = the members' working days in the sprint minus their
days off, over members × working days. Three queries whatever the team's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean
from typing import TYPE_CHECKING

from backlog.models import Sprint, SprintState
from products.models import Membership
from sprints.models import MemberAvailability

if TYPE_CHECKING:
    from accounts.models import User

# The same window as the backlog's velocity (backlog.forecast.VELOCITY_SPRINTS).
HISTORY_SPRINTS = 3


@dataclass(frozen=True)
class MemberDays:
    user: User
    working_days: int
    days_off: int

    @property
    def available_days(self) -> int:
        return max(self.working_days - self.days_off, 0)


@dataclass(frozen=True)
class Capacity:
    history: list[int]  # completed points of the last closed sprints, newest first
    working_days: int
    members: list[MemberDays]

    @property
    def average(self) -> float | None:
        return mean(self.history) if self.history else None

    @property
    def availability(self) -> float:
        """1.0 when everyone is there all sprint long (and for a team with no member yet)."""
        possible = len(self.members) * self.working_days
        if not possible:
            return 1.0
        return sum(m.available_days for m in self.members) / possible

    @property
    def forecast(self) -> int | None:
        """Whole points, as stories are estimated; None without any closed sprint."""
        if self.average is None:
            return None
        return int(self.average * self.availability + 0.5)

    def over_by(self, committed: int) -> int:
        """Points committed beyond the forecast; 0 when within it or without a forecast."""
        return max(committed - self.forecast, 0) if self.forecast is not None else 0


def team_members(sprint: Sprint) -> list[User]:
    """Everyone with a role in the sprint's team, once each, by name."""
    users: dict[int, User] = {}
    memberships = Membership.objects.filter(team_id=sprint.team_id).select_related("user")
    for membership in memberships.order_by("user__first_name", "user__username"):
        users.setdefault(membership.user_id, membership.user)
    return list(users.values())


def capacity(sprint: Sprint) -> Capacity:
    history = [
        points
        for points in Sprint.objects.filter(
            team_id=sprint.team_id, state=SprintState.CLOSED, completed_points__isnull=False
        )
        .exclude(pk=sprint.pk)
        .order_by("-end_date")
        .values_list("completed_points", flat=True)[:HISTORY_SPRINTS]
        if points is not None  # excluded by the query; the column is nullable
    ]
    working = sprint.working_days
    days_off = dict(
        MemberAvailability.objects.filter(sprint=sprint).values_list("user_id", "days_off")
    )
    members = [
        MemberDays(user, working, min(days_off.get(user.pk, 0), working))
        for user in team_members(sprint)
    ]
    return Capacity(history=history, working_days=working, members=members)

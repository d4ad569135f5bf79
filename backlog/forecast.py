"""What the event log says about each team's pace."""

from __future__ import annotations

from collections import defaultdict
from statistics import mean

from products.models import Event, Product

# How many recent closed sprints make a team's measured velocity.
VELOCITY_SPRINTS = 3


def completed_points(product: Product, *, last: int = VELOCITY_SPRINTS) -> dict[int, list[int]]:
    """Completed points of each team's last closed sprints, newest first (one query)."""
    closes = (
        Event.objects.filter(product=product, verb="sprint.closed", team__isnull=False)
        .order_by("-created_at")
        .values_list("team_id", "after")
    )
    by_team: dict[int, list[int]] = defaultdict(list)
    # Enough rows for every team's last sprints without reading the whole history.
    for team_id, after in closes[: last * max(product.teams.count(), 1) * 2]:
        if len(by_team[team_id]) < last:
            by_team[team_id].append(int(after.get("completed_points") or 0))
    return dict(by_team)


def velocity(product: Product, team_id: int | None = None) -> float | None:
    """Average completed points per sprint: of one team, or summed over the product's teams."""
    history = completed_points(product)
    if team_id is not None:
        points = history.get(team_id)
        return mean(points) if points else None
    velocities = [mean(p) for p in history.values() if p]
    return sum(velocities) if velocities else None

"""What the event log says about each team's pace, and what that promises for the epics."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass
from statistics import mean
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Avg, Case, F, Max, Sum, When, Window

from backlog.models import Story
from core import clock
from core.models import Event
from products.models import Product, StatusCategory

# How many recent closed sprints make a team's measured velocity.
VELOCITY_SPRINTS = 3


def completed_points(product: Product, *, last: int = VELOCITY_SPRINTS) -> dict[int, list[int]]:
    """Completed points of each team's last closed sprints, newest first (one query)."""
    closes = (
        Event.objects.filter(product_id=product.pk, verb="sprint.closed", team_id__isnull=False)
        .order_by("-created_at")
        .values_list("team_id", "after")
    )
    by_team: dict[int, list[int]] = defaultdict(list)
    # Enough rows for every team's last sprints without reading the whole history.
    for team_id, after in closes[: last * max(product.teams.count(), 1) * 2]:
        if team_id is None:  # excluded by the query; the column is nullable
            continue
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


# --- Monte Carlo forecast of epics -------------------------------------------------------

TRIALS = 1000
SEED = 7  # fixed, so that the same history gives the same forecast on every page load
HISTORY_SPRINTS = 6  # a team's recent sprints sampled for its possible next sprint
MAX_SPRINTS = 104  # four years of two-week sprints: "not in sight" beyond that


@dataclass(frozen=True)
class EpicForecast:
    remaining: float  # points of the epic's unfinished stories (unestimated ones averaged)
    work_ahead: float  # points to finish before the epic's last story is done, its own included
    p50_sprints: int | None
    p85_sprints: int | None
    p50_date: dt.date | None
    p85_date: dt.date | None
    late: bool

    @property
    def available(self) -> bool:
        return self.p85_sprints is not None


def sprints_needed(samples: list[list[int]], works: list[float]) -> list[list[int | None]]:
    """For each amount of work, the sprint count in each trial (None: beyond MAX_SPRINTS).

    Each simulated sprint, every team completes one of its past sprints' points picked at
    random; the product's throughput is their sum. Trials are seeded: reproducible.
    """
    rng = random.Random(SEED)
    target = max(works, default=0)
    # Enough sprints for the largest amount at the slowest pace seen, within the horizon.
    slowest = sum(min(team) for team in samples) or 1
    horizon = min(MAX_SPRINTS, int(target / slowest) + 1)
    results: list[list[int | None]] = [[] for _ in works]
    for _ in range(TRIALS):
        per_team = [rng.choices(team, k=horizon) for team in samples]
        cumulative = list(itertools.accumulate(map(sum, zip(*per_team, strict=True))))
        for i, work in enumerate(works):
            n = bisect.bisect_left(cumulative, work) + 1 if work > 0 else 0
            results[i].append(n if n <= len(cumulative) else None)
    return results


def _percentile(values: list[int | None], q: float) -> int | None:
    ordered = sorted(values, key=lambda v: MAX_SPRINTS + 1 if v is None else v)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def forecast_epics(
    product: Product, epics: list[Any], today: dt.date, sprint_days: int
) -> dict[int, EpicForecast]:
    """Per epic: when its unfinished stories will be done, given their place in the backlog.

    Work ahead of an epic is every unfinished story ranked up to the epic's last unfinished
    one, whatever its epic (the team does the backlog in order). Unestimated stories count
    as the product's average story. Four queries whatever the backlog's size.
    """
    samples = [p for p in completed_points(product, last=HISTORY_SPRINTS).values() if p]
    open_stories = Story.objects.filter(product=product).exclude(
        status__category=StatusCategory.DONE
    )
    average = float(open_stories.aggregate(avg=Avg("points"))["avg"] or 0)
    # Each epic's last unfinished story, with the points (and unestimated stories) ranked
    # up to it: a running sum over the backlog in rank order, computed by the database.
    unestimated = Case(When(points__isnull=True, then=1), default=0)
    cut = (
        open_stories.annotate(
            ahead_points=Window(Sum("points"), order_by=F("rank").asc()),
            ahead_unestimated=Window(Sum(unestimated), order_by=F("rank").asc()),
            epic_last=Window(Max("rank"), partition_by=[F("epic_id")]),
        )
        .filter(rank=F("epic_last"), epic__in=epics)
        .values_list("epic_id", "ahead_points", "ahead_unestimated")
    )
    ahead = {e: (p or 0) + average * (u or 0) for e, p, u in cut}
    own = {
        e: (p or 0) + average * u
        for e, p, u in open_stories.filter(epic__in=epics)
        .values("epic_id")
        .annotate(p=Sum("points"), u=Sum(unestimated))
        .values_list("epic_id", "p", "u")
    }
    ids = list(ahead)
    works = [ahead[i] for i in ids]
    runs: list[list[int | None]] = (
        sprints_needed(samples, works) if samples else [[None] for _ in ids]
    )
    out: dict[int, EpicForecast] = {}
    for epic in epics:
        if epic.pk not in ahead:
            out[epic.pk] = EpicForecast(0, 0, 0, 0, today, today, False)
            continue
        i = ids.index(epic.pk)
        p50, p85 = _percentile(runs[i], 0.5), _percentile(runs[i], 0.85)

        def date_of(n: int | None) -> dt.date | None:
            return today + dt.timedelta(days=n * sprint_days) if n is not None else None

        p85_date = date_of(p85)
        out[epic.pk] = EpicForecast(
            remaining=float(own.get(epic.pk, 0)),
            work_ahead=works[i],
            p50_sprints=p50,
            p85_sprints=p85,
            p50_date=date_of(p50),
            p85_date=p85_date,
            late=bool(epic.target_date and (p85_date is None or p85_date > epic.target_date)),
        )
    return out


def cached_forecast(product: Product, epics: list[Any]) -> dict[int, EpicForecast]:
    """The forecast, computed once per state of the product: every change appends an event,
    so the latest event's id names the state (and the simulation costs ~0.3 s).

    ``epics`` must be all the product's epics: the cache key doesn't name them, so the
    roadmap, the epics page and the product overview share one entry."""
    team = product.teams.first()
    sprint_days = 7 * (team.sprint_weeks if team else 2)
    latest = Event.objects.filter(product_id=product.pk).aggregate(latest=Max("id"))["latest"]
    key = f"forecast:{product.pk}:{latest}:{clock.today()}:{sprint_days}"
    # The cache's values are untyped: this key only ever holds what forecast_epics
    # returned, and get_or_set with a default never answers None.
    return cast(
        "dict[int, EpicForecast]",
        cache.get_or_set(
            key,
            lambda: forecast_epics(product, epics, clock.today(), sprint_days),
            timeout=24 * 3600,
        ),
    )

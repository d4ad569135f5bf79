"""What the event log says about each team's pace, and what that promises for the epics."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from statistics import mean
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Avg, Case, F, Max, Sum, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext, ngettext

from backlog.models import Sprint, Story
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
HORIZON_DAYS = 4 * 365  # four years ahead: "not in sight" beyond that
CACHE_VERSION = 2  # names the method in the cache key: v2 is the per-team calendar


@dataclass(frozen=True)
class TeamPace:
    """What the forecast knows of one team: its sprints' length, its last closed sprints'
    completed points (newest first) and, when a sprint is running, where it stands."""

    name: str
    sprint_days: int
    history: tuple[int, ...]
    day: int | None = None  # today is day `day` of `length` of the running sprint
    length: int | None = None
    sprint_end: dt.date | None = None

    @property
    def counted(self) -> bool:
        """A team without a closed sprint has no pace to sample: it adds nothing."""
        return bool(self.history)

    @property
    def share_left(self) -> float:
        """The running sprint's days left, today included, as a share of its length."""
        if self.day is None or not self.length:
            return 0.0
        return (self.length - self.day + 1) / self.length


@dataclass(frozen=True)
class ForecastBasis:
    """The inputs of a product's forecast, shared by its epics' forecasts (and shown)."""

    today: dt.date
    teams: tuple[TeamPace, ...]

    @property
    def counted(self) -> tuple[TeamPace, ...]:
        return tuple(t for t in self.teams if t.counted)

    @property
    def sprints_sampled(self) -> int:
        return sum(len(t.history) for t in self.teams)

    @property
    def available(self) -> bool:
        return bool(self.counted)

    def summary(self) -> str:
        """One sentence for a tooltip: teams counted, sprints sampled, today's progress."""
        counted = self.counted
        if not counted:
            return gettext("No team has closed a sprint yet: there is no pace to learn from.")
        teams = ngettext("%(count)d team counted", "%(count)d teams counted", len(counted)) % {
            "count": len(counted)
        }
        sampled = self.sprints_sampled
        sprints = ngettext(
            "%(count)d closed sprint sampled", "%(count)d closed sprints sampled", sampled
        ) % {"count": sampled}
        today = [
            gettext("%(team)s: day %(day)d of %(length)d")
            % {"team": t.name, "day": t.day, "length": t.length}
            if t.day is not None
            else gettext("%(team)s: no sprint running") % {"team": t.name}
            for t in counted
        ]
        return gettext("%(teams)s, %(sprints)s. Today: %(progress)s.") % {
            "teams": teams,
            "sprints": sprints,
            "progress": "; ".join(today),
        }


@dataclass(frozen=True)
class EpicForecast:
    remaining: float  # points of the epic's unfinished stories (unestimated ones averaged)
    work_ahead: float  # points to finish before the epic's last story is done, its own included
    p50_date: dt.date | None  # None: not in sight within HORIZON_DAYS, or no pace at all
    p85_date: dt.date | None
    late: bool
    basis: ForecastBasis

    @property
    def available(self) -> bool:
        return self.basis.available

    @property
    def in_sight(self) -> bool:
        return self.p85_date is not None


def _recent_points(team_ids: list[int], *, last: int) -> dict[int, list[int]]:
    """Completed points of each team's last closed sprints, newest first, as their
    ``sprint.closed`` events recorded them.

    One query: a window picks each team's last closed sprints (few rows, by team), and
    their events are found by sprint (an index), not by scanning the product's history."""
    if not team_ids:
        return {}
    recent = (
        Sprint.objects.closed()
        .filter(team_id__in=team_ids)
        .annotate(
            n=Window(
                RowNumber(),
                partition_by=[F("team_id")],
                order_by=[
                    F("closed_at").desc(nulls_last=True),
                    F("end_date").desc(),
                    F("pk").desc(),
                ],
            )
        )
        .filter(n__lte=last)
        .values("pk")
    )
    closes = (
        Event.objects.filter(verb="sprint.closed", sprint_id__in=recent)
        .order_by("-created_at", "-id")
        .values_list("team_id", "sprint_id", "after")
    )
    by_team: dict[int, list[int]] = defaultdict(list)
    seen: set[int | None] = set()
    for team_id, sprint_id, after in closes:
        # A sprint's latest close is what it completed; the column is nullable.
        if team_id is None or sprint_id in seen:
            continue
        seen.add(sprint_id)
        by_team[team_id].append(int((after or {}).get("completed_points") or 0))
    return dict(by_team)


def forecast_basis(product: Product, today: dt.date) -> ForecastBasis:
    """Each working (not archived) team's pace and today's place in its sprint: three
    queries whatever the number of teams."""
    teams = list(product.teams.filter(archived_at__isnull=True).order_by("name", "pk"))
    history = _recent_points([t.pk for t in teams], last=HISTORY_SPRINTS)
    running = {s.team_id: s for s in Sprint.objects.active().filter(team__in=teams)}
    paces = []
    for team in teams:
        sprint = running.get(team.pk)
        pace = TeamPace(
            name=team.name,
            sprint_days=7 * team.sprint_weeks,
            history=tuple(history.get(team.pk, ())),
        )
        if sprint is not None:
            length = sprint.length_days
            # A sprint past its end date counts as on its last day; one not begun, its first.
            day = min(max((today - sprint.start_date).days + 1, 1), length)
            pace = replace(pace, day=day, length=length, sprint_end=max(sprint.end_date, today))
        paces.append(pace)
    return ForecastBasis(today=today, teams=tuple(paces))


def sprint_ends(basis: ForecastBasis, work: float) -> list[tuple[dt.date, int, float]]:
    """The calendar of the counted teams' coming sprint ends, in date order, as (date,
    team's index in ``basis.counted``, share of a sprint): each team goes on from its
    running sprint's end (that sprint counts for its days left), or from today.

    It stops once even the slowest pace seen has covered ``work`` (every trial is done
    by then), or at the horizon."""
    counted = basis.counted
    horizon = basis.today + dt.timedelta(days=HORIZON_DAYS)
    per_team: list[list[tuple[dt.date, int, float]]] = []
    for i, team in enumerate(counted):
        ends: list[tuple[dt.date, int, float]] = []
        if team.sprint_end is not None:
            ends.append((team.sprint_end, i, team.share_left))
            end = team.sprint_end
        else:
            end = basis.today - dt.timedelta(days=1)
        while end <= horizon:
            end += dt.timedelta(days=team.sprint_days)
            ends.append((end, i, 1.0))
        per_team.append([e for e in ends if e[0] <= horizon])
    merged = sorted(itertools.chain.from_iterable(per_team), key=lambda e: (e[0], e[1]))
    slowest = [min(t.history) for t in counted]
    covered = 0.0
    for n, (_date, i, share) in enumerate(merged):
        covered += share * slowest[i]
        if covered >= work and work > 0:
            return merged[: n + 1]
    return merged


def simulate(
    basis: ForecastBasis, works: list[float]
) -> tuple[list[dt.date], list[list[int | None]]]:
    """For each amount of work, the index in the calendar of sprint ends at which each
    trial covers it (None: not within the horizon), and that calendar's dates.

    Each trial, every team completes in each of its sprints the points of one of its past
    sprints picked at random (scaled for the running sprint's days left); the product's
    throughput is their sum, in calendar order. Trials are seeded: reproducible."""
    rng = random.Random(SEED)
    counted = basis.counted
    ends = sprint_ends(basis, max(works, default=0))
    dates = [d for d, _i, _s in ends]
    # Where each calendar entry's points come from: the team, its sprint's ordinal.
    ordinal: list[tuple[int, int]] = []
    seen = [0] * len(counted)
    for _d, i, _s in ends:
        ordinal.append((i, seen[i]))
        seen[i] += 1
    shares = [team.share_left if team.sprint_end is not None else 1.0 for team in counted]
    pools = [list(team.history) for team in counted]
    results: list[list[int | None]] = [[] for _ in works]
    for _ in range(TRIALS):
        draws: list[list[float]] = [
            [float(p) for p in rng.choices(pool, k=k)] if k else []
            for pool, k in zip(pools, seen, strict=True)
        ]
        for i, share in enumerate(shares):
            if draws[i]:
                draws[i][0] *= share
        cumulative = list(itertools.accumulate(draws[i][k] for i, k in ordinal))
        for w, work in enumerate(works):
            if work <= 0:
                results[w].append(-1)  # done already: no sprint needed
                continue
            n = bisect.bisect_left(cumulative, work)
            results[w].append(n if n < len(cumulative) else None)
    return dates, results


def _percentile(values: list[int | None], q: float) -> int | None:
    ordered = sorted(values, key=lambda v: math.inf if v is None else v)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def forecast_epics(product: Product, epics: list[Any], today: dt.date) -> dict[int, EpicForecast]:
    """Per epic: when its unfinished stories will be done, given their place in the backlog.

    Work ahead of an epic is every unfinished story ranked up to the epic's last unfinished
    one, whatever its epic (the teams do the backlog in order). Unestimated stories count
    as the product's average story. Six queries whatever the backlog's and teams' size.
    """
    basis = forecast_basis(product, today)
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
    dates: list[dt.date] = []
    runs: list[list[int | None]] = [[None] for _ in ids]
    if basis.available:
        dates, runs = simulate(basis, works)
    out: dict[int, EpicForecast] = {}
    for epic in epics:
        if epic.pk not in ahead:
            out[epic.pk] = EpicForecast(0, 0, today, today, False, basis)
            continue
        i = ids.index(epic.pk)

        def date_of(n: int | None) -> dt.date | None:
            if n is None:
                return None
            return today if n < 0 else dates[n]

        p85_date = date_of(_percentile(runs[i], 0.85))
        out[epic.pk] = EpicForecast(
            remaining=float(own.get(epic.pk, 0)),
            work_ahead=works[i],
            p50_date=date_of(_percentile(runs[i], 0.5)),
            p85_date=p85_date,
            # Without any pace there is no date to be late by; out of sight, it is late.
            late=bool(
                basis.available
                and epic.target_date
                and (p85_date is None or p85_date > epic.target_date)
            ),
            basis=basis,
        )
    return out


def cached_forecast(product: Product, epics: list[Any]) -> dict[int, EpicForecast]:
    """The forecast, computed once per state of the product and day: every change (a
    sprint started or closed, a team's sprint length) appends an event, so the latest
    event's id names the state, and the day moves each running sprint's progress.

    ``epics`` must be all the product's epics: the cache key doesn't name them, so the
    roadmap, the epics page and the product overview share one entry."""
    latest = Event.objects.filter(product_id=product.pk).aggregate(latest=Max("id"))["latest"]
    today = clock.today()
    key = f"forecast:v{CACHE_VERSION}:{product.pk}:{latest}:{today}"
    # The cache's values are untyped: this key only ever holds what forecast_epics
    # returned, and get_or_set with a default never answers None.
    return cast(
        "dict[int, EpicForecast]",
        cache.get_or_set(key, lambda: forecast_epics(product, epics, today), timeout=24 * 3600),
    )

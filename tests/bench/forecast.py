"""How long the roadmap's Monte Carlo takes for 3 teams × 50 epics, against the old one.

    .venv/bin/python tests/bench/forecast.py [--json]

The simulation alone, no database: ``backlog.forecast.simulate`` (each team on its own
sprint calendar, a running sprint scaled for its days left) against a copy of the
``sprints_needed`` it replaced (whole sprints from today, one length for every team), on
the same histories and the same 50 amounts of work ahead. Best of five, in ms, and the
ratio new / old. Budget (exit 1 when broken): the new simulation takes at most three
times as long as the old one, and at most 1 s: it runs once per state of the product and
day (the result is cached), but in the request that finds the cache empty.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parents[2])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from backlog import forecast  # noqa: E402

EPICS = 50
REPEAT = 5
TODAY = dt.date(2026, 11, 26)
HISTORIES = [(21, 34, 18, 25, 30, 27), (13, 20, 8, 16, 22, 19), (40, 35, 52, 38, 44, 41)]
WEEKS = [2, 3, 4]


def sprints_needed(samples: list[list[int]], works: list[float]) -> list[list[int | None]]:
    """The simulation before issue 16, as it was (``MAX_SPRINTS`` = 104)."""
    rng = random.Random(forecast.SEED)
    target = max(works, default=0)
    slowest = sum(min(team) for team in samples) or 1
    horizon = min(104, int(target / slowest) + 1)
    results: list[list[int | None]] = [[] for _ in works]
    for _ in range(forecast.TRIALS):
        per_team = [rng.choices(team, k=horizon) for team in samples]
        cumulative = list(itertools.accumulate(map(sum, zip(*per_team, strict=True))))
        for i, work in enumerate(works):
            n = bisect.bisect_left(cumulative, work) + 1 if work > 0 else 0
            results[i].append(n if n <= len(cumulative) else None)
    return results


def _best_ms(fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    teams = tuple(
        forecast.TeamPace(name=f"Team {i}", sprint_days=7 * w, history=h)
        for i, (w, h) in enumerate(zip(WEEKS, HISTORIES, strict=True))
    )
    # The first team is on day 8 of its 14, the others between sprints.
    teams = (
        forecast.TeamPace(
            name=teams[0].name,
            sprint_days=teams[0].sprint_days,
            history=teams[0].history,
            day=8,
            length=14,
            sprint_end=TODAY + dt.timedelta(days=6),
        ),
        *teams[1:],
    )
    basis = forecast.ForecastBasis(today=TODAY, teams=teams)
    # Work ahead grows down the backlog: 50 epics of 13 to 40 points, about a year's work.
    rng = random.Random(1)
    works = list(itertools.accumulate(float(rng.randint(13, 40)) for _ in range(EPICS)))
    samples = [list(h) for h in HISTORIES]
    old = _best_ms(lambda: sprints_needed(samples, works))
    new = _best_ms(lambda: forecast.simulate(basis, works))
    dates, _runs = forecast.simulate(basis, works)
    results = {
        "teams": len(teams),
        "epics": EPICS,
        "trials": forecast.TRIALS,
        "work_ahead_points": works[-1],
        "sprint_ends_simulated": len(dates),
        "old_ms": round(old, 1),
        "new_ms": round(new, 1),
        "ratio": round(new / old, 2),
    }
    if args.json:
        print(json.dumps({"name": "forecast", "database": "none", "results": results}))
    else:
        print(f"{len(teams)} teams × {EPICS} epics, {forecast.TRIALS} trials, "
              f"{works[-1]:.0f} points ahead of the last epic")  # fmt: skip
        print(f"old (whole sprints, one length):     {old:8.1f} ms")
        print(f"new (per-team calendar, {len(dates):3d} ends): {new:8.1f} ms")
        print(f"ratio new / old: {new / old:.2f}")
    broken = new > 3 * old or new > 1000
    if broken:
        print("budget broken: at most 3 × the old simulation and 1 s", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

"""How the team's iCalendar feed and calendar page behave with a year of ceremonies.

    .venv/bin/python tests/bench/team_calendar.py [--sprints 26] [--json]

A team plans 26 two-week sprints in a row through the services (create_sprint schedules
each sprint's ceremonies: about 340 in all, some moved by hand, some cancelled). Measured
(median of several runs, and the SQL queries of the last): the subscription feed (written
afresh, and from the cache that calendar apps' polling then hits), the
download of one ceremony, the calendar's week and list views, the ceremony page and the
API's list of the year. Budgets (exit 1 when broken): the feed is written afresh in
under 500 ms and costs the same queries with 1 sprint as with 26; so do the pages. The
data lives in a throwaway test database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# The project root in place of this directory: tests/bench/markdown.py must not shadow the
# markdown package that rest_framework looks for.
sys.path[0] = str(Path(__file__).resolve().parents[2])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

REPEAT = 9
FEED_BUDGET_MS = 500
# Half the year behind, half ahead: the feed holds a year back and everything to come.
_START = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=182)
FIRST_MONDAY = _START - dt.timedelta(days=_START.weekday())


def _timed(fn: Any, repeat: int = REPEAT, cold: bool = False) -> dict[str, Any]:
    """Median ms, the queries and the bytes of the last call; ``cold`` empties the cache
    before each call."""
    times, queries, size = [], 0, 0
    for _ in range(repeat):
        if cold:
            cache.clear()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = fn()
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries, size = len(ctx.captured_queries), len(response.content)
    return {"ms": round(statistics.median(times), 1), "queries": queries, "bytes": size}


class World:
    def __init__(self) -> None:
        from accounts.models import User
        from core.access import Role
        from products import services as products
        from sprints import services as ceremonies

        self.head = User.objects.create_superuser("bench-head", "head@example.com", "x")
        self.po = User.objects.create_user("bench-po", password="x")
        self.product = products.create_product(actor=self.head, name="Bench", slug="bench")
        self.team = products.create_team(
            actor=self.head, product=self.product, name="Team", slug="team"
        )
        products.add_member(
            actor=self.head, product=self.product, user=self.po, role=Role.PO, team=self.team
        )
        for n in range(6):
            user = User.objects.create_user(f"bench-dev{n}", password="x")
            products.add_member(
                actor=self.head, product=self.product, user=user, role=Role.DEVELOPER,
                team=self.team,
            )  # fmt: skip
        self.token = ceremonies.regenerate_calendar_token(actor=self.po, team=self.team).token
        self.sprints = 0

    def grow(self, to: int) -> None:
        from core import clock
        from sprints import services as ceremonies
        from sprints import services as sprints
        from sprints.models import CeremonyKind

        while self.sprints < to:
            start = FIRST_MONDAY + dt.timedelta(days=14 * self.sprints)
            # Planned the day before it starts: a new sprint can't be over already.
            eve = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
            with clock.at(eve):
                sprint = sprints.create_sprint(
                    actor=self.po,
                    team=self.team,
                    name=f"Sprint {self.sprints + 1}",
                    start_date=start,
                    end_date=start + dt.timedelta(days=13),
                    goal="Ship the next slice",
                )
            # Some hand work, as in a real year: a review given a room, a daily cancelled.
            review = sprint.ceremonies.get(kind=CeremonyKind.REVIEW)
            ceremonies.update_ceremony(
                actor=self.po, ceremony=review, version=review.version, title=review.title,
                starts_at=review.starts_at, duration_minutes=review.duration_minutes,
                location="Room 4", video_url="https://meet.example.com/team",
            )  # fmt: skip
            daily = sprint.ceremonies.filter(kind=CeremonyKind.DAILY).last()
            assert daily is not None
            ceremonies.cancel_ceremony(actor=self.po, ceremony=daily)
            self.sprints += 1


def measure(world: World, client: Client) -> dict[str, Any]:
    from sprints.models import Ceremony

    anonymous = Client()
    ceremony = Ceremony.objects.filter(team=world.team).order_by("pk").last()
    assert ceremony is not None
    calendar = reverse("sprints:calendar", args=["bench", "team"])
    last_week = ceremony.starts_at.date().isoformat()
    feed = reverse("sprints:calendar_feed", args=[world.token])
    return {
        "ceremonies": Ceremony.objects.filter(team=world.team).count(),
        "feed": _timed(lambda: anonymous.get(feed), cold=True),
        "feed_cached": _timed(lambda: anonymous.get(feed)),
        "one_ceremony_ics": _timed(
            lambda: client.get(reverse("sprints:ceremony_ics", args=["bench", ceremony.pk]))
        ),
        "calendar_week": _timed(lambda: client.get(f"{calendar}?week={last_week}")),
        "calendar_list": _timed(lambda: client.get(f"{calendar}?view=list")),
        "ceremony_page": _timed(
            lambda: client.get(reverse("sprints:ceremony", args=["bench", ceremony.pk]))
        ),
        "api_list_year": _timed(
            lambda: client.get("/api/v1/ceremonies/", {"team": world.team.pk, "page_size": 100})
        ),
    }


MEASURES = (
    "feed",
    "feed_cached",
    "one_ceremony_ics",
    "calendar_week",
    "calendar_list",
    "ceremony_page",
    "api_list_year",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sprints", type=int, default=26)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = sorted({1, args.sprints})

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results: dict[str, Any] = {}
    try:
        world = World()
        client = Client()
        client.force_login(world.po)
        for size in sizes:
            started = time.perf_counter()
            world.grow(size)
            print(
                f"{size} sprints planned in {time.perf_counter() - started:.1f} s; measuring",
                file=sys.stderr,
                flush=True,
            )
            results[str(size)] = measure(world, client)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    failures = []
    year = results[str(sizes[-1])]
    if year["feed"]["ms"] > FEED_BUDGET_MS:
        failures.append(f"the feed took {year['feed']['ms']} ms (budget {FEED_BUDGET_MS} ms)")
    for key in MEASURES:
        counts = {r[key]["queries"] for r in results.values()}
        if len(counts) > 1:
            failures.append(f"{key}: query count changes with the year: {sorted(counts)}")

    if args.json:
        print(
            json.dumps(
                {
                    "name": "calendar",
                    "database": connection.vendor,
                    "results": results,
                    "failures": failures,
                }
            )
        )
    else:
        print(f"\nCalendar benchmark on {connection.vendor} (median of {REPEAT} requests)\n")
        head = f"{'measure':<18}" + "".join(
            f"{f'{s} sprints ({r["ceremonies"]} cer.)':>30}" for s, r in results.items()
        )
        print(head)
        print("-" * len(head))
        for key in MEASURES:
            cells = [
                f"{r[key]['ms']:8.1f} ms {r[key]['queries']:3d} q {r[key]['bytes'] / 1024:6.0f} KB"
                for r in results.values()
            ]
            print(f"{key:<18}" + "".join(f"{c:>30}" for c in cells))
        print("\nq = SQL queries per request")
        for failure in failures:
            print("BUDGET BROKEN:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

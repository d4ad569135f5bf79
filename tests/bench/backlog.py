"""How the backlog and the roadmap behave at 1,000, 10,000 and 100,000 stories.

    .venv/bin/python tests/bench/backlog.py [--sizes 1000,10000,100000] [--json]

For each size: the backlog's first page, a search, 200 moves to the top, the middle and
the bottom (queries, rows written, median ms), and the roadmap with 50 epics (its forecast
read from the cache, and simulated again with the cache emptied); then 2,000
moves into one gap. Budgets (exit 1 when broken): a move writes 2 rows (the story and its
event), page query counts don't grow with the backlog, keys stay short and the order exact.
The data is built incrementally through the services, in a throwaway test database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# The project root in place of this directory: tests/bench/markdown.py must not shadow the
# markdown package that rest_framework looks for.
sys.path[0] = str(Path(__file__).resolve().parents[2])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# As in the tests: each task (a rank rebalance) runs at its commit, inside what is timed,
# not in a worker this script doesn't start.
os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

REPEAT = 15
MOVES = 200
GAP_MOVES = 2000
EPICS = 50
WORDS = "export import search invoice login report billing mobile sync alert".split()  # noqa: SIM905


def _writes(queries: list[dict[str, Any]]) -> int:
    return sum(
        1 for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    )


def _timed(fn: Any, repeat: int) -> tuple[float, int, int]:
    """Median ms, and the queries and rows written by the last call."""
    times, queries = [], []
    for _ in range(repeat):
        connection.queries_log.clear()  # a full log (9,000 entries) would capture nothing
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = ctx.captured_queries
    return statistics.median(times), len(queries), _writes(queries)


class World:
    def __init__(self) -> None:
        from accounts.models import User
        from backlog import services as backlog
        from core.access import Role
        from products import services as products

        self.rng = random.Random(1)
        self.head = User.objects.create_superuser("bench-head", "head@example.com", "x")
        self.po = User.objects.create_user("bench-po", password="x")
        self.pm = User.objects.create_user("bench-pm", password="x")
        self.product = products.create_product(actor=self.head, name="Bench", slug="bench")
        self.team = products.create_team(
            actor=self.head, product=self.product, name="Team", slug="team"
        )
        products.add_member(
            actor=self.head, product=self.product, user=self.po, role=Role.PO, team=self.team
        )
        products.add_member(actor=self.head, product=self.product, user=self.pm, role=Role.PM)
        self.epics = [
            backlog.create_epic(
                actor=self.pm, product=self.product, title=f"Epic {i}", target_date=None
            )
            for i in range(EPICS)
        ]
        self.count = 0
        self._history()

    def _history(self) -> None:
        # Three closed sprints, so that ready depth and the forecast have a velocity.
        import datetime as dt

        from core import clock
        from sprints import services as sprints

        start = dt.date(2026, 1, 5)
        for n in range(3):
            self.grow(6)
            # Planned the day before it starts: a new sprint can't be over already.
            eve = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
            with clock.at(eve):
                sprint = sprints.create_sprint(
                    actor=self.po,
                    team=self.team,
                    name=f"S{n}",
                    start_date=start,
                    end_date=start + dt.timedelta(days=13),
                )
            from backlog.models import Story

            for story in Story.objects.filter(sprint__isnull=True).order_by("-rank")[:6]:
                sprints.add_story_to_sprint(actor=self.po, story=story, sprint=sprint)
            sprints.start_sprint(actor=self.po, sprint=sprint)
            sprints.close_sprint(actor=self.po, sprint=sprint, goal_met=True)
            start += dt.timedelta(days=14)

    def grow(self, to: int) -> None:
        from backlog import services as backlog

        points = [1, 2, 3, 5, 8, 13, None]
        done = self.count
        while self.count < to:
            with transaction.atomic():
                for _ in range(min(1000, to - self.count)):
                    self.count += 1
                    words = self.rng.sample(WORDS, 3)
                    backlog.create_story(
                        actor=self.po,
                        product=self.product,
                        team=self.team,
                        title=f"{words[0].capitalize()} {words[1]} #{self.count}",
                        description=f"As a user I want to {words[2]} things.",
                        points=self.rng.choice(points),
                        epic=self.epics[self.count % EPICS],
                    )
            if (self.count - done) % 10000 == 0 or self.count == to:
                print(f"  stories {self.count:,}/{to:,}", file=sys.stderr, flush=True)


def measure(world: World, client: Client) -> dict[str, Any]:
    from backlog.models import Story

    slug = world.product.slug
    backlog_url = reverse("backlog:backlog", args=[slug])
    out: dict[str, Any] = {}
    ms, q, _ = _timed(lambda: client.get(backlog_url), REPEAT)
    out["backlog_first_page"] = {"ms": ms, "queries": q}
    ms, q, _ = _timed(lambda: client.get(backlog_url + "?q=invoice"), REPEAT)
    out["search"] = {"ms": ms, "queries": q}
    roadmap_url = reverse("backlog:roadmap", args=[slug])
    ms, q, _ = _timed(lambda: client.get(roadmap_url), 5)
    out["roadmap_50_epics"] = {"ms": ms, "queries": q}

    def uncached() -> None:
        cache.clear()  # the forecast is simulated again, as after any change to the product
        client.get(roadmap_url)

    ms, q, _ = _timed(uncached, 5)
    out["roadmap_uncached"] = {"ms": ms, "queries": q}

    ids = list(
        Story.objects.filter(product=world.product, sprint__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for where in ("top", "middle", "bottom"):
        times, queries, writes = [], set(), set()
        for _ in range(MOVES):
            story = world.rng.choice(ids)
            if where == "middle":
                others = Story.objects.filter(product=world.product, sprint__isnull=True)
                neighbour = others.order_by("rank")[len(ids) // 2]
                data = {"after": neighbour.pk} if neighbour.pk != story else {"position": "top"}
            else:
                data = {"position": where}
            url = reverse("backlog:story_move", args=[slug, story])
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.post(url, data, headers={"HX-Request": "true"})
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 204, response.status_code
            queries.add(len(ctx.captured_queries))
            writes.add(_writes(ctx.captured_queries))
        out[f"move_{where}"] = {
            "ms": statistics.median(times),
            "queries": max(queries),
            "rows_written": max(writes),
        }
    return out


def same_gap(world: World) -> dict[str, Any]:
    """2,000 moves into one gap, each its own transaction (its rebalance task runs on commit)."""
    from backlog import services
    from backlog.models import RANK_REBALANCE_LENGTH, Story
    from core.models import Event

    backlog = Story.objects.filter(product=world.product, sprint__isnull=True).order_by("rank")
    window = list(backlog[:300])
    anchor, movers = window[0], window[1:]
    order = [s.pk for s in backlog.only("pk")]
    before = Event.objects.filter(verb="ranks.rebalanced").count()
    start = time.perf_counter()
    for i in range(GAP_MOVES):
        story = Story.objects.get(pk=movers[i % len(movers)].pk)
        with transaction.atomic():
            services.move_story(actor=world.po, story=story, after=anchor)
        order.remove(story.pk)
        order.insert(order.index(anchor.pk) + 1, story.pk)
    elapsed = time.perf_counter() - start
    ranks_now = list(backlog.values_list("pk", "rank"))
    longest = max(len(r) for _, r in ranks_now)
    return {
        "moves": GAP_MOVES,
        "ms_per_move": elapsed * 1000 / GAP_MOVES,
        "longest_key": longest,
        "rebalances": Event.objects.filter(verb="ranks.rebalanced").count() - before,
        "order_exact": [pk for pk, _ in ranks_now] == order,
        "keys_short": longest <= RANK_REBALANCE_LENGTH,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results: dict[str, Any] = {}
    try:
        world = World()
        client = Client()
        client.force_login(world.po)
        for size in sizes:
            world.grow(size)
            print(f"measuring at {size:,} stories", file=sys.stderr, flush=True)
            results[str(size)] = measure(world, client)
        results["same_gap"] = same_gap(world)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    failures = []
    for name, r in results.items():
        if name == "same_gap":
            continue
        for where in ("top", "middle", "bottom"):
            if r[f"move_{where}"]["rows_written"] != 2:
                failures.append(
                    f"{name}: a move to the {where} wrote {r[f'move_{where}']['rows_written']} rows"
                )
    for page in ("backlog_first_page", "search", "roadmap_50_epics", "roadmap_uncached"):
        counts = {r[page]["queries"] for s, r in results.items() if s != "same_gap"}
        if len(counts) > 1:
            failures.append(f"{page}: query count changes with size: {sorted(counts)}")
    gap = results["same_gap"]
    if not (gap["order_exact"] and gap["keys_short"]):
        failures.append(
            f"same gap: order exact {gap['order_exact']}, longest key {gap['longest_key']}"
        )

    if args.json:
        print(
            json.dumps(
                {
                    "name": "backlog",
                    "database": connection.vendor,
                    "results": results,
                    "failures": failures,
                }
            )
        )
    else:
        print(
            f"\nBacklog benchmark on {connection.vendor} (median of {REPEAT} page loads, "
            f"{MOVES} moves each)\n"
        )
        head = f"{'measure':<22}" + "".join(f"{int(s):>22,}" for s in results if s != "same_gap")
        print(head)
        print("-" * len(head))
        for key in (
            "backlog_first_page",
            "search",
            "roadmap_50_epics",
            "roadmap_uncached",
            "move_top",
            "move_middle",
            "move_bottom",
        ):
            cells = []
            for s, r in results.items():
                if s == "same_gap":
                    continue
                m = r[key]
                extra = f" {m['rows_written']}w" if "rows_written" in m else ""
                cells.append(f"{m['ms']:8.1f} ms {m['queries']:3d} q{extra}")
            print(f"{key:<22}" + "".join(f"{c:>22}" for c in cells))
        print(
            f"\n{gap['moves']:,} moves into one gap: {gap['ms_per_move']:.1f} ms each, "
            f"{gap['rebalances']} local rebalances, longest key {gap['longest_key']} chars, "
            f"order exact: {gap['order_exact']}"
        )
        print("\nq = SQL queries per request, w = rows written per move")
        for failure in failures:
            print("BUDGET BROKEN:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

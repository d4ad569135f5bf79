"""How the board and the sprint charts behave with many cards and a long history.

    .venv/bin/python tests/bench/board.py [--sizes 50,200,1000] [--json]

For each size: the board of the active sprint with that many cards, 5 tasks each (median
ms and queries), and one card move across columns (median ms, queries, rows written).
Then the burndown and the cumulative flow of a 28-day sprint with 5,000 events (median ms
and queries, each alone and on the sprint page). Budgets (exit 1 when broken): the board's
query count doesn't grow with its cards, a move writes 2 rows (the story and its event),
the charts' query counts don't depend on the events. Data is built through the services
in a throwaway test database.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

REPEAT = 15
MOVES = 50
TASKS = 5
CHART_EVENTS = 5000
CHART_STORIES = 100
SPRINT_START = dt.date(2026, 3, 2)  # a Monday


def _writes(queries: list[dict[str, Any]]) -> int:
    return sum(
        1 for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    )


def _timed(fn: Any, repeat: int) -> tuple[float, int, int]:
    """Median ms, and the queries and rows written by the last call."""
    times, queries = [], []
    for _ in range(repeat):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = ctx.captured_queries
    return statistics.median(times), len(queries), _writes(queries)


def _noon(day: dt.date, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(11, minute % 60), tzinfo=dt.UTC)


class World:
    def __init__(self) -> None:
        from accounts.models import User
        from core.access import Role
        from products import services as products
        from sprints import services as sprints

        self.rng = random.Random(1)
        self.head = User.objects.create_superuser("bench-head", "head@example.com", "x")
        self.po = User.objects.create_user("bench-po", password="x")
        self.dev = User.objects.create_user("bench-dev", password="x")
        self.product = products.create_product(actor=self.head, name="Bench", slug="bench")
        self.team = products.create_team(
            actor=self.head, product=self.product, name="Board", slug="board"
        )
        self.chart_team = products.create_team(
            actor=self.head, product=self.product, name="Charts", slug="charts"
        )
        for team in (self.team, self.chart_team):
            products.add_member(
                actor=self.head, product=self.product, user=self.po, role=Role.PO, team=team
            )
        products.add_member(
            actor=self.head, product=self.product, user=self.dev, role=Role.DEVELOPER,
            team=self.team,
        )  # fmt: skip
        self.statuses = list(self.product.statuses.all())
        from core import clock

        # Planned the day before it starts: a new sprint can't be over already.
        with clock.at(_noon(SPRINT_START - dt.timedelta(days=1))):
            self.sprint = sprints.create_sprint(
                actor=self.po,
                team=self.team,
                name="Board sprint",
                start_date=SPRINT_START,
                end_date=SPRINT_START + dt.timedelta(days=13),
            )
        sprints.start_sprint(actor=self.po, sprint=self.sprint)
        self.cards = 0

    def grow(self, to: int) -> None:
        """Cards in the active sprint, spread over the columns, each with 5 tasks."""
        from backlog import services as backlog
        from sprints import services as sprints

        while self.cards < to:
            with transaction.atomic():
                for _ in range(min(100, to - self.cards)):
                    self.cards += 1
                    story = backlog.create_story(
                        actor=self.po,
                        product=self.product,
                        team=self.team,
                        title=f"Card #{self.cards}",
                        points=self.rng.choice([1, 2, 3, 5, 8]),
                        assignee=self.rng.choice([self.po, self.dev, None]),
                        status=self.statuses[self.cards % len(self.statuses)],
                    )
                    sprints.add_story_to_sprint(actor=self.po, story=story, sprint=self.sprint)
                    for t in range(TASKS):
                        task = backlog.add_task(actor=self.dev, story=story, title=f"Task {t}")
                        if t < 2:
                            backlog.set_task_done(actor=self.dev, task=task, done=True)
            print(f"  cards {self.cards:,}/{to:,}", file=sys.stderr, flush=True)

    def chart_sprint(self) -> Any:
        """A 28-day sprint (closed) whose stories moved about 5,000 times, day by day."""
        from backlog import services as backlog
        from backlog.models import Story
        from core import clock
        from core.models import Event
        from sprints import completion
        from sprints import services as sprints

        with clock.at(_noon(SPRINT_START - dt.timedelta(days=1))):
            sprint = sprints.create_sprint(
                actor=self.po,
                team=self.chart_team,
                name="Long sprint",
                start_date=SPRINT_START,
                end_date=SPRINT_START + dt.timedelta(days=27),
            )
            stories = []
            with transaction.atomic():
                for i in range(CHART_STORIES):
                    story = backlog.create_story(
                        actor=self.po,
                        product=self.product,
                        team=self.chart_team,
                        title=f"Chart story #{i}",
                        points=self.rng.choice([1, 2, 3, 5, 8]),
                    )
                    sprints.add_story_to_sprint(actor=self.po, story=story, sprint=sprint)
                    stories.append(story)
        with clock.at(_noon(SPRINT_START)):
            sprints.start_sprint(actor=self.po, sprint=sprint)
        done = 0
        while (n := Event.objects.filter(sprint_id=sprint.pk).count()) < CHART_EVENTS:
            day = SPRINT_START + dt.timedelta(days=min(27, n * 28 // CHART_EVENTS))
            with transaction.atomic(), clock.at(_noon(day, n)):
                for _ in range(100):
                    story = self.rng.choice(stories)
                    story.refresh_from_db()
                    status = self.rng.choice(self.statuses)
                    backlog.move_story(actor=self.po, story=story, status=status)
            done += 100
            if done % 1000 == 0:
                print(f"  chart events {n:,}/{CHART_EVENTS:,}", file=sys.stderr, flush=True)
        # The stories left in a done column were never accepted: back to the backlog.
        waiting = Story.objects.filter(sprint=sprint).filter(completion.done_not_accepted_q())
        with clock.at(_noon(SPRINT_START + dt.timedelta(days=27), 59)):
            sprints.close_sprint(
                actor=self.po,
                sprint=sprint,
                goal_met=True,
                unaccepted=dict.fromkeys(waiting.values_list("pk", flat=True), "backlog"),
            )
        sprint.refresh_from_db()
        return sprint


def measure_board(world: World, client: Client) -> dict[str, Any]:
    from backlog.models import Story

    slug = world.product.slug
    board_url = reverse("sprints:board", args=[slug, world.team.slug])
    out: dict[str, Any] = {}
    ms, q, _ = _timed(lambda: client.get(board_url), REPEAT)
    out["board"] = {"ms": ms, "queries": q}
    ms, q, _ = _timed(lambda: client.get(board_url + "?lanes=assignee"), REPEAT)
    out["board_lanes"] = {"ms": ms, "queries": q}

    cards = list(Story.objects.filter(sprint=world.sprint).values_list("pk", "status_id"))
    times, queries, writes = [], set(), set()
    for _ in range(MOVES):
        pk, status = world.rng.choice(cards)
        target = world.rng.choice([s for s in world.statuses if s.pk != status])
        neighbours = Story.objects.filter(sprint=world.sprint, status=target).exclude(pk=pk)
        after = neighbours.order_by("rank").values_list("pk", flat=True).first()
        data = {"status": target.pk, **({"after": after} if after else {})}
        url = reverse("backlog:story_move", args=[slug, pk])
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.post(url, data, headers={"HX-Request": "true"})
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 204, response.status_code
        queries.add(len(ctx.captured_queries))
        writes.add(_writes(ctx.captured_queries))
        cards = [(c, target.pk if c == pk else s) for c, s in cards]
    out["card_move"] = {
        "ms": statistics.median(times),
        "queries": max(queries),
        "rows_written": max(writes),
    }
    return out


def measure_charts(world: World, client: Client, sprint: Any) -> dict[str, Any]:
    from core.models import Event
    from sprints import charts

    today = sprint.end_date
    out: dict[str, Any] = {"events": Event.objects.filter(sprint_id=sprint.pk).count()}
    ms, q, _ = _timed(lambda: charts.burndown(sprint, today), REPEAT)
    out["burndown"] = {"ms": ms, "queries": q}
    ms, q, _ = _timed(lambda: charts.cumulative_flow(sprint, today), REPEAT)
    out["cumulative_flow"] = {"ms": ms, "queries": q}
    url = reverse("sprints:sprint", args=[world.product.slug, sprint.pk])
    ms, q, _ = _timed(lambda: client.get(url), REPEAT)
    out["sprint_page"] = {"ms": ms, "queries": q}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,1000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results: dict[str, Any] = {}
    try:
        from core import clock

        world = World()
        client = Client()
        client.force_login(world.po)
        # The board's sprint is on its second Wednesday: ageing and the sprint day are real.
        with clock.at(_noon(SPRINT_START + dt.timedelta(days=9))):
            for size in sizes:
                world.grow(size)
                print(f"measuring the board at {size:,} cards", file=sys.stderr, flush=True)
                results[str(size)] = measure_board(world, client)
        print("building a 28-day sprint's history", file=sys.stderr, flush=True)
        sprint = world.chart_sprint()
        results["charts"] = measure_charts(world, client, sprint)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    failures = []
    boards = {s: r for s, r in results.items() if s != "charts"}
    for page in ("board", "board_lanes"):
        counts = {r[page]["queries"] for r in boards.values()}
        if len(counts) > 1:
            failures.append(f"{page}: query count changes with size: {sorted(counts)}")
    for name, r in boards.items():
        if r["card_move"]["rows_written"] != 2:
            failures.append(f"{name}: a card move wrote {r['card_move']['rows_written']} rows")
    charts_result = results["charts"]
    if charts_result["burndown"]["queries"] > 3 or charts_result["cumulative_flow"]["queries"] > 3:
        failures.append("a chart costs more than 3 queries")

    if args.json:
        print(
            json.dumps(
                {
                    "name": "board",
                    "database": connection.vendor,
                    "results": results,
                    "failures": failures,
                }
            )
        )
    else:
        print(
            f"\nBoard benchmark on {connection.vendor} (median of {REPEAT} page loads, "
            f"{MOVES} moves; {TASKS} tasks per card)\n"
        )
        head = f"{'measure':<22}" + "".join(f"{int(s):>20,} cards" for s in boards)
        print(head)
        print("-" * len(head))
        for key in ("board", "board_lanes", "card_move"):
            cells = []
            for r in boards.values():
                m = r[key]
                extra = f" {m['rows_written']}w" if "rows_written" in m else "   "
                cells.append(f"{m['ms']:8.1f} ms {m['queries']:3d} q{extra}")
            print(f"{key:<22}" + "".join(f"{c:>26}" for c in cells))
        print(f"\n28-day sprint, {charts_result['events']:,} events")
        for key in ("burndown", "cumulative_flow", "sprint_page"):
            m = charts_result[key]
            print(f"{key:<22}{m['ms']:8.1f} ms {m['queries']:3d} q")
        print("\nq = SQL queries, w = rows written per move")
        for failure in failures:
            print("BUDGET BROKEN:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Cadence under load: N uvicorn workers on PostgreSQL and Redis, U simulated people.

    .venv/bin/python tests/bench/load.py [--users 10] [--workers 2] [--duration 10] [--json]

Builds a product in a throwaway PostgreSQL database (``test_<name>_load``, dropped at the
end): one team per 8 users (its Product Owner and 7 developers), an active sprint of 12
cards per team and a backlog. Starts ``uvicorn config.asgi:application --workers N`` with
DEBUG off and Redis for the channel layer and the cache, then runs U users for --duration
seconds. They arrive 20 a second (at most over half the duration), each opens a websocket
on the live channel (a developer follows its sprint; a PO its sprint and the product),
then loads the board, moves cards across columns and, the POs, reorders the backlog
(think time 0.2-1 s between actions), and write their entry of today's daily meeting (when
today is one of the team's working days).

Prints, per operation, the count, errors, 5xx and p50/p95/p99 latency; the throughput;
and the live events: how many reached the open sockets, how late (from the event's
recording in the transaction to its arrival at a socket), missing and duplicated. Then
checks (exit 1 when one fails):

- every story is there exactly once (in the database, and on its team's board);
- ranks are unique per product;
- each move produced exactly one event: per story, each event starts where the previous
  one ended and the last ends where the story is, and there are no more events than
  accepted moves;
- no 5xx, and every event reached every socket of its product exactly once.

PostgreSQL from DATABASE_URL when it names one, else postgres://postgres@127.0.0.1:5432;
Redis from REDIS_URL, else redis://127.0.0.1:6379/0. Exits 2 when either is unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[0] = str(ROOT)  # in place of tests/bench, whose markdown.py shadows the package
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/cadence"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

TEAM_SIZE = 8
POS_PER_TEAM = 1  # a team has one Product Owner (a guard rail of the settings)
CARDS_PER_TEAM = 12
THINK = (0.2, 1.0)
TIMEOUT = 30.0
DRAIN = 60.0  # after the last action, how long the sockets wait for the events on their way


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Person:
    pk: int
    username: str
    session: str
    team_slug: str
    sprint_id: int
    is_po: bool
    cards: list[int]
    daily_id: int | None = None


@dataclass
class World:
    product_id: int
    slug: str
    statuses: list[int]
    people: list[Person]
    card_status: dict[int, int]
    backlog: list[int]
    stories: int
    teams: list[tuple[str, int, list[int]]]  # slug, sprint id, card ids


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    moves_ok: int = 0
    daily_writers: set[int] = field(default_factory=set)
    error_samples: list[str] = field(default_factory=list)
    received: dict[int, Counter[int]] = field(default_factory=dict)  # socket -> event id counts
    whole_product: dict[int, bool] = field(default_factory=dict)  # socket -> joined product-
    sprint_of: dict[int, int] = field(default_factory=dict)  # socket -> its board's sprint
    joined_at: dict[int, float] = field(default_factory=dict)  # socket -> when it joined
    actions_ended: float = 0.0
    delivery: list[float] = field(default_factory=list)
    socket_errors: int = 0
    user_errors: int = 0


def seed(users: int) -> World:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from backlog import services as backlog
    from core import events
    from core.access import Role
    from products import services as products
    from sprints import services as sprints

    rng = random.Random(7)
    today = dt.datetime.now(tz=dt.UTC).date()
    with events.quiet():
        head = User.objects.create_superuser("load-head", "head@example.com", None)
        product = products.create_product(actor=head, name="Load", slug="load")
        statuses = list(product.statuses.values_list("pk", flat=True))
        people: list[Person] = []
        card_status: dict[int, int] = {}
        teams = []
        n_teams = max(1, -(-users // TEAM_SIZE))
        for t in range(n_teams):
            team = products.create_team(
                actor=head, product=product, name=f"Team {t}", slug=f"team-{t}"
            )
            members: list[tuple[User, bool]] = []
            for i in range(TEAM_SIZE):
                if len(people) + len(members) >= users:
                    break
                # No password: they log in by session, and hashing one costs ~0.3 s each.
                user = User.objects.create_user(f"load-{t}-{i}", first_name=f"U{t}")
                role = Role.PO if i < POS_PER_TEAM else Role.DEVELOPER
                products.add_member(actor=head, product=product, user=user, role=role, team=team)
                members.append((user, role == Role.PO))
            planner = members[0][0]
            sprint = sprints.create_sprint(
                actor=planner,
                team=team,
                name=f"Sprint {t}",
                start_date=today - dt.timedelta(days=3),
                end_date=today + dt.timedelta(days=10),
            )
            cards = []
            for c in range(CARDS_PER_TEAM):
                story = backlog.create_story(
                    actor=planner, product=product, team=team, title=f"Card {t}.{c}", points=3
                )
                sprints.add_story_to_sprint(actor=planner, story=story, sprint=sprint)
                cards.append(story.pk)
                card_status[story.pk] = story.status_id
            sprints.start_sprint(actor=planner, sprint=sprint)
            teams.append((team.slug, sprint.pk, cards))
            # Creating the sprint scheduled its ceremonies: today's daily, on a working day.
            local_today = dt.datetime.now(tz=team.tzinfo).date()
            daily = next(
                (
                    c.pk
                    for c in sprint.ceremonies.filter(kind="daily", cancelled=False)
                    if c.starts_at.astimezone(team.tzinfo).date() == local_today
                ),
                None,
            )
            for user, is_po in members:
                session = SessionStore()
                session[SESSION_KEY] = str(user.pk)
                session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                session[HASH_SESSION_KEY] = user.get_session_auth_hash()
                session.create()
                assert session.session_key is not None
                people.append(
                    Person(user.pk, user.username, session.session_key, team.slug, sprint.pk,
                           is_po, cards, daily)
                )  # fmt: skip
        backlog_ids = [
            backlog.create_story(
                actor=head, product=product, title=f"Backlog story {i}", points=rng.choice([1, 2])
            ).pk
            for i in range(60 + 2 * users)
        ]
    stories = product.stories.count()
    return World(product.pk, product.slug, statuses, people, card_status, backlog_ids, stories,
                 teams)  # fmt: skip


class Load:
    def __init__(
        self, world: World, base: str, duration: float, stats: Stats, first_event: int
    ) -> None:
        self.first_event = first_event
        self.ramp = min(duration / 2, len(world.people) / 20)  # 20 arrivals a second
        self.close_now = asyncio.Event()
        self.world = world
        self.base = base
        self.duration = duration
        self.stats = stats
        self.deadline = 0.0
        self.acting = len(world.people)
        self.all_done = asyncio.Event()

    async def run(self) -> None:
        self.deadline = time.monotonic() + self.duration
        people = [asyncio.create_task(self.person(p, i)) for i, p in enumerate(self.world.people)]
        await self.all_done.wait()
        await self.drain()
        self.close_now.set()
        await asyncio.gather(*people)

    def expected(self) -> dict[int, set[int]]:
        """The events each socket should hear: all of the product's, or its sprint's."""
        from core.models import Event

        try:
            recorded = list(
                Event.objects.filter(
                    product_id=self.world.product_id, pk__gt=self.first_event
                ).values_list("pk", "sprint_id", "created_at")
            )
        finally:
            connection.close()  # this thread's: the database is dropped at the end
        return expected_deliveries(self.stats, recorded)

    async def drain(self) -> None:
        """Keep the sockets open until every event reached them, or DRAIN seconds."""
        wanted = await asyncio.to_thread(self.expected)
        until = time.monotonic() + DRAIN
        while time.monotonic() < until:
            if all(ids <= set(self.stats.received[s]) for s, ids in wanted.items()):
                return
            await asyncio.sleep(0.2)

    def done(self) -> None:
        self.acting -= 1
        if self.acting == 0:
            self.stats.actions_ended = time.monotonic()
            self.all_done.set()

    async def request(
        self, http: httpx.AsyncClient, op: str, method: str, url: str, expect: int, **kw: Any
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = await http.request(method, url, **kw)
        except httpx.HTTPError as error:
            self.stats.errors[op] += 1
            self._sample(f"{op}: {type(error).__name__} {error}")
            return None
        self.stats.latencies[op].append((time.perf_counter() - start) * 1000)
        if response.status_code >= 500:
            self.stats.server_errors[op] += 1
        if response.status_code != expect:
            self.stats.errors[op] += 1
            self._sample(f"{op}: {response.status_code} {url} {response.text[:200]!r}")
        return response

    def _sample(self, text: str) -> None:
        if len(self.stats.error_samples) < 10:
            self.stats.error_samples.append(text)

    async def listen(self, socket: Any, index: int) -> None:
        counts: Counter[int] = Counter()
        self.stats.received[index] = counts
        try:
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") != "event":
                    continue
                arrived = time.time()
                counts[message["id"]] += 1
                at = dt.datetime.fromisoformat(message["at"]).timestamp()
                self.stats.delivery.append((arrived - at) * 1000)
                if message["verb"] == "story.moved" and message["status"]:
                    self.world.card_status[message["story_id"]] = message["status"]
        except websockets.ConnectionClosed:
            pass

    async def person(self, person: Person, index: int) -> None:
        """One user from arrival to leaving; whatever breaks, the others aren't kept waiting."""
        held: dict[str, Any] = {}
        try:
            await self.act(person, index, held)
        except Exception as error:  # counted and shown: a user that broke is a failure
            self.stats.user_errors += 1
            self._sample(f"user {person.username}: {type(error).__name__} {error}")
        finally:
            self.done()
        # Every socket stays open until everyone's last action has been answered.
        await self.close_now.wait()
        if "socket" in held:
            await held["socket"].close()
        if "listener" in held:
            await held["listener"]

    async def act(self, person: Person, index: int, held: dict[str, Any]) -> None:
        rng = random.Random(index)
        # People open their boards over the ramp, not all in the same millisecond.
        await asyncio.sleep(self.ramp * index / len(self.world.people))
        cookies = {settings.SESSION_COOKIE_NAME: person.session}
        board = f"/p/{self.world.slug}/teams/{person.team_slug}/board/"
        ws_url = self.base.replace("http", "ws", 1) + "/ws/live/"
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={person.session}",
                   "Origin": self.base}  # fmt: skip
        async with httpx.AsyncClient(base_url=self.base, cookies=cookies, timeout=TIMEOUT) as http:
            opening = time.perf_counter()
            try:
                socket = await websockets.connect(
                    ws_url, additional_headers=headers, open_timeout=TIMEOUT
                )
            except (OSError, websockets.WebSocketException, TimeoutError) as error:
                self.stats.socket_errors += 1
                self._sample(f"websocket: {type(error).__name__} {error}")
                return
            held["socket"] = socket
            # A developer has the board open (its sprint); a PO the board and the backlog
            # (the product: every event of it, sprint ones included, heard once).
            groups = [f"sprint-{self.world.product_id}-{person.sprint_id}"]
            if person.is_po:
                groups.append(f"product-{self.world.product_id}")
            self.stats.whole_product[index] = person.is_po
            self.stats.sprint_of[index] = person.sprint_id
            await socket.send(json.dumps({"type": "join", "groups": groups}))
            joined = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
            assert joined["groups"] == groups, joined
            # Events recorded from now on must reach this socket.
            self.stats.joined_at[index] = time.time()
            self.stats.latencies["open websocket"].append((time.perf_counter() - opening) * 1000)
            held["listener"] = asyncio.create_task(self.listen(socket, index))
            await self.request(http, "load board", "GET", board, 200)
            csrf = http.cookies.get(settings.CSRF_COOKIE_NAME) or ""
            post = {"X-CSRFToken": csrf, "HX-Request": "true"}
            while time.monotonic() < self.deadline:
                await asyncio.sleep(rng.uniform(*THINK))
                if time.monotonic() >= self.deadline:
                    break
                roll = rng.random()
                if person.is_po and roll < 0.35:
                    await self.reorder(http, rng, post)
                elif 0.35 <= roll < 0.45 and person.daily_id is not None:
                    await self.daily(http, rng, person, post)
                elif roll < 0.75:
                    await self.move(http, rng, person, post)
                else:
                    await self.request(http, "load board", "GET", board, 200)

    async def move(
        self, http: httpx.AsyncClient, rng: random.Random, person: Person, headers: dict[str, str]
    ) -> None:
        story = rng.choice(person.cards)
        current = self.world.card_status.get(story)
        status = rng.choice([s for s in self.world.statuses if s != current])
        data = {"status": status, "position": rng.choice(["top", "bottom"])}
        url = f"/p/{self.world.slug}/stories/{story}/move/"
        response = await self.request(http, "move card", "POST", url, 204, data=data,
                                      headers=headers)  # fmt: skip
        if response is not None and response.status_code == 204:
            self.stats.moves_ok += 1

    async def daily(
        self, http: httpx.AsyncClient, rng: random.Random, person: Person, headers: dict[str, str]
    ) -> None:
        # No version: the last word wins, as when one person edits from two tabs.
        data = {"done": f"Card {rng.randrange(100)}", "doing": "More cards", "blockers": ""}
        url = f"/p/{self.world.slug}/ceremonies/{person.daily_id}/daily/entry/"
        response = await self.request(http, "daily entry", "POST", url, 200, data=data,
                                      headers=headers)  # fmt: skip
        if response is not None and response.status_code == 200:
            self.stats.daily_writers.add(person.pk)

    async def reorder(
        self, http: httpx.AsyncClient, rng: random.Random, headers: dict[str, str]
    ) -> None:
        story, neighbour = rng.sample(self.world.backlog, 2)
        url = f"/p/{self.world.slug}/stories/{story}/move/"
        response = await self.request(http, "reorder backlog", "POST", url, 204,
                                      data={"after": neighbour}, headers=headers)  # fmt: skip
        if response is not None and response.status_code == 204:
            self.stats.moves_ok += 1


def expected_deliveries(
    stats: Stats, recorded: list[tuple[int, int | None, dt.datetime]]
) -> dict[int, set[int]]:
    """The events each socket must hear: those recorded after it joined, of its product
    (a PO) or its sprint (a developer)."""
    return {
        socket: {
            pk
            for pk, sprint_id, created_at in recorded
            if created_at.timestamp() > stats.joined_at[socket]
            and (stats.whole_product[socket] or sprint_id == stats.sprint_of[socket])
        }
        for socket in stats.received
    }


def _daily(world: World) -> str | None:
    """Why the daily entry is not part of the load, or None when it is."""
    if all(person.daily_id is None for person in world.people):
        return "skipped: today is not a working day of the teams, so there is no daily"
    return None


def check(world: World, stats: Stats, base: str, first_event: int) -> dict[str, Any]:
    from backlog.models import Story
    from core.models import Event

    failures: dict[str, str] = {}
    ids = list(Story.objects.filter(product_id=world.product_id).values_list("pk", flat=True))
    if len(ids) != world.stories or len(set(ids)) != len(ids):
        failures["stories"] = f"{len(ids)} rows for {world.stories} stories"
    cookies = {settings.SESSION_COOKIE_NAME: world.people[0].session}
    with httpx.Client(base_url=base, cookies=cookies, timeout=TIMEOUT) as http:
        # Any member may view every team's board.
        for slug, _sprint, cards in world.teams:
            html = http.get(f"/p/{world.slug}/teams/{slug}/board/").text
            seen = Counter(int(pk) for pk in re.findall(r'id="story-(\d+)"', html))
            wrong = {pk: seen[pk] for pk in cards if seen[pk] != 1}
            if wrong or set(seen) - set(cards):
                failures["board"] = f"{slug}: cards not shown exactly once {wrong}"
    duplicates = list(
        Story.objects.filter(product_id=world.product_id)
        .values("rank")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    if duplicates:
        failures["ranks"] = f"{len(duplicates)} ranks held by several stories"

    moves = Event.objects.filter(
        product_id=world.product_id, verb="story.moved", pk__gt=first_event
    ).order_by("pk")
    by_story: dict[int, list[Event]] = defaultdict(list)
    for event in moves:
        by_story[event.object_id].append(event)
    current = {
        pk: {"status": status, "rank": rank}
        for pk, status, rank in Story.objects.filter(pk__in=by_story).values_list(
            "pk", "status_id", "rank"
        )
    }
    broken = 0
    for pk, chain in by_story.items():
        for before, after in zip(chain, chain[1:], strict=False):
            if {k: before.after.get(k) for k in ("status", "rank")} != {
                k: after.before.get(k) for k in ("status", "rank")
            }:
                broken += 1
        last = chain[-1].after
        if {"status": last.get("status"), "rank": last.get("rank")} != current[pk]:
            broken += 1
    move_events = sum(len(chain) for chain in by_story.values())
    if broken:
        failures["events"] = f"{broken} moves whose event doesn't follow the previous one"
    if move_events > stats.moves_ok:
        failures["events"] = f"{move_events} move events for {stats.moves_ok} accepted moves"

    recorded = list(
        Event.objects.filter(product_id=world.product_id, pk__gt=first_event).values_list(
            "pk", "sprint_id", "created_at"
        )
    )
    wanted = expected_deliveries(stats, recorded)
    expected = sum(len(ids) for ids in wanted.values())
    missing = sum(len(ids - set(stats.received[s])) for s, ids in wanted.items())
    duplicated = sum(
        sum(n - 1 for n in counts.values() if n > 1) for counts in stats.received.values()
    )
    if missing or duplicated or stats.socket_errors:
        failures["live"] = (
            f"{missing} deliveries missing, {duplicated} duplicated, "
            f"{stats.socket_errors} sockets refused"
        )
    from sprints.models import DailyEntry

    entries = Counter(
        DailyEntry.objects.filter(ceremony__team__product_id=world.product_id).values_list(
            "author_id", flat=True
        )
    )
    if set(entries) != stats.daily_writers or any(n != 1 for n in entries.values()):
        failures["daily"] = (
            f"{len(entries)} daily entries for {len(stats.daily_writers)} writers, "
            f"{sum(n - 1 for n in entries.values())} duplicated"
        )
    if stats.user_errors:
        failures["users"] = f"{stats.user_errors} simulated users broke off (see the errors)"
    if sum(stats.server_errors.values()):
        failures["5xx"] = f"{sum(stats.server_errors.values())} answers 5xx"
    return {
        "failures": failures,
        "events_recorded": len(recorded),
        "move_events": move_events,
        "moves_accepted": stats.moves_ok,
        "moves_without_change": stats.moves_ok - move_events,
        "daily_entries": sum(entries.values()),
        "deliveries_expected": expected,
        "deliveries_missing": missing,
        "deliveries_duplicated": duplicated,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()

    import logging

    import redis

    logging.getLogger("httpx").setLevel(logging.WARNING)

    from tests.live.servers import Server, server_env

    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    try:
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=2).ping()
        with connection._nodb_cursor() as cursor:  # the server, not a database in it
            cursor.execute("SELECT 1")
    except Exception as error:
        print(f"load.py needs PostgreSQL and Redis: {error}", file=sys.stderr)
        return 2
    connection.close()
    base_name = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"]["NAME"] = f"{base_name}_load"
    started = time.monotonic()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    say(f"created {test_db} ({time.monotonic() - started:.1f} s)")
    try:
        world = seed(args.users)
        from core.models import Event

        first_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        db = settings.DATABASES["default"]
        database = (
            f"postgres://{db.get('USER') or 'postgres'}"
            f"{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}"
            f"@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{test_db}"
        )
        env = server_env(
            database=database,
            redis=os.environ["REDIS_URL"],
            prefix=f"cadence-load-{uuid.uuid4().hex[:10]}",
        )
        # As in production (README): a bounded pool per worker, not one connection per
        # request in flight.
        env["DATABASE_POOL_SIZE"] = os.environ.get("DATABASE_POOL_SIZE", "20")
        say(f"seeded {world.stories} stories, {len(world.people)} users in "
            f"{len(world.teams)} teams ({time.monotonic() - started:.1f} s); "
            f"starting {args.workers} workers")  # fmt: skip
        server = Server(env, workers=args.workers, port=args.port or None)
        try:
            server.wait_ready(timeout=60)
            say(f"{args.workers} workers up ({time.monotonic() - started:.1f} s)")
            stats = Stats()
            load = Load(world, server.url, args.duration, stats, first_event)
            run_start = time.monotonic()
            asyncio.run(load.run())
            elapsed = stats.actions_ended - run_start
            checks = check(world, stats, server.url, first_event)
        finally:
            server.stop()
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)

    requests = sum(len(v) for v in stats.latencies.values()) + sum(stats.errors.values())
    operations = {}
    for op in ("open websocket", "load board", "move card", "reorder backlog", "daily entry"):
        values = stats.latencies.get(op, [])
        operations[op] = {
            "count": len(values),
            "errors": stats.errors[op],
            "5xx": stats.server_errors[op],
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "p99_ms": percentile(values, 99),
            "per_s": round(len(values) / elapsed, 1),
        }
    result: dict[str, Any] = {
        "name": "load",
        "database": "postgresql",
        "results": {
            "users": args.users,
            "workers": args.workers,
            "duration_s": round(elapsed, 1),
            "requests": requests,
            "throughput_rps": round(requests / elapsed, 1),
            "operations": operations,
            "daily_entry": _daily(world),
            "live_p50_ms": percentile(stats.delivery, 50),
            "live_p95_ms": percentile(stats.delivery, 95),
            "live_p99_ms": percentile(stats.delivery, 99),
            "live_deliveries": len(stats.delivery),
            **{k: v for k, v in checks.items() if k != "failures"},
            "failures": checks["failures"],
            "error_samples": stats.error_samples,
        },
    }
    if args.json:
        print(json.dumps(result))
    else:
        _table(result["results"])
    return 1 if checks["failures"] else 0


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _table(r: dict[str, Any]) -> None:
    print(f"\n{r['users']} users, {r['workers']} workers, {r['duration_s']} s: "
          f"{r['requests']} requests, {r['throughput_rps']} requests/s")  # fmt: skip
    print(f"{'operation':<18}{'count':>7}{'per s':>8}{'errors':>8}{'5xx':>5}"
          f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")  # fmt: skip
    for op, o in r["operations"].items():
        print(f"{op:<18}{o['count']:>7}{o['per_s']:>8}{o['errors']:>8}{o['5xx']:>5}"
              f"{_ms(o['p50_ms']):>9}{_ms(o['p95_ms']):>9}{_ms(o['p99_ms']):>9}")  # fmt: skip
    if r["daily_entry"]:
        print(f"{'daily entry':<18}{r['daily_entry']}")
    print(f"live events: {r['events_recorded']} recorded, {r['live_deliveries']} deliveries "
          f"(expected {r['deliveries_expected']}, missing {r['deliveries_missing']}, "
          f"duplicated {r['deliveries_duplicated']}); delivery p50 {_ms(r['live_p50_ms'])} ms, "
          f"p95 {_ms(r['live_p95_ms'])} ms, p99 {_ms(r['live_p99_ms'])} ms")  # fmt: skip
    print(f"moves: {r['moves_accepted']} accepted, {r['move_events']} events, "
          f"{r['moves_without_change']} left the story where it was")  # fmt: skip
    for sample in r["error_samples"]:
        print(f"  error: {sample}")
    if r["failures"]:
        for name, text in r["failures"].items():
            print(f"FAILED {name}: {text}")
    else:
        print("invariants: every story once, ranks unique, one event per move, "
              "every event delivered once, no 5xx: ok")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

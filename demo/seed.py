"""The demo product that ``manage.py seed_demo`` builds.

Two Scrum teams, ten demo users, a backlog and four closed sprints per team followed by
an active one, all written through the services with ``products.clock.at`` set to the
moment each thing "happened", so the event log, burndown and velocity look lived-in. Every
date is computed from today, so the demo always shows a sprint in progress.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zoneinfo
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from backlog import services as backlog
from backlog.models import Sprint, Story, StoryKind, Task
from core import clock
from core.access import Role
from core.models import Event
from demo import content
from products import services as products
from products.models import Product, Status, StatusCategory, Team
from sprints import completion
from sprints import services as ceremonies
from sprints import services as sprints
from sprints.models import Ceremony, CeremonyKind, RetroCard
from sprints.services import estimation, set_daily_finished, write_daily_entry
from sprints.services.acceptance import done_items

PASSWORD = "cadence-demo"
SLUG = "demo"
NAME = "Cadence Demo"
TZ = zoneinfo.ZoneInfo("Europe/Paris")
SIZES = {"small": 150, "large": 10_000}
HISTORY_SPRINTS = 4
SPRINT_DAYS = 14

TODO, IN_PROGRESS, REVIEW, DONE = range(4)

Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role | None = None
    team: int | None = None  # index into TEAMS for team-level roles
    superuser: bool = False
    can: str = ""

    @property
    def role_label(self) -> str:
        if self.superuser:
            return "Head of Product (superuser)"
        if self.role is None:
            return "none (no product)"
        where = TEAMS[self.team].name if self.team is not None else "product"
        return f"{self.role.label} · {where}"


@dataclass(frozen=True)
class TeamSpec:
    name: str
    slug: str
    daily_time: dt.time
    epics: tuple[int, ...]  # the epics the team works through, in order


TEAMS = (
    TeamSpec("Falcons", "falcons", dt.time(9, 30), epics=(0, 1, 3)),
    TeamSpec("Otters", "otters", dt.time(9, 45), epics=(2, 4, 5)),
)

USERS = (
    DemoUser(
        "admin", "Alex", "Morgan", superuser=True,
        can="Everything on every product; creates products; the Django admin.",
    ),
    DemoUser(
        "pm", "Priya", "Raman", Role.PM,
        can="Edits vision, business case and roadmap; epics, releases; manages teams.",
    ),
    DemoUser(
        "po", "Paul", "Okafor", Role.PO, team=0,
        can="Orders the backlog, marks stories ready, plans and closes Falcons sprints.",
    ),
    DemoUser(
        "po2", "Olivia", "Park", Role.PO, team=1,
        can="Orders the backlog, marks stories ready, plans and closes Otters sprints.",
    ),
    DemoUser(
        "sm", "Sam", "Moreau", Role.SCRUM_MASTER, team=0,
        can="Plans, starts and closes Falcons sprints; schedules ceremonies; moves cards.",
    ),
    DemoUser(
        "dev1", "Dana", "Ito", Role.DEVELOPER, team=0,
        can="Moves Falcons cards, adds tasks, edits stories, writes the daily.",
    ),
    DemoUser(
        "dev2", "Diego", "Alvarez", Role.DEVELOPER, team=0,
        can="Moves Falcons cards, adds tasks, edits stories, writes the daily.",
    ),
    DemoUser(
        "dev3", "Deniz", "Yilmaz", Role.DEVELOPER, team=1,
        can="Moves Otters cards, adds tasks, edits stories, writes the daily.",
    ),
    DemoUser(
        "stakeholder", "Stella", "Hart", Role.STAKEHOLDER,
        can="Sees everything, changes nothing; gives feedback in sprint reviews.",
    ),
    DemoUser(
        "outsider", "Oscar", "Nilsson",
        can="Nothing: Cadence Demo answers 404 (tests the access rules).",
    ),
)  # fmt: skip


def logins_table() -> str:
    """The demo logins as a text table: what ``make run`` shows."""
    header = ("username", "password", "role(s)", "what they can do")
    rows = [(user.username, PASSWORD, user.role_label, user.can) for user in USERS]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    rule = tuple("-" * width for width in widths)
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, rule, *rows)
    )


def delete_demo() -> None:
    """Drop the demo product, with everything in it, and the demo users."""
    # No service deletes a product yet, so this is the one place that does, and only for
    # the demo's own slug and users. Stories go first: Story.status is PROTECT, which makes
    # the product's own cascade refuse to drop the statuses its stories use.
    Story.objects.filter(product__slug=SLUG).delete()
    # The event log names products by id, without a foreign key to cascade from.
    Event.objects.filter(product_id__in=Product.objects.filter(slug=SLUG).values("pk")).delete()
    Product.objects.filter(slug=SLUG).delete()
    get_user_model().objects.filter(username__in=[u.username for u in USERS]).delete()


def active_sprint_start(today: dt.date) -> dt.date:
    """Five working days before today (or before Monday, at a weekend): today is day six."""
    anchor = today
    while anchor.isoweekday() > 5:
        anchor += dt.timedelta(days=1)
    start, counted = anchor, 0
    while counted < 5:
        start -= dt.timedelta(days=1)
        counted += start.isoweekday() <= 5
    return start


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Monday to Friday from start to end, both included (the demo teams' working days)."""
    days = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in days if d.isoweekday() <= 5]


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def moment(days: list[dt.date], x: float) -> dt.datetime:
    """Sprint time x: working day int(x) (from 1), its fraction spread over 09:00–17:30."""
    day = days[int(x) - 1]
    return local(day, 9) + dt.timedelta(minutes=round((x - int(x)) * 510))


@dataclass
class Plan:
    """One story to create, who writes it, and whether a team's sprints will take it."""

    title: str
    kind: str
    epic: int | None
    team: int | None
    points: int | None
    acceptance: str
    description: str
    author: str
    queue: int | None
    ready: bool


@dataclass
class Crew:
    """A demo team and who does what in it."""

    index: int
    spec: TeamSpec
    team: Team
    owner: User  # the PO: orders the backlog, plans, accepts stories
    planner: User  # starts and closes sprints
    scheduler: User  # schedules ceremonies
    devs: list[User]
    # Ids of the stories its next sprints take, in backlog order.
    queue: list[int] = field(default_factory=list)
    next_sprint: Sprint | None = None
    velocity: int = 0


Action = tuple[dt.datetime, int, Callable[[], object]]

# (start window, target: days after the active sprint's start or None, release index)
EPIC_DATES = ((0, -15, 0), (1, 27, 0), (0, 27, 0), (3, 83, 1), (2, 83, 1), (4, 104, None))
# How many stories of each of a team's epics its sprints work through, in epic order.
QUEUED = (16, 16, 12)

POINTS_BY_KIND: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    StoryKind.STORY: ((1, 2, 3, 5, 8, 13), (1, 3, 5, 5, 3, 1)),
    StoryKind.BUG: ((1, 2, 3, 5), (3, 4, 3, 1)),
    StoryKind.SPIKE: ((2, 3, 5), (2, 3, 1)),
    StoryKind.CHORE: ((1, 2, 3), (2, 3, 2)),
}
# Who writes a story, by the team it is assigned to (None: unassigned). Each may edit
# stories in that team: create_story refuses anyone else.
AUTHORS: dict[int | None, tuple[str, ...]] = {
    0: ("po", "po", "sm", "dev1", "dev2", "pm"),
    1: ("po2", "po2", "dev3", "pm"),
    None: ("pm", "po", "po2"),
}
BUG_AUTHORS: dict[int | None, tuple[str, ...]] = {
    0: ("dev1", "dev2", "sm"),
    1: ("dev3",),
    None: ("po", "po2", "pm"),
}
GENERAL_BENEFIT = "Huddle feels fast and dependable"
KIND_PREFIXES = {"Bug: ": StoryKind.BUG, "Spike: ": StoryKind.SPIKE, "Chore: ": StoryKind.CHORE}


def split_kind(raw: str) -> tuple[str, str]:
    """("Bug: Foo") -> (bug, "Foo"): the catalogue marks a story's kind with a prefix."""
    for prefix, kind in KIND_PREFIXES.items():
        if raw.startswith(prefix):
            return kind, raw.removeprefix(prefix)
    return StoryKind.STORY, raw


class DemoBuilder:
    """Builds the demo product; one instance, one run, one fixed random seed."""

    def __init__(self, *, size: int, say: Say) -> None:
        self.size = size
        self.say = say
        self.rng = random.Random(42)
        self.users: dict[str, User] = {}
        self.tasks: dict[int, list[Task]] = {}
        self.urgent = iter(content.URGENT_BUGS)

    def build(self) -> Product:
        # The teams' today, not the server's: whatever TIME_ZONE says, every day the
        # history replays is then over in Paris, and no event lands in the future.
        today = timezone.localdate(clock.now(), TZ)
        active = active_sprint_start(today)
        self.windows = [
            active - dt.timedelta(days=SPRINT_DAYS * (HISTORY_SPRINTS - k))
            for k in range(HISTORY_SPRINTS + 1)
        ]
        kickoff = self.windows[0] - dt.timedelta(days=21)
        roadmap = working_days(kickoff + dt.timedelta(days=1), kickoff + dt.timedelta(days=7))[0]
        self._people(local(kickoff, 8))
        self._product(kickoff)
        self._roadmap(roadmap, active)
        self._backlog(roadmap + dt.timedelta(days=1), self.windows[0] - dt.timedelta(days=3))
        for k in range(HISTORY_SPRINTS + 1):
            self._window(k, today)
        self._calendar()
        seed_dailies(self.crews[0].team, self.users)
        self._retros_and_reviews()
        self._poker()
        return self.product

    def _poker(self) -> None:
        """A planning-poker round open in the Falcons' refinement, two developers voted."""
        self.say("planning poker")
        team = self.product.teams.get(slug=TEAMS[0].slug)
        unready = Story.objects.filter(
            product=self.product, team=team, sprint__isnull=True, ready=False
        ).order_by("rank")
        story = unready.filter(points__isnull=True).first() or unready.first()
        if story is None:
            return
        with clock.at(clock.now() - dt.timedelta(minutes=5)):
            round = estimation.open_round(actor=self.users["sm"], team=team, story=story)
            estimation.cast_vote(actor=self.users["dev1"], round=round, card="5")
            estimation.cast_vote(actor=self.users["dev2"], round=round, card="8")

    # Setting up -------------------------------------------------------------------------

    def _people(self, joined: dt.datetime) -> None:
        self.say("users")
        # One hash for all: the password is public, and hashing it ten times costs seconds.
        hashed = make_password(PASSWORD)
        model = get_user_model()
        for spec in USERS:
            # accounts has no service to create users yet; the demo users are the
            # command's own, so it writes them (and resets them on a rerun).
            user = model.objects.filter(username=spec.username).first()
            if user is None:
                user = model(username=spec.username, date_joined=joined)
            user.first_name, user.last_name = spec.first_name, spec.last_name
            user.email = f"{spec.username}@demo.cadence.example"
            user.is_staff = user.is_superuser = spec.superuser
            user.is_active = True
            user.password = hashed
            user.save()
            self.users[spec.username] = user

    def _product(self, day: dt.date) -> None:
        self.say("product and teams")
        admin = self.users["admin"]
        with clock.at(local(day, 9)):
            self.product = products.create_product(
                actor=admin,
                name=NAME,
                slug=SLUG,
                vision=content.VISION,
                business_case=content.BUSINESS_CASE,
            )
            teams = [
                products.create_team(
                    actor=admin,
                    product=self.product,
                    name=spec.name,
                    slug=spec.slug,
                    timezone="Europe/Paris",
                    daily_time=spec.daily_time,
                    working_days=[1, 2, 3, 4, 5],
                    sprint_weeks=2,
                )
                for spec in TEAMS
            ]
        with clock.at(local(day, 9, 20)):
            for spec in USERS:
                if spec.role is not None:
                    products.add_member(
                        actor=admin,
                        product=self.product,
                        user=self.users[spec.username],
                        role=spec.role,
                        team=teams[spec.team] if spec.team is not None else None,
                    )
        self.statuses: list[Status] = list(self.product.statuses.order_by("position"))
        self.stage = {status.pk: n for n, status in enumerate(self.statuses)}
        u = self.users
        self.crews = [
            Crew(0, TEAMS[0], teams[0], u["po"], u["sm"], u["sm"], [u["dev1"], u["dev2"]]),
            Crew(1, TEAMS[1], teams[1], u["po2"], u["po2"], u["po2"], [u["dev3"]]),
        ]

    def _roadmap(self, day: dt.date, active: dt.date) -> None:
        self.say("roadmap")
        pm = self.users["pm"]
        with clock.at(local(day, 10)):
            self.product = products.update_product(
                actor=pm,
                product=self.product,
                version=self.product.version,
                vision=self.product.vision,
                business_case=self.product.business_case,
                research_notes=content.RESEARCH_NOTES,
            )
            releases = [
                backlog.create_release(
                    actor=pm,
                    product=self.product,
                    name="1.0 — Public beta",
                    date=active + dt.timedelta(days=27),
                ),
                backlog.create_release(
                    actor=pm,
                    product=self.product,
                    name="1.1 — Teams plan",
                    date=active + dt.timedelta(days=83),
                ),
            ]
        with clock.at(local(day, 10, 30)):
            self.epics = []
            for (title, colour, about, *_), (window, target, release) in zip(
                content.EPICS, EPIC_DATES, strict=True
            ):
                self.epics.append(
                    backlog.create_epic(
                        actor=pm,
                        product=self.product,
                        title=title,
                        description=about,
                        colour=colour,
                        release=releases[release] if release is not None else None,
                        start_date=self.windows[window],
                        target_date=active + dt.timedelta(days=target),
                    )
                )
        with clock.at(local(day, 11)):
            for name, colour in content.LABELS:
                backlog.create_label(actor=pm, product=self.product, name=name, colour=colour)

    # The backlog ------------------------------------------------------------------------

    def _backlog(self, first: dt.date, last: dt.date) -> None:
        plans = self._plans()
        days = working_days(first, last)
        per_day = math.ceil(len(plans) / len(days))
        ready: list[tuple[int, Plan]] = []
        for n, plan in enumerate(plans):
            day, slot = divmod(n, per_day)
            when = local(days[day], 9) + dt.timedelta(seconds=510 * 60 * slot // per_day)
            with clock.at(when):
                story = backlog.create_story(
                    actor=self.users[plan.author],
                    product=self.product,
                    title=plan.title,
                    kind=plan.kind,
                    team=self.crews[plan.team].team if plan.team is not None else None,
                    epic=self.epics[plan.epic] if plan.epic is not None else None,
                    description=plan.description,
                    acceptance_criteria=plan.acceptance,
                    points=plan.points,
                    status=self.statuses[TODO],
                )
            if plan.queue is not None:
                self.crews[plan.queue].queue.append(story.pk)
            if plan.ready:
                ready.append((story.pk, plan))
            self._progress("stories", n + 1, len(plans))

        # The refinement before the first sprint: each PO marks their stories ready.
        refinement = working_days(self.windows[0] - dt.timedelta(days=7), self.windows[0])[-2]
        stories = Story.objects.in_bulk([pk for pk, _plan in ready])
        for n, (pk, plan) in enumerate(ready):
            crew = self.crews[plan.team if plan.team is not None else plan.queue or 0]
            with clock.at(local(refinement, 14) + dt.timedelta(seconds=7200 * n // len(ready))):
                # As the page's confirmation does (the demo's products warn): the plan
                # says these are ready, whatever the Definition of Ready still misses.
                backlog.set_story_ready(
                    actor=crew.owner, story=stories[pk], ready=True, confirm=True
                )
            self._progress("ready", n + 1, len(ready))

    def _progress(self, what: str, done: int, total: int) -> None:
        if done == total or (total >= 1000 and done % 1000 == 0):
            self.say(f"  {what} {done}/{total}")

    def _plans(self) -> list[Plan]:
        """The stories to create, in backlog order: first the work the teams' sprints
        will take (both teams interleaved), then the rest, unestimated ones last."""
        queues: list[list[Plan]] = [[] for _ in TEAMS]
        rest: list[Plan] = []
        catalogue: list[tuple[int | None, str, int | None]] = []
        epic: int | None
        home: int | None
        for t, spec in enumerate(TEAMS):
            for epic, quota in zip(spec.epics, QUEUED, strict=True):
                for n, raw in enumerate(content.STORIES[epic]):
                    catalogue.append((epic, raw, t))
                    plan = self._plan(raw, epic=epic, home=t, queued=n < quota)
                    (queues[t] if n < quota else rest).append(plan)
        for raw in content.GENERAL:
            home = self.rng.choice((0, 1, None))
            catalogue.append((None, raw, home))
            rest.append(self._plan(raw, epic=None, home=home, queued=False))
        self.rng.shuffle(rest)
        rest.sort(key=lambda plan: plan.points is None)
        plans = [plan for pair in zip(*queues, strict=True) for plan in pair] + rest
        # --size large: the catalogue again, for other audiences and platforms.
        variants = content.VARIANTS
        for n in range(self.size - len(content.URGENT_BUGS) - len(plans)):
            epic, raw, home = catalogue[n % len(catalogue)]
            v = n // len(catalogue)
            if v < len(variants):
                variant = variants[v]
            else:
                a, b = divmod(v - len(variants), len(variants))
                variant = f"{variants[a % len(variants)]}, {variants[b]}"
            plans.append(self._plan(raw, epic=epic, home=home, queued=False, variant=variant))
        return plans

    def _plan(
        self, raw: str, *, epic: int | None, home: int | None, queued: bool, variant: str = ""
    ) -> Plan:
        rng = self.rng
        kind, title = split_kind(raw)
        if variant:
            title = f"{title} ({variant})"
        values, weights = POINTS_BY_KIND[kind]
        points: int | None = rng.choices(values, weights)[0]
        if not queued and rng.random() < 0.25:
            points = None
        elif not queued and kind == StoryKind.STORY and rng.random() < 0.06:
            points = rng.choice((20, 40))
        keep = 0.85 if queued else 0.6
        team = home if home is not None and rng.random() < keep else None
        criteria = ""
        if queued or rng.random() < (0.6 if kind == StoryKind.STORY else 0.2):
            pool = content.ACCEPTANCE[epic] if epic is not None else content.GENERAL_ACCEPTANCE
            lines = rng.sample(pool, k=rng.randint(2, min(4, len(pool))))
            if rng.random() < 0.3:
                lines.append(rng.choice(content.GENERAL_ACCEPTANCE))
            criteria = "\n".join(f"- {line}" for line in lines)
        authors = (BUG_AUTHORS if kind == StoryKind.BUG else AUTHORS)[team]
        return Plan(
            title=title,
            kind=kind,
            epic=epic,
            team=team,
            points=points,
            acceptance=criteria,
            description=self._description(kind, epic, points),
            author=rng.choice(authors),
            queue=home if queued else None,
            ready=queued or (points is not None and bool(criteria) and rng.random() < 0.35),
        )

    def _description(self, kind: str, epic: int | None, points: int | None) -> str:
        if kind == StoryKind.BUG:
            return self.rng.choice(content.BUG_NOTES)
        if kind == StoryKind.SPIKE:
            return (
                f"Timeboxed to {points or 2} points. The outcome is a short decision doc "
                "linked here, not production code."
            )
        if kind == StoryKind.CHORE:
            return "No visible change for users; keeps the product healthy."
        persona, benefit = (
            content.EPICS[epic][3:] if epic is not None else ("a Huddle user", GENERAL_BENEFIT)
        )
        return f"For {persona}, so that {benefit}."

    # Sprints ----------------------------------------------------------------------------

    def _window(self, k: int, today: dt.date) -> None:
        """Sprint k of both teams: planning, day-by-day board moves, and (unless it is the
        active one) the close. Actions of both teams run in time order."""
        start = self.windows[k]
        days = working_days(start, start + dt.timedelta(days=SPRINT_DAYS - 1))
        active = k == HISTORY_SPRINTS
        # Sprint time runs from 1.0 (day one, 09:00); the active sprint stops before today.
        elapsed = sum(day < today for day in days) if active else len(days)
        horizon = elapsed + 1 - 0.05
        self.say(f"sprint {k + 1} of each team ({'active' if active else 'closed'})")
        actions: list[Action] = []
        for crew in self.crews:
            sprint = crew.next_sprint or self._create_sprint(crew, k, local(days[0], 9, 5))
            crew.next_sprint = None
            self._plan_sprint(crew, sprint, local(days[0], 10, 20))
            with clock.at(local(days[0], 13, 55)):
                sprints.start_sprint(actor=crew.planner, sprint=sprint)
            self._cards(actions, crew, sprint, days, horizon, active)
            self._urgent_bug(actions, crew, days, horizon)
            self._refinement(actions, crew, days, horizon)
            if not active:
                last = days[-1]
                after_review = local(last, 16, 5)
                self._do(actions, after_review, self._create_sprint, crew, k + 1, after_review)
                self._do(actions, local(last, 18), self._close_sprint, crew, sprint, k)
            elif crew.index == 0:
                day = days[elapsed - 1]
                self._do(actions, local(day, 16, 30), self._prepare_next, crew, day)
        actions.sort(key=lambda action: action[:2])
        for when, _seq, act in actions:
            with clock.at(when):
                act()

    def _do(
        self, actions: list[Action], when: dt.datetime, fn: Callable[..., object], *args: object
    ) -> None:
        actions.append((when, len(actions), partial(fn, *args)))

    def _create_sprint(self, crew: Crew, number: int, when: dt.datetime) -> Sprint:
        start = self.windows[0] + dt.timedelta(days=SPRINT_DAYS * number)
        with clock.at(when):
            sprint = sprints.create_sprint(
                actor=crew.owner,
                team=crew.team,
                name=f"Sprint {number + 1}",
                start_date=start,
                end_date=start + dt.timedelta(days=SPRINT_DAYS - 1),
                goal=content.SPRINT_GOALS[crew.index][number],
            )
            # create_sprint scheduled its ceremonies (ceremonies.hooks).
        crew.next_sprint = sprint
        return sprint

    def _plan_sprint(self, crew: Crew, sprint: Sprint, when: dt.datetime) -> None:
        """The PO fills the sprint from the top of the team's backlog up to a bit more than
        the velocity the team will reach (which makes the carry-over)."""
        crew.velocity = self.rng.randint(21, 29)
        target = crew.velocity + self.rng.randint(3, 7)
        committed = sum(story.points or 0 for story in sprint.stories.all())
        n = 0
        while n < len(crew.queue) and committed < target:
            story = Story.objects.get(pk=crew.queue[n])
            if story.sprint_id is not None or story.points is None:
                del crew.queue[n]
                continue
            if committed + story.points > target + 3:
                n += 1  # too big to fit: it waits at the top for the next sprint
                continue
            with clock.at(when):
                sprints.add_story_to_sprint(actor=crew.owner, story=story, sprint=sprint)
            del crew.queue[n]
            committed += story.points
            when += dt.timedelta(minutes=6)

    def _finals(self, stories: list[Story], crew: Crew, active: bool) -> list[int]:
        """Where each card ends: in a closed sprint, Done up to about the velocity and the
        rest part-way; in the active sprint, spread over the four columns."""
        if active:
            n = len(stories)
            done, review, doing = round(0.35 * n), max(1, round(0.15 * n)), max(1, round(0.25 * n))
            plan = [DONE] * done + [REVIEW] * review + [IN_PROGRESS] * doing
            plan = (plan + [TODO] * n)[:n]
            return [
                max(self.stage[story.status_id], final)
                for story, final in zip(stories, plan, strict=True)
            ]
        finals, done = [], 0
        for story in stories:
            points = story.points or 0
            if done + points <= crew.velocity + 2:
                finals.append(DONE)
                done += points
            else:
                partway = self.rng.choice((TODO, IN_PROGRESS, IN_PROGRESS, REVIEW))
                finals.append(max(self.stage[story.status_id], partway))
        # A big story left over may leave the team short: it finishes a small one instead.
        for n in sorted(range(len(stories)), key=lambda n: stories[n].points or 0):
            if done >= 20:
                break
            if finals[n] != DONE:
                finals[n] = DONE
                done += stories[n].points or 0
        return finals

    def _cards(
        self,
        actions: list[Action],
        crew: Crew,
        sprint: Sprint,
        days: list[dt.date],
        horizon: float,
        active: bool,
    ) -> None:
        stories = list(sprint.stories.select_related("product", "status").order_by("rank"))
        for story in stories:
            # Cards carried over keep their tasks; point them at the fresh row.
            for task in self.tasks.get(story.pk, []):
                task.story = story
        finals = self._finals(stories, crew, active)
        users: dict[int | None, User] = {user.pk: user for user in self.users.values()}
        for n, (story, final) in enumerate(zip(stories, finals, strict=True)):
            current = self.stage[story.status_id]
            if final <= current:
                continue
            times = self._times(n / len(stories), current, final, story.points or 2, horizon)
            dev = users.get(story.assignee_id) or self.rng.choice(crew.devs)
            for stage, x in zip(range(current + 1, final + 1), times, strict=True):
                when = moment(days, x)
                if stage == IN_PROGRESS:
                    tasks = self.rng.sample(content.TASKS, k=self.rng.randint(2, 3))
                    self._do(actions, when, self._start_work, story, dev, tasks)
                elif stage == REVIEW:
                    self._do(actions, when, self._to_review, story, dev)
                else:
                    # Mostly the PO accepts the story; sometimes the developer closes it.
                    acceptor = crew.owner if self.rng.random() < 0.7 else dev
                    # In past sprints the PO accepts it then (the burndown burns it); in
                    # the active one it waits for the review.
                    po = None if active else crew.owner
                    self._do(actions, when, self._accept, story, dev, acceptor, po)
            if final == IN_PROGRESS and times[-1] + 0.6 < horizon:
                self._do(actions, moment(days, times[-1] + 0.6), self._tick, story, dev, 1)

    def _times(
        self, position: float, current: int, final: int, points: int, horizon: float
    ) -> list[float]:
        """When a card enters each column after its current one: work is pulled in
        backlog order, and bigger stories stay longer in progress."""
        rng = self.rng
        earliest = 1.65  # day one 14:30, after the planning meeting and the start
        t = earliest + position * (horizon - earliest) * 0.55 + rng.uniform(0, 0.4)
        times = []
        for stage in range(current + 1, final + 1):
            times.append(t)
            if stage == IN_PROGRESS:
                t += 0.4 + 0.22 * points + rng.uniform(0, 0.6)
            else:
                t += rng.uniform(0.2, 0.9)
        overshoot = times[-1] - (horizon - 0.02)
        if overshoot > 0:
            times = [max(earliest, x - overshoot) for x in times]
        for j in range(1, len(times)):
            times[j] = max(times[j], times[j - 1] + 0.03)
        return times

    def _start_work(self, story: Story, dev: User, tasks: list[str]) -> None:
        if story.assignee_id is None:
            backlog.update_story(actor=dev, story=story, version=story.version, assignee=dev)
        if story.pk not in self.tasks:
            self.tasks[story.pk] = [
                backlog.add_task(actor=dev, story=story, title=title, assignee=dev)
                for title in tasks
            ]
        backlog.move_story(actor=dev, story=story, status=self.statuses[IN_PROGRESS])

    def _tick(self, story: Story, dev: User, count: int) -> None:
        for task in [task for task in self.tasks.get(story.pk, []) if not task.done][:count]:
            backlog.set_task_done(actor=dev, task=task, done=True)

    def _to_review(self, story: Story, dev: User) -> None:
        self._tick(story, dev, len(self.tasks.get(story.pk, [])))
        backlog.move_story(actor=dev, story=story, status=self.statuses[REVIEW])

    def _accept(self, story: Story, dev: User, acceptor: User, po: User | None) -> None:
        """The card reaches Done; with ``po``, the team ticks its Definition of Done and
        the PO accepts it."""
        self._tick(story, dev, len(self.tasks.get(story.pk, [])))
        backlog.move_story(actor=acceptor, story=story, status=self.statuses[DONE])
        if po is not None:
            for item in done_items(story):
                sprints.tick_done_item(actor=dev, story=story, item=item)
            sprints.accept_story(actor=po, story=story)

    def _urgent_bug(
        self, actions: list[Action], crew: Crew, days: list[dt.date], horizon: float
    ) -> None:
        x = 4.25 + 0.1 * crew.index
        title = next(self.urgent, None)
        if x >= horizon or title is None:
            return
        dev = self.rng.choice(crew.devs)
        points = self.rng.choice((1, 2, 3))
        note = self.rng.choice(content.BUG_NOTES)
        self._do(actions, moment(days, x), self._file_bug, crew, dev, title, points, note)

    def _file_bug(self, crew: Crew, dev: User, title: str, points: int, note: str) -> None:
        """A developer files a bug; the PO triages it to the top of the backlog."""
        bug = backlog.create_story(
            actor=dev,
            product=self.product,
            title=title,
            kind=StoryKind.BUG,
            team=crew.team,
            points=points,
            description=note,
            acceptance_criteria="- The steps in the report no longer reproduce it\n"
            "- A regression test covers it",
            status=self.statuses[TODO],
        )
        first = (
            Story.objects.filter(product=self.product, sprint__isnull=True)
            .exclude(pk=bug.pk)
            .order_by("rank")
            .first()
        )
        with clock.at(clock.now() + dt.timedelta(minutes=25)):
            backlog.move_story(actor=crew.owner, story=bug, before=first)
            backlog.set_story_ready(actor=crew.owner, story=bug, ready=True, confirm=True)
        crew.queue.insert(0, bug.pk)

    def _refinement(
        self, actions: list[Action], crew: Crew, days: list[dt.date], horizon: float
    ) -> None:
        x = 3.75 + 0.05 * crew.index
        if x >= horizon or len(crew.queue) < 12:
            return
        pick = self.rng.randint(8, min(15, len(crew.queue) - 1))
        self._do(actions, moment(days, x), self._reorder, crew, pick)

    def _reorder(self, crew: Crew, pick: int) -> None:
        """In refinement the PO pulls a story from further down up to third place."""
        moved = crew.queue.pop(pick)
        story = Story.objects.get(pk=moved)
        after = Story.objects.get(pk=crew.queue[1])
        backlog.move_story(actor=crew.owner, story=story, after=after)
        crew.queue.insert(2, moved)

    def _close_sprint(self, crew: Crew, sprint: Sprint, k: int) -> None:
        stories = list(sprint.stories.select_related("status", "acceptance").order_by("rank"))
        # Completed means accepted: the team ticks the Definition of Done of what it
        # finished and the PO accepts it before closing, so velocity counts that work.
        for story in stories:
            if story.is_done and not completion.is_completed(story):
                dev = next((d for d in crew.devs if d.pk == story.assignee_id), crew.devs[0])
                for item in done_items(story):
                    sprints.tick_done_item(actor=dev, story=story, item=item)
                sprints.accept_story(actor=crew.owner, story=story)
        done = sum(story.points or 0 for story in stories if story.is_done)
        # Sprint 2's leftovers go back to the top of the backlog (and the PO plans them
        # again); the other sprints hand them straight to the next one.
        carry_over_to = crew.next_sprint if k != 1 else None
        sprints.close_sprint(
            actor=crew.planner,
            sprint=sprint,
            goal_met=done >= 0.75 * (sprint.committed_points or 0),
            carry_over_to=carry_over_to,
        )
        if carry_over_to is None:
            crew.queue[0:0] = [story.pk for story in stories if not story.is_done]

    def _prepare_next(self, crew: Crew, day: dt.date) -> None:
        """The PO drafts the team's next sprint the afternoon before today."""
        sprint = self._create_sprint(crew, HISTORY_SPRINTS + 1, local(day, 16, 30))
        self._plan_sprint(crew, sprint, local(day, 16, 40))

    # The retrospective and the review ---------------------------------------------------

    def _retros_and_reviews(self) -> None:
        """Each team's last two closed sprints get a retrospective (the last one opens with
        the other's actions), and the last one a review with feedback."""
        self.say("retrospectives and reviews")
        for crew in self.crews:
            closed = list(crew.team.sprints.filter(state="closed").order_by("-end_date")[:2])
            for n, sprint in enumerate(reversed(closed)):
                retro = sprint.ceremonies.filter(kind=CeremonyKind.RETROSPECTIVE).first()
                if retro is not None:
                    self._retro(crew, retro, last=n == len(closed) - 1)
            review = closed and closed[0].ceremonies.filter(kind=CeremonyKind.REVIEW).first()
            if review:
                self._review(crew, review)

    def _retro(self, crew: Crew, retro: Ceremony, *, last: bool) -> None:
        people = list(dict.fromkeys([crew.owner, crew.scheduler, *crew.devs]))
        minute = iter(range(2, 600, 2))

        def at() -> AbstractContextManager[None]:
            return clock.at(retro.starts_at + dt.timedelta(minutes=next(minute)))

        cards: dict[str, RetroCard] = {}
        for i, (column, text) in enumerate(content.RETRO_CARDS):
            with at():
                cards[text] = ceremonies.add_retro_card(
                    actor=people[i % len(people)], ceremony=retro, column=column, text=text
                )
        with at():
            ceremonies.group_retro_card(
                actor=crew.scheduler,
                card=cards[content.RETRO_CARDS[2][1]],
                under=cards[content.RETRO_CARDS[1][1]],
            )
        for i, person in enumerate(people):
            for k in range(retro.votes_per_member):
                _, text = content.RETRO_CARDS[(i + 2 * k) % len(content.RETRO_CARDS)]
                with at():
                    ceremonies.vote_retro_card(actor=person, card=cards[text])
        with at():
            ceremonies.reveal_retro_votes(actor=crew.scheduler, ceremony=retro)
        for i, text in enumerate(content.RETRO_ACTIONS[0 if last else 1]):
            with at():
                action = ceremonies.add_retro_action(
                    actor=crew.scheduler,
                    ceremony=retro,
                    text=text,
                    owner=people[(i + 1) % len(people)],
                    due_date=retro.starts_at.date() + dt.timedelta(days=14),
                )
            if not last and i == 0:
                assert action.owner is not None  # people[...] above
                with clock.at(retro.starts_at + dt.timedelta(days=5)):
                    ceremonies.set_retro_action_done(actor=action.owner, action=action, done=True)
            if last and i == 0:
                with at():
                    ceremonies.convert_action_to_story(actor=crew.owner, action=action)

    def _review(self, crew: Crew, review: Ceremony) -> None:
        stories = list(review.sprint.stories.order_by("rank")[:2]) if review.sprint else []
        # The done stories were accepted before the sprint closed (_close_sprint).
        givers = [self.users["stakeholder"], self.users["pm"], crew.devs[0]]
        for i, text in enumerate(content.REVIEW_FEEDBACK):
            with clock.at(review.starts_at + dt.timedelta(minutes=10 + 5 * i)):
                feedback = ceremonies.add_review_feedback(
                    actor=givers[i % len(givers)],
                    ceremony=review,
                    text=text,
                    about=stories[i] if i < len(stories) else None,
                )
            if i == 0:
                with clock.at(review.starts_at + dt.timedelta(minutes=50)):
                    ceremonies.convert_feedback_to_story(actor=crew.owner, feedback=feedback)
        with clock.at(review.starts_at + dt.timedelta(minutes=55)):
            ceremonies.update_ceremony_notes(
                actor=crew.scheduler,
                ceremony=review,
                notes=content.REVIEW_NOTES,
                version=review.version,
            )

    # The calendar -----------------------------------------------------------------------

    def _calendar(self) -> None:
        """Each team's feed address; the active sprint's planning minuted, its review given a
        room and a video link, as a Scrum Master would."""
        from sprints import services as ceremonies
        from sprints.models import CeremonyKind

        for crew in self.crews:
            ceremonies.regenerate_calendar_token(actor=crew.scheduler, team=crew.team)
            sprint = crew.team.sprints.filter(state="active").first()
            if sprint is None:
                continue
            review = sprint.ceremonies.filter(kind=CeremonyKind.REVIEW).first()
            if review is not None:
                ceremonies.update_ceremony(
                    actor=crew.scheduler,
                    ceremony=review,
                    version=review.version,
                    title="",
                    starts_at=review.starts_at,
                    duration_minutes=review.duration_minutes,
                    location="Room Ada, 2nd floor",
                    video_url=f"https://meet.example.com/{crew.team.slug}-review",
                )
            planning = sprint.ceremonies.filter(kind=CeremonyKind.PLANNING).first()
            if planning is None or planning.starts_at > clock.now():
                continue
            with clock.at(planning.starts_at + dt.timedelta(minutes=2)):
                ceremonies.start_ceremony(actor=crew.scheduler, ceremony=planning)
            with clock.at(planning.ends_at + dt.timedelta(minutes=12)):
                ceremonies.end_ceremony(actor=crew.scheduler, ceremony=planning)
                ceremonies.set_attendance(
                    actor=crew.scheduler,
                    ceremony=planning,
                    user_ids=[crew.owner.pk, crew.scheduler.pk, *(d.pk for d in crew.devs)],
                )
                ceremonies.update_ceremony_notes(
                    actor=crew.scheduler,
                    ceremony=planning,
                    notes=f"**Goal:** {sprint.goal}\n\n- Capacity checked against days off\n"
                    "- Two stories split before taking them in",
                    version=planning.version,
                )


# The daily meeting ----------------------------------------------------------------------

DAILY_WORDS = {
    "dev1": ("Finished the card form's validation", "Start on the refund flow", ""),
    "sm": ("Booked the review room and the demo device", "Chase the bank about the keys", ""),
    "po": ("Split the refunds epic into three stories", "Accept what is in review", ""),
}


def seed_dailies(team: Team, users: dict[str, User]) -> None:
    """Today's daily of the team's active sprint (or its latest one, on a day without a
    daily) gets a few entries, and the daily before it a blocker still open: what a team
    sees on its second morning. Written through the daily services at the meeting's time."""
    sprint = Sprint.objects.active().filter(team=team).first()
    if sprint is None:
        return
    now = clock.now()
    tomorrow = timezone.localdate(now, team.tzinfo) + dt.timedelta(days=1)
    dailies = list(
        Ceremony.objects.filter(
            sprint=sprint,
            kind=CeremonyKind.DAILY,
            cancelled=False,
            starts_at__lt=dt.datetime.combine(tomorrow, dt.time.min, tzinfo=team.tzinfo),
        )
        .select_related("team__product", "sprint")
        .order_by("starts_at")
    )
    if len(dailies) < 2:
        return
    previous, latest = dailies[-2], dailies[-1]
    blocked = (
        sprint.stories.filter(status__category=StatusCategory.IN_PROGRESS).order_by("rank").first()
    )
    with clock.at(min(previous.starts_at + dt.timedelta(minutes=6), now)):
        write_daily_entry(
            actor=users["dev2"],
            ceremony=previous,
            done="Webhook signature check",
            doing="Retries when the bank times out",
            blockers="Waiting for the production API keys from the bank",
            blocker_story=blocked,
        )
    # Before the meeting's start when it is later today: still its day, never the future.
    at = min(latest.starts_at + dt.timedelta(minutes=4), now)
    with clock.at(at):
        for username, (done, doing, blockers) in DAILY_WORDS.items():
            write_daily_entry(
                actor=users[username], ceremony=latest, done=done, doing=doing, blockers=blockers
            )
        set_daily_finished(actor=users["dev1"], ceremony=latest, finished=True)

"""Sprint charts computed from the event log, laid out for SVG drawn on the server."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from statistics import mean
from typing import Any

from backlog.models import Sprint, SprintState, Story
from core.models import Event
from products.models import Status
from sprints import completion

WIDTH, HEIGHT = 600, 220
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 36, 24, 10


@dataclass
class Day:
    date: dt.date
    working: bool
    remaining: float | None  # None: a day still to come
    ideal: float
    scope_change: float = 0  # points added (+) or removed (-) that day


@dataclass
class Burndown:
    days: list[Day]
    committed: float
    points: str = ""  # SVG polyline of the remaining points
    ideal_points: str = ""
    y_max: float = 1
    marks: list[tuple[float, float, float]] = field(default_factory=list)  # x, y, change
    ticks: list[tuple[float, dt.date]] = field(default_factory=list)

    @property
    def latest(self) -> float | None:
        """The remaining points at the end of the last day shown."""
        shown = [d.remaining for d in self.days if d.remaining is not None]
        return shown[-1] if shown else None


def _x(index: int, count: int) -> float:
    return round(PAD_LEFT + (WIDTH - PAD_LEFT - 4) * index / max(count - 1, 1), 1)


def _y(value: float, y_max: float) -> float:
    return round(PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - value / y_max), 1)


EVENT_VERBS = [
    "sprint.started",
    "story.added_to_sprint",
    "story.removed_from_sprint",
    "story.moved",
    # The burndown burns what the PO accepted (sprints.completion), and un-burns it on a
    # send-back or when the story leaves the done column.
    *completion.RULE_VERBS,
]


@dataclass
class History:
    """What the charts replay: a sprint's events and what they name, read once."""

    sprint: Sprint
    statuses: list[Status]
    events: list[tuple[str, int, dict, dict, dt.datetime]]  # verb, story, before, after, at
    points: dict[int, float] = field(default_factory=dict)
    current_status: dict[int, int] = field(default_factory=dict)
    current_accepted: set[int] = field(default_factory=set)

    @cached_property
    def by_day(self) -> dict[dt.date, list[tuple[str, int, dict, dict]]]:
        """Events by day of the sprint in the team's time zone; an event before the start
        counts on the first day, one after the end on the last. Computed once for both
        charts (the time zone conversion is most of a chart's cost)."""
        sprint, tz = self.sprint, self.sprint.team.tzinfo
        out: dict[dt.date, list[Any]] = {}
        for verb, obj, before, after, at in self.events:
            day = min(max(at.astimezone(tz).date(), sprint.start_date), sprint.end_date)
            out.setdefault(day, []).append((verb, obj, before, after))
        return out

    def last_day(self, today: dt.date) -> dt.date:
        sprint = self.sprint
        return (
            min(today, sprint.end_date) if sprint.state != SprintState.CLOSED else sprint.end_date
        )

    def initial_status(self) -> dict[int, int | None]:
        """Each story's status before the sprint's first event about it: the "before" of
        its first move, or, never moved, the status it has now."""
        status: dict[int, int | None] = dict(self.current_status)
        seen: set[int] = set()
        for verb, obj, before, _after, _at in self.events:
            if verb == "story.moved" and obj not in seen:
                status[obj] = before.get("status")
                seen.add(obj)
        return status

    def initial_accepted(self) -> set[int]:
        """The stories accepted before the sprint's first acceptance event about each:
        one whose first such event is a send-back or a withdrawal was accepted; one with
        none is as it is now."""
        accepted = set(self.current_accepted)
        seen: set[int] = set()
        for verb, obj, _before, _after, _at in self.events:
            if verb in completion.RULE_VERBS and obj not in seen:
                seen.add(obj)
                if verb == "story.accepted":
                    accepted.discard(obj)
                else:
                    accepted.add(obj)
        return accepted

    @property
    def days(self) -> list[dt.date]:
        start = self.sprint.start_date
        return [start + dt.timedelta(days=i) for i in range(self.sprint.length_days)]


def histories(sprints: list[Sprint]) -> dict[int, History]:
    """The history of each sprint in three queries, whatever the number of sprints (the
    product overview draws one burndown per team): the statuses of their products, their
    events, and the points and status of the stories those events name."""
    if not sprints:
        return {}
    products = {s.team.product_id for s in sprints}
    statuses: dict[int, list[Status]] = {}
    for status in Status.objects.filter(product_id__in=products).order_by("position", "id"):
        statuses.setdefault(status.product_id, []).append(status)
    out = {
        s.pk: History(sprint=s, statuses=statuses.get(s.team.product_id, []), events=[])
        for s in sprints
    }
    rows = (
        Event.objects.filter(sprint_id__in=list(out), verb__in=EVENT_VERBS)
        .order_by("created_at", "id")
        .values_list("sprint_id", "verb", "object_id", "before", "after", "created_at")
    )
    ids: set[int] = set()
    for sprint_id, verb, obj, before, after, at in rows:
        if sprint_id is None:  # excluded by the query; the column is nullable
            continue
        out[sprint_id].events.append((verb, obj, before or {}, after or {}, at))
        if verb == "sprint.started":
            ids |= set((after or {}).get("stories", []))
        else:
            ids.add(obj)
    stories = list(
        Story.objects.filter(pk__in=ids).values_list("pk", "points", "status_id", "acceptance__id")
    )
    for history in out.values():
        history.points = {pk: float(p or 0) for pk, p, _s, _a in stories}
        history.current_status = {pk: s for pk, _p, s, _a in stories}
        history.current_accepted = {pk for pk, _p, _s, a in stories if a is not None}
    return out


def burndown(sprint: Sprint, today: dt.date, history: History | None = None) -> Burndown:
    """Remaining points at the end of each day: the stories in the sprint that day, not
    completed that day (accepted by the PO, ``sprints.completion``: a story burns when it
    is accepted, not when it reaches a done column). Replayed from the sprint's events
    (three queries: the statuses, the events, the stories' points). Points are the
    stories' current estimates."""
    history = history or histories([sprint])[sprint.pk]
    team = sprint.team
    points = history.points

    in_sprint: set[int] = set()
    accepted = history.initial_accepted()
    started = False
    days_list = history.days
    by_day = history.by_day

    def remaining() -> float:
        return float(sum(points.get(s, 0) for s in in_sprint if s not in accepted))

    committed = 0.0
    result: list[Day] = []
    last = history.last_day(today)
    for day in days_list:
        change = 0.0
        for verb, obj, _before, after in by_day.get(day, []):
            if verb == "sprint.started":
                in_sprint |= set(after.get("stories", []))
                started = True
                committed = remaining()
            elif verb == "story.added_to_sprint":
                if obj not in in_sprint and started:
                    change += points.get(obj, 0)
                in_sprint.add(obj)
            elif verb == "story.removed_from_sprint":
                if obj in in_sprint and started:
                    change -= points.get(obj, 0)
                in_sprint.discard(obj)
            elif verb == "story.accepted":
                accepted.add(obj)
            elif verb in completion.RULE_VERBS:  # sent back, or out of the done column
                accepted.discard(obj)
        working = day.isoweekday() in team.working_days
        result.append(Day(day, working, remaining() if day <= last else None, 0, change))

    # The ideal line falls by the same amount each working day, flat on the others.
    working_days = sum(1 for d in result if d.working) or 1
    step, level = committed / working_days, committed
    for d in result:
        if d.working:
            level = max(level - step, 0)
        d.ideal = round(level, 1)

    chart = Burndown(days=result, committed=committed)
    chart.y_max = max([committed, *[d.remaining or 0 for d in result], 1])
    n = len(result)
    chart.points = " ".join(
        f"{_x(i, n)},{_y(d.remaining, chart.y_max)}"
        for i, d in enumerate(result)
        if d.remaining is not None
    )
    chart.ideal_points = f"{_x(0, n)},{_y(committed, chart.y_max)} " + " ".join(
        f"{_x(i, n)},{_y(d.ideal, chart.y_max)}" for i, d in enumerate(result)
    )
    chart.marks = [
        (_x(i, n), _y(d.remaining or 0, chart.y_max), d.scope_change)
        for i, d in enumerate(result)
        if d.scope_change and d.remaining is not None
    ]
    chart.ticks = [(_x(i, n), d.date) for i, d in enumerate(result) if i % 2 == 0]
    return chart


@dataclass
class FlowBand:
    status: Status
    index: int  # the band's colour, by the status's place in the workflow
    polygon: str = ""


@dataclass
class FlowDay:
    date: dt.date
    working: bool
    counts: list[int] | None  # stories per status that day, in workflow order; None: to come


@dataclass
class CumulativeFlow:
    statuses: list[Status]
    days: list[FlowDay]
    bands: list[FlowBand]
    y_max: int = 1
    ticks: list[tuple[float, dt.date]] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return any(d.counts and sum(d.counts) for d in self.days)


def cumulative_flow(
    sprint: Sprint, today: dt.date, history: History | None = None
) -> CumulativeFlow:
    """Stories per status at the end of each day of the sprint, replayed from its events.

    A story counts from the day it joins the sprint (planned before the start: from the
    first day) until it leaves. Its status before its first move is the move's "before";
    a story never moved is in its current status."""
    history = history or histories([sprint])[sprint.pk]
    statuses = history.statuses
    place = {s.pk: i for i, s in enumerate(statuses)}
    status = history.initial_status()
    in_sprint: set[int] = set()
    by_day = history.by_day
    last = history.last_day(today)
    working_days = sprint.team.working_days
    days: list[FlowDay] = []
    for day in history.days:
        for verb, obj, _before, after in by_day.get(day, []):
            if verb == "sprint.started":
                in_sprint |= set(after.get("stories", []))
            elif verb == "story.added_to_sprint":
                in_sprint.add(obj)
            elif verb == "story.removed_from_sprint":
                in_sprint.discard(obj)
            elif verb == "story.moved":
                status[obj] = after.get("status")
        counts = None
        if day <= last:
            counts = [0] * len(statuses)
            for story in in_sprint:
                current = status.get(story)
                if current in place:
                    counts[place[current]] += 1
        days.append(FlowDay(day, day.isoweekday() in working_days, counts))

    chart = CumulativeFlow(statuses=statuses, days=days, bands=[])
    shown = [(i, d) for i, d in enumerate(days) if d.counts is not None]
    chart.y_max = max([sum(d.counts or []) for _i, d in shown] + [1])
    n = len(days)
    # Stacked from the bottom in reverse workflow order: done at the bottom grows upward.
    order = list(reversed(range(len(statuses))))
    below = {i: [0] * len(shown) for i in order}
    running = [0] * len(shown)
    for k in order:
        below[k] = list(running)
        running = [r + (d.counts or [])[k] for r, (_i, d) in zip(running, shown, strict=True)]
        top = running
        if not shown:
            continue
        upper = [f"{_x(i, n)},{_y(top[j], chart.y_max)}" for j, (i, _d) in enumerate(shown)]
        lower = [f"{_x(i, n)},{_y(below[k][j], chart.y_max)}" for j, (i, _d) in enumerate(shown)]
        chart.bands.append(FlowBand(statuses[k], k, " ".join(upper + lower[::-1])))
    chart.ticks = [(_x(i, n), d.date) for i, d in enumerate(days) if i % 2 == 0]
    return chart


def sprint_charts(sprint: Sprint, today: dt.date) -> tuple[Burndown, CumulativeFlow]:
    """The sprint page's two charts from one reading of its history."""
    history = histories([sprint])[sprint.pk]
    return burndown(sprint, today, history), cumulative_flow(sprint, today, history)


def burndowns(sprints: list[Sprint], today: dt.date) -> dict[int, Burndown]:
    """One burndown per sprint, in the same three queries whatever their number."""
    return {pk: burndown(h.sprint, today, h) for pk, h in histories(sprints).items()}


@dataclass
class VelocityBar:
    sprint: Sprint
    committed_y: float
    committed_h: float
    completed_y: float
    completed_h: float
    x: float


@dataclass
class Velocity:
    bars: list[VelocityBar]
    average: float | None
    average_y: float | None


def velocity(team: Any, last: int = 8) -> Velocity:
    """Committed and completed points of the team's last closed sprints (one query)."""
    sprints = list(
        Sprint.objects.filter(team=team, state=SprintState.CLOSED).order_by("-end_date")[:last]
    )[::-1]
    top = max([s.committed_points or 0 for s in sprints] + [s.completed_points or 0 for s in
                                                            sprints] + [1])  # fmt: skip
    plot = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = (WIDTH - PAD_LEFT) / max(len(sprints), 1)
    bars = []
    for i, s in enumerate(sprints):
        committed, completed = s.committed_points or 0, s.completed_points or 0
        x = PAD_LEFT + i * slot + slot * 0.15
        bars.append(
            VelocityBar(
                sprint=s,
                committed_h=round(plot * committed / top, 1),
                committed_y=round(PAD_TOP + plot * (1 - committed / top), 1),
                completed_h=round(plot * completed / top, 1),
                completed_y=round(PAD_TOP + plot * (1 - completed / top), 1),
                x=round(x, 1),
            )
        )
    average = mean(s.completed_points or 0 for s in sprints) if sprints else None
    return Velocity(
        bars=bars,
        average=round(average, 1) if average is not None else None,
        average_y=_y(average, top) if average is not None else None,
    )

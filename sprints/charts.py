"""Sprint charts computed from the event log, laid out for SVG drawn on the server."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from django.utils import timezone

from backlog.models import Story
from products.models import Event, StatusCategory
from sprints.models import Sprint, SprintState

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


def _x(index: int, count: int) -> float:
    return round(PAD_LEFT + (WIDTH - PAD_LEFT - 4) * index / max(count - 1, 1), 1)


def _y(value: float, y_max: float) -> float:
    return round(PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - value / y_max), 1)


def burndown(sprint: Sprint, today: dt.date) -> Burndown:
    """Remaining points at the end of each day: the stories in the sprint that day, not in
    a done status that day. Replayed from the sprint's events (two queries, plus the
    statuses and the stories' points). Points are the stories' current estimates."""
    team = sprint.team
    tz = team.tzinfo
    done_statuses = set(
        team.product.statuses.filter(category=StatusCategory.DONE).values_list("pk", flat=True)
    )
    events = list(
        Event.objects.filter(sprint_id=sprint.pk)
        .filter(verb__in=["sprint.started", "story.added_to_sprint",
                          "story.removed_from_sprint", "story.moved"])
        .order_by("created_at", "id")
        .values_list("verb", "object_id", "after", "created_at")
    )  # fmt: skip
    ids = {obj for verb, obj, _a, _t in events if verb != "sprint.started"}
    for verb, _obj, after, _t in events:
        if verb == "sprint.started":
            ids |= set(after.get("stories", []))
    stories = Story.objects.filter(pk__in=ids).values_list("pk", "points", "status_id")
    points = {pk: p or 0 for pk, p, _s in stories}

    in_sprint: set[int] = set()
    status: dict[int, int | None] = {}
    started = False
    length = sprint.length_days
    days_list = [sprint.start_date + dt.timedelta(days=i) for i in range(length)]
    by_day: dict[dt.date, list[Any]] = {}
    for verb, obj, after, at in events:
        day = min(max(timezone.localdate(at, tz), sprint.start_date), sprint.end_date)
        by_day.setdefault(day, []).append((verb, obj, after))

    def remaining() -> float:
        return float(sum(points.get(s, 0) for s in in_sprint if status.get(s) not in done_statuses))

    committed = 0.0
    result: list[Day] = []
    last = min(today, sprint.end_date) if sprint.state != SprintState.CLOSED else sprint.end_date
    for day in days_list:
        change = 0.0
        for verb, obj, after in by_day.get(day, []):
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
            elif verb == "story.moved":
                status[obj] = after.get("status")
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

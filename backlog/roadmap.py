"""The roadmap's geometry: epics as bars on a time axis, and Now / Next / Later lanes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from backlog.forecast import EpicForecast

WIDTH = 1000  # SVG user units across the time axis
NEXT_HORIZON = dt.timedelta(days=90)


@dataclass
class Row:
    epic: Any
    forecast: EpicForecast | None
    x: float | None = None
    width: float | None = None
    done_width: float | None = None
    p50_x: float | None = None
    p85_x: float | None = None

    @property
    def progress(self) -> int:
        total = self.epic.points_total or 0
        return round(100 * (self.epic.points_done or 0) / total) if total else 0


@dataclass
class Timeline:
    start: dt.date
    end: dt.date
    today_x: float
    ticks: list[tuple[float, dt.date]]
    groups: list[tuple[str, list[Row]]] = field(default_factory=list)


def _month(day: dt.date, delta: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def _x(day: dt.date, start: dt.date, end: dt.date) -> float:
    span = max((end - start).days, 1)
    return round(WIDTH * min(max((day - start).days, 0), span) / span, 1)


def timeline(
    epics: list[Any],
    forecasts: dict[int, EpicForecast],
    groups: list[tuple[str, list[Any]]],
    today: dt.date,
    scale: str,
) -> Timeline:
    """Lay out every epic's bar from its start to its target date, with its forecast marks."""
    dates = [today]
    for epic in epics:
        dates += [d for d in (epic.start_date, epic.target_date) if d]
        forecast = forecasts.get(epic.pk)
        if forecast and forecast.p85_date:
            dates.append(forecast.p85_date)
    step = 3 if scale == "quarter" else 1
    start = _month(min(dates), -1)
    if step == 3:
        start = dt.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    end = min(_month(max(dates), 2), _month(today, 36))
    ticks, tick = [], start
    while tick <= end:
        ticks.append((_x(tick, start, end), tick))
        tick = _month(tick, step)

    def row(epic: Any) -> Row:
        r = Row(epic, forecasts.get(epic.pk))
        if epic.target_date:
            begin = epic.start_date or min(today, epic.target_date)
            r.x = _x(begin, start, end)
            r.width = max(_x(epic.target_date, start, end) - r.x, 4)
            r.done_width = round(r.width * r.progress / 100, 1)
        if r.forecast and r.forecast.p50_date and r.progress < 100:
            r.p50_x = _x(r.forecast.p50_date, start, end)
        if r.forecast and r.forecast.p85_date and r.progress < 100:
            r.p85_x = _x(r.forecast.p85_date, start, end)
        return r

    return Timeline(
        start=start,
        end=end,
        today_x=_x(today, start, end),
        ticks=ticks,
        groups=[(name, [row(e) for e in members]) for name, members in groups if members],
    )


def lanes(epics: list[Any], forecasts: dict[int, EpicForecast], today: dt.date) -> dict[str, list]:
    """Now: under way or due to start; Next: starting within 90 days; Later: the rest."""
    out: dict[str, list[Row]] = {"now": [], "next": [], "later": [], "done": []}
    for epic in epics:
        r = Row(epic, forecasts.get(epic.pk))
        if epic.points_total and r.progress == 100:
            out["done"].append(r)
        elif (epic.start_date and epic.start_date <= today) or (epic.points_done or 0) > 0:
            out["now"].append(r)
        elif epic.start_date and epic.start_date <= today + NEXT_HORIZON:
            out["next"].append(r)
        else:
            out["later"].append(r)
    return out

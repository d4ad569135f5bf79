"""The team calendar (a week of ceremonies, or the upcoming ones in a list), the team's
timeboxes, and the iCalendar feed at a secret address.

The page costs the same queries whatever the number of ceremonies: one for the week's (or
the list's), one for the feed's address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from core import access, clock, parsing
from core.access import Capability
from core.parsing import toggle_param
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_team_or_404
from products.models import Product, Team
from products.views import product_context
from sprints import ical, services
from sprints.forms import TimeboxForm
from sprints.models import Ceremony, TeamCalendar
from sprints.services.scheduling import TIMEBOX_LIMITS

# The list view shows this many upcoming ceremonies.
UPCOMING = 40
# The week grid's hours, widened to any ceremony outside them.
FIRST_HOUR, LAST_HOUR = 8, 17
FEED_CACHE_SECONDS = 600
FEED_HISTORY_DAYS = 365


@dataclass(frozen=True)
class Slot:
    """A ceremony on the calendar, with its times in the team's time zone."""

    ceremony: Ceremony
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, ceremony: Ceremony, tz: dt.tzinfo) -> Slot:
        return cls(ceremony, ceremony.starts_at.astimezone(tz), ceremony.ends_at.astimezone(tz))


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week(team: Team, monday: dt.date, today: dt.date) -> dict[str, Any]:
    tz = team.tzinfo
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), tzinfo=tz)
    ceremonies = list(
        Ceremony.objects.filter(team=team, starts_at__gte=start, starts_at__lt=end)
        .select_related("sprint")
        .order_by("starts_at", "pk")
    )
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    hours = set(range(FIRST_HOUR, LAST_HOUR + 1))
    cells: dict[tuple[int, dt.date], list[Slot]] = {}
    for ceremony in ceremonies:
        slot = Slot.of(ceremony, tz)
        hours.add(slot.start.hour)
        cells.setdefault((slot.start.hour, slot.start.date()), []).append(slot)
    columns: list[dict[str, Any]] = [
        {"day": day, "working": day.isoweekday() in team.working_days, "today": day == today}
        for day in days
    ]
    rows = [
        {
            "hour": dt.time(hour),
            "cells": [c | {"ceremonies": cells.get((hour, c["day"]), [])} for c in columns],
        }
        for hour in sorted(hours)
    ]
    return {"columns": columns, "rows": rows, "count": len(ceremonies)}


def _upcoming(team: Team) -> list[dict[str, Any]]:
    tz = team.tzinfo
    ceremonies = (
        Ceremony.objects.filter(team=team, starts_at__gte=clock.now() - dt.timedelta(hours=1))
        .select_related("sprint")
        .order_by("starts_at", "pk")[:UPCOMING]
    )
    groups: list[dict[str, Any]] = []
    for ceremony in ceremonies:
        slot = Slot.of(ceremony, tz)
        day = slot.start.date()
        if not groups or groups[-1]["day"] != day:
            groups.append({"day": day, "ceremonies": []})
        groups[-1]["ceremonies"].append(slot)
    return groups


def _calendar_context(
    request: UserRequest, product: Product, team: Team, **forms: Any
) -> dict[str, Any]:
    today = timezone.localdate(clock.now(), team.tzinfo)
    view = toggle_param(request.GET, "view", ("week", "list"), "week")
    # A week outside the dates' range (or no date) is a 400: its grid would overflow.
    monday = _week_start(parsing.date_param(request.GET, "week") or today)
    can_schedule = access.can(request.user, Capability.SCHEDULE_CEREMONIES, team)
    feed = TeamCalendar.objects.filter(team=team, user=request.user).first()
    here = reverse("sprints:calendar", args=[product.slug, team.slug])
    context = product_context(request, product) | {
        "team": team,
        "nav": "calendar",
        "view": view,
        "today": today,
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "previous_week": (monday - dt.timedelta(days=7)).isoformat(),
        "next_week": (monday + dt.timedelta(days=7)).isoformat(),
        "this_week": _week_start(today),
        "here": here,
        "can_schedule": can_schedule,
        "feed_url": request.build_absolute_uri(reverse("sprints:calendar_feed", args=[feed.token]))
        if feed
        else None,
        "timebox_form": forms.get("timebox_form")
        or TimeboxForm(initial={name: getattr(team, name) for name in TIMEBOX_LIMITS}),
        "saved": forms.get("saved"),
    }
    if view == "list":
        context["upcoming"] = _upcoming(team)
    else:
        context["week"] = _week(team, monday, today)
    return context


@login_required
def calendar(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    return render(request, "sprints/calendar.html", _calendar_context(request, product, team))


@login_required
@require_POST
def calendar_settings(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    """The team's timeboxes, for the sprints it plans from now on."""
    product, team = get_team_or_404(request.user, slug, team_slug)
    access.require(request.user, Capability.SCHEDULE_CEREMONIES, team)
    form = TimeboxForm(request.POST)
    if form.is_valid():
        try:
            services.update_team_timeboxes(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return answer(
                request,
                "sprints/calendar.html#timebox-form",
                lambda: _calendar_context(request, product, team, saved=True),
                reverse("sprints:calendar", args=[product.slug, team.slug]),
            )
    team.refresh_from_db()
    context = _calendar_context(request, product, team, timebox_form=form)
    return answer(request, "sprints/calendar.html#timebox-form", context, status=422)


@login_required
@require_POST
def calendar_token(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    """A new secret address of the team's feed for the user; their old one stops working
    at once (nobody else's changes)."""
    product, team = get_team_or_404(request.user, slug, team_slug)
    services.regenerate_calendar_token(actor=request.user, team=team)
    return redirect("sprints:calendar", slug=product.slug, team_slug=team.slug)


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The team's ceremonies as an iCalendar subscription: no login, the token is the key
    (404 for an unknown or replaced one, or one whose owner may no longer see the team).

    Calendar apps poll the feed every few minutes, and writing a year of events takes a few
    hundred milliseconds, so the body is cached under a fingerprint of the ceremonies (one
    aggregate query): any change to one of them bumps its version and so the key. A new
    sprint name or goal shows within FEED_CACHE_SECONDS."""
    feed = get_object_or_404(
        TeamCalendar.objects.select_related("team__product", "user"), token=token
    )
    team = feed.team
    # The address is its owner's: it works while they may see the team, no longer.
    if not access.can(feed.user, Capability.VIEW, team):
        raise Http404
    # A year back and everything ahead: old ceremonies would only slow every poll down.
    since = clock.now() - dt.timedelta(days=FEED_HISTORY_DAYS)
    ceremonies = Ceremony.objects.filter(team=team, starts_at__gte=since)
    stamp = ceremonies.aggregate(n=Count("pk"), versions=Sum("version"), last=Max("updated_at"))
    fingerprint = "|".join(
        str(part)
        for part in (
            feed.token,
            get_language(),
            stamp["n"],
            stamp["versions"],
            stamp["last"].timestamp() if stamp["last"] else 0,
            since.date(),
            team.name,
            team.timezone,
            team.product.name,
            team.product.slug,
        )
    )
    key = "ical-feed:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        rows = ceremonies.select_related("sprint").order_by("starts_at", "pk")
        body = ical.team_calendar(team, rows, base_url=request.build_absolute_uri("/"))
        cache.set(key, body, FEED_CACHE_SECONDS)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{team.slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response

"""The team calendar (a week of ceremonies, or the upcoming ones in a list), the team's
timeboxes, and the iCalendar feed at a secret address.

The page costs the same queries whatever the number of ceremonies: one for the week's (or
the list's), one for the feed's address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ceremonies import ical, services
from ceremonies.models import Ceremony, TeamCalendar
from ceremonies.services.scheduling import TIMEBOX_LIMITS
from products import access, clock
from products.access import Capability
from products.models import Product, Team
from products.views import add_service_errors, product_context

# The list view shows this many upcoming ceremonies.
UPCOMING = 40
# The week grid's hours, widened to any ceremony outside them.
FIRST_HOUR, LAST_HOUR = 8, 17
FEED_CACHE_SECONDS = 600
FEED_HISTORY_DAYS = 365


class TimeboxForm(forms.Form):
    planning_minutes_per_week = forms.IntegerField(
        label=_("Sprint planning, minutes per sprint week"), help_text=_("At most 120.")
    )
    review_minutes_per_week = forms.IntegerField(
        label=_("Sprint review, minutes per sprint week"), help_text=_("At most 60.")
    )
    retro_minutes_per_week = forms.IntegerField(
        label=_("Retrospective, minutes per sprint week"), help_text=_("At most 45.")
    )
    refinement_minutes = forms.IntegerField(
        label=_("Backlog refinement, minutes per week"), help_text=_("At most 240.")
    )


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _parse_day(raw: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return default


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
    cells: dict[tuple[int, dt.date], list[Ceremony]] = {}
    for ceremony in ceremonies:
        local = ceremony.starts_at.astimezone(tz)
        ceremony.local_start = local
        ceremony.local_end = ceremony.ends_at.astimezone(tz)
        hours.add(local.hour)
        cells.setdefault((local.hour, local.date()), []).append(ceremony)
    columns = [
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
        ceremony.local_start = ceremony.starts_at.astimezone(tz)
        ceremony.local_end = ceremony.ends_at.astimezone(tz)
        day = ceremony.local_start.date()
        if not groups or groups[-1]["day"] != day:
            groups.append({"day": day, "ceremonies": []})
        groups[-1]["ceremonies"].append(ceremony)
    return groups


def _calendar_context(
    request: HttpRequest, product: Product, team: Team, **forms: Any
) -> dict[str, Any]:
    today = timezone.localdate(clock.now(), team.tzinfo)
    view = "list" if request.GET.get("view") == "list" else "week"
    monday = _week_start(_parse_day(request.GET.get("week"), today))
    can_schedule = access.can(request.user, Capability.SCHEDULE_CEREMONIES, team)
    feed = TeamCalendar.objects.filter(team=team).first()
    here = reverse("ceremonies:calendar", args=[product.slug, team.slug])
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
        "feed_url": request.build_absolute_uri(
            reverse("ceremonies:calendar_feed", args=[feed.token])
        )
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
def calendar(request: HttpRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = access.get_team_or_404(request.user, slug, team_slug)
    return render(request, "ceremonies/calendar.html", _calendar_context(request, product, team))


@login_required
@require_POST
def calendar_settings(request: HttpRequest, slug: str, team_slug: str) -> HttpResponse:
    """The team's timeboxes, for the sprints it plans from now on."""
    product, team = access.get_team_or_404(request.user, slug, team_slug)
    access.require(request.user, Capability.SCHEDULE_CEREMONIES, team)
    form = TimeboxForm(request.POST)
    if form.is_valid():
        try:
            services.update_team_timeboxes(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                context = _calendar_context(request, product, team, saved=True)
                return render(request, "ceremonies/calendar.html#timebox-form", context)
            return redirect("ceremonies:calendar", slug=product.slug, team_slug=team.slug)
    team.refresh_from_db()
    context = _calendar_context(request, product, team, timebox_form=form)
    template = "ceremonies/calendar.html" + ("#timebox-form" if request.htmx else "")
    return render(request, template, context, status=422)


@login_required
@require_POST
def calendar_token(request: HttpRequest, slug: str, team_slug: str) -> HttpResponse:
    """A new secret address for the team's feed; the old one stops working at once."""
    product, team = access.get_team_or_404(request.user, slug, team_slug)
    services.regenerate_calendar_token(actor=request.user, team=team)
    return redirect("ceremonies:calendar", slug=product.slug, team_slug=team.slug)


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The team's ceremonies as an iCalendar subscription: no login, the token is the key
    (404 for an unknown or replaced one).

    Calendar apps poll the feed every few minutes, and writing a year of events takes a few
    hundred milliseconds, so the body is cached under a fingerprint of the ceremonies (one
    aggregate query): any change to one of them bumps its version and so the key. A new
    sprint name or goal shows within FEED_CACHE_SECONDS."""
    feed = get_object_or_404(TeamCalendar.objects.select_related("team__product"), token=token)
    team = feed.team
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

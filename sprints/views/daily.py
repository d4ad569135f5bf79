"""The daily meeting's page: every member's entry, the digest since the previous daily,
the team's open impediments, the sprint goal and burndown, and the facilitator's timer.

The page costs the same number of queries whatever the number of members, entries,
impediments or events since the previous daily.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from backlog.models import SprintState
from core import access, clock
from core.access import Capability, Role
from core.concurrency import Stale
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_product_or_404, get_team_or_404
from products.models import Product, Team
from products.views import product_context
from sprints import charts, digest, services
from sprints.forms import DailyEntryForm
from sprints.models import Ceremony, CeremonyKind, DailyEntry, Impediment


def _daily_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Ceremony]:
    product = get_product_or_404(request.user, slug)
    ceremony = get_object_or_404(
        Ceremony.objects.select_related("team__product", "sprint"),
        team__product=product,
        kind=CeremonyKind.DAILY,
        pk=pk,
    )
    return product, ceremony


def _url(product: Product, ceremony: Ceremony) -> str:
    return reverse("sprints:daily", args=[product.slug, ceremony.pk])


def _members(team: Team, entries: dict[int, DailyEntry]) -> list[dict[str, Any]]:
    """One block per member of the team (whatever their team roles), then anyone else who
    wrote an entry (someone who has left the team since)."""
    rows: dict[int, dict[str, Any]] = {}
    for membership in team.roster():
        row = rows.setdefault(
            membership.user_id,
            {"user": membership.user, "roles": [], "entry": entries.get(membership.user_id)},
        )
        row["roles"].append(Role(membership.role).label)
    for author_id, entry in entries.items():
        if author_id not in rows:
            rows[author_id] = {"user": entry.author, "roles": [], "entry": entry}
    return list(rows.values())


def _context(
    request: UserRequest,
    product: Product,
    ceremony: Ceremony,
    *,
    form: DailyEntryForm | None = None,
    stale: bool = False,
    errors: list[str] | None = None,
) -> dict[str, Any]:
    team, sprint = ceremony.team, ceremony.sprint
    entries = {
        e.author_id: e
        for e in DailyEntry.objects.filter(ceremony=ceremony).select_related("author")
    }
    mine = entries.get(request.user.pk)
    editable = services.is_editable_today(ceremony)
    can_write = editable and access.can(request.user, Capability.WRITE_DAILY, ceremony)
    stories = list(sprint.stories.order_by("rank").only("pk", "title")) if sprint else []
    if can_write and form is None:
        raised = (
            Impediment.objects.open()
            .filter(raised_in=ceremony, owner_id=request.user.pk)
            .order_by("-opened_at", "-id")
            .values_list("story_id", flat=True)
            .first()
        )
        form = DailyEntryForm(
            initial={
                "done": mine.done if mine else "",
                "doing": mine.doing if mine else "",
                "blockers": mine.blockers if mine else "",
                "blocker_story": raised,
                "version": mine.version if mine else None,
            },
            stories=stories,
        )
    previous = Ceremony.objects.previous_daily(ceremony)
    following = Ceremony.objects.next_daily(ceremony)
    impediments = list(Impediment.objects.open().filter(team=team).listed())
    day = services.daily_date(ceremony)
    chart = None
    if sprint is not None and sprint.state != SprintState.PLANNED:
        sprint.team = team  # the chart reads the team's time zone and product
        chart = charts.burndown(sprint, min(day, clock.today()))
    return product_context(request, product) | {
        "team": team,
        "sprint": sprint,
        "ceremony": ceremony,
        "day": day,
        "starts": timezone.localtime(ceremony.starts_at, team.tzinfo),
        "members": _members(team, entries),
        "mine": mine,
        "form": form,
        "stale": stale,
        "errors": errors,
        "editable": editable,
        "can_write": can_write,
        "can_resolve": access.can(request.user, Capability.MOVE_CARDS, team),
        "impediments": impediments,
        "digest": digest.since_previous_daily(ceremony, previous),
        "previous": previous,
        "following": following,
        "chart": chart,
        "timer_seconds": ceremony.duration_minutes * 60,
        "here": _url(product, ceremony),
        "nav": "daily",
    }


@login_required
@vary_on_headers("HX-Request")
def daily(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _daily_or_404(request, slug, pk)
    context = _context(request, product, ceremony)
    if request.htmx and request.htmx.target == "meeting":
        return render(request, "sprints/daily.html#meeting", context)
    return render(request, "sprints/daily.html", context)


def _answer(
    request: UserRequest, product: Product, ceremony: Ceremony, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """htmx gets the meeting's members, form and impediments again; a plain form goes back
    to the page, or sees it again with its errors."""
    return answer(
        request,
        "sprints/daily.html#meeting",
        lambda: _context(request, product, ceremony, **extra),
        _url(product, ceremony) + "#meeting",
        status=status,
    )


@login_required
@require_POST
def daily_entry(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _daily_or_404(request, slug, pk)
    access.require(request.user, Capability.WRITE_DAILY, ceremony)
    stories = list(ceremony.sprint.stories.only("pk", "title")) if ceremony.sprint else []
    form = DailyEntryForm(request.POST, stories=stories)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.write_daily_entry(
                actor=request.user,
                ceremony=ceremony,
                done=data["done"],
                doing=data["doing"],
                blockers=data["blockers"],
                blocker_story=data["blocker_story"],
                version=data["version"],
            )
        except Stale as stale:
            current = stale.current_as(DailyEntry)
            form = DailyEntryForm(
                initial={
                    "done": current.done,
                    "doing": current.doing,
                    "blockers": current.blockers,
                    "blocker_story": data["blocker_story"],
                    "version": current.version,
                },
                stories=stories,
            )
            return _answer(
                request, product, ceremony, status=409, form=form, errors=[str(stale)], stale=True
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _answer(request, product, ceremony)
    return _answer(
        request, product, ceremony, status=422, form=form, errors=form.non_field_errors()
    )


@login_required
@require_POST
def daily_finished(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _daily_or_404(request, slug, pk)
    try:
        services.set_daily_finished(
            actor=request.user, ceremony=ceremony, finished=request.POST.get("finished") == "1"
        )
    except ValidationError as error:
        return _answer(request, product, ceremony, status=422, errors=error.messages)
    return _answer(request, product, ceremony)


@login_required
def daily_today(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    """Today's daily of the team, or its next one; a page that says so when there is none."""
    product, team = get_team_or_404(request.user, slug, team_slug)
    tz = team.tzinfo
    today = timezone.localdate(clock.now(), tz)
    start_of_day = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    upcoming = Ceremony.objects.dailies_of(team).filter(starts_at__gte=start_of_day).first()
    if upcoming is not None:
        return redirect("sprints:daily", slug=product.slug, pk=upcoming.pk)
    last = Ceremony.objects.dailies_of(team).last()
    context = product_context(request, product) | {"team": team, "last": last, "nav": "daily"}
    return render(request, "sprints/daily_none.html", context)

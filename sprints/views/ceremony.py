"""One ceremony's page: when and where, its edit form, start and end with the overrun, who
was there, the notes, and a .ics download. The Sprint Planning ceremony also shows the
planning's capacity, the goal and, once the sprint started, the scope committed then.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backlog.models import SprintState, Story
from core import access, parsing
from core.access import Capability
from core.concurrency import Stale
from core.models import Event
from core.web import UserRequest, add_service_errors
from products.grants import get_product_or_404
from products.models import Membership, Product
from products.views import product_context
from sprints import ical, services
from sprints.capacity import capacity
from sprints.forms import CeremonyForm, NotesForm
from sprints.models import Ceremony, CeremonyKind
from sprints.services.minutes import attendable

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _ceremony_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Ceremony]:
    product = get_product_or_404(request.user, slug)
    ceremony = get_object_or_404(
        Ceremony.objects.select_related("team", "sprint"), team__product=product, pk=pk
    )
    ceremony.team.product = product
    return product, ceremony


# The page where each kind of ceremony is held, beside this one with its minutes.
# Keyed by str: a ceremony's ``kind`` column is a plain string (one of CeremonyKind's).
DEDICATED: dict[str, tuple[str, StrOrPromise]] = {
    CeremonyKind.DAILY: ("sprints:daily", _("Open the daily")),
    CeremonyKind.RETROSPECTIVE: ("sprints:retro", _("Open the retrospective")),
    CeremonyKind.REVIEW: ("sprints:review", _("Open the review")),
    CeremonyKind.REFINEMENT: ("sprints:refinement", _("Open the refinement")),
}


def _dedicated_url(product: Product, ceremony: Ceremony) -> str | None:
    dedicated = DEDICATED.get(ceremony.kind)
    if dedicated is None:
        return None
    name = dedicated[0]
    if ceremony.kind == CeremonyKind.REFINEMENT:
        url = reverse(name, args=[product.slug, ceremony.team.slug])
        return f"{url}?ceremony={ceremony.pk}"
    return reverse(name, args=[product.slug, ceremony.pk])


def _planning(ceremony: Ceremony) -> dict[str, Any]:
    """The Sprint Planning ceremony's extras: capacity, goal and the scope committed at the
    start (from the start event, so later changes don't rewrite it)."""
    sprint = ceremony.sprint
    if sprint is None:
        return {}
    extra: dict[str, Any] = {"capacity": capacity(sprint)}
    if sprint.state != SprintState.PLANNED:
        started = (
            Event.objects.filter(sprint_id=sprint.pk, verb="sprint.started")
            .order_by("-created_at", "-id")
            .values_list("after", flat=True)
            .first()
        ) or {}
        ids = [int(pk) for pk in started.get("stories", [])]
        titles = dict(Story.objects.filter(pk__in=ids).values_list("pk", "title"))
        extra["committed_points"] = started.get("committed_points", sprint.committed_points)
        extra["committed"] = [{"pk": pk, "title": titles.get(pk)} for pk in ids]
    return extra


def _context(
    request: UserRequest, product: Product, ceremony: Ceremony, **forms: Any
) -> dict[str, Any]:
    team = ceremony.team
    tz = team.tzinfo
    caps = access.capabilities(request.user, ceremony)
    people = {
        m.user_id: m.user
        for m in Membership.objects.filter(attendable(ceremony))
        .select_related("user")
        .order_by("user__first_name", "user__username")
    }
    present = set(ceremony.attendees.values_list("pk", flat=True))
    dedicated = DEDICATED.get(ceremony.kind)
    context = product_context(request, product) | {
        "team": team,
        "sprint": ceremony.sprint,
        "ceremony": ceremony,
        "nav": "calendar",
        "local_start": ceremony.starts_at.astimezone(tz),
        "local_end": ceremony.ends_at.astimezone(tz),
        "timebox_limit": services.timebox_limit(ceremony.kind, ceremony.sprint),
        "taken_minutes": int((ceremony.ended_at - ceremony.started_at).total_seconds() // 60)
        if ceremony.started_at and ceremony.ended_at
        else None,
        "can_schedule": "schedule_ceremonies" in caps,
        "can_write": "write_daily" in caps,
        "people": [{"user": u, "present": pk in present} for pk, u in people.items()],
        "present_count": len(present),
        "edit_form": forms.get("edit_form") or CeremonyForm.of(ceremony),
        "notes_form": forms.get("notes_form")
        or NotesForm(initial={"notes": ceremony.notes, "version": ceremony.version}),
        "error": forms.get("error"),
        "stale": forms.get("stale"),
        "dedicated_url": _dedicated_url(product, ceremony),
        "dedicated_label": dedicated[1] if dedicated else None,
        "is_planning": ceremony.kind == CeremonyKind.PLANNING,
    }
    if context["is_planning"]:
        context |= _planning(ceremony)
    return context


@login_required
def ceremony_detail(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _ceremony_or_404(request, slug, pk)
    return render(request, "sprints/ceremony.html", _context(request, product, ceremony))


def _done(request: UserRequest, product: Product, ceremony: Ceremony) -> HttpResponse:
    return redirect("sprints:ceremony", slug=product.slug, pk=ceremony.pk)


def _failed(
    request: UserRequest,
    product: Product,
    ceremony: Ceremony,
    *,
    status: int = 422,
    **forms: Any,
) -> HttpResponse:
    context = _context(request, product, ceremony, **forms)
    return render(request, "sprints/ceremony.html", context, status=status)


@login_required
@require_POST
def ceremony_edit(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """Move, rename, give a place or a video link: a stale version answers 409 with the
    ceremony as it is now."""
    product, ceremony = _ceremony_or_404(request, slug, pk)
    access.require(request.user, Capability.SCHEDULE_CEREMONIES, ceremony)
    form = CeremonyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        starts_at = dt.datetime.combine(data["date"], data["time"], tzinfo=ceremony.team.tzinfo)
        try:
            services.update_ceremony(
                actor=request.user,
                ceremony=ceremony,
                version=data["version"],
                title=data["title"],
                starts_at=starts_at,
                duration_minutes=data["duration_minutes"],
                location=data["location"],
                video_url=data["video_url"],
            )
        except Stale as stale:
            current = stale.current_as(Ceremony)
            current.team.product = product
            return _failed(request, product, current, status=409, stale=True)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, product, ceremony)
    return _failed(request, product, ceremony, edit_form=form)


def _action(verb: Any) -> Any:
    @login_required
    @require_POST
    def view(request: UserRequest, slug: str, pk: int) -> HttpResponse:
        product, ceremony = _ceremony_or_404(request, slug, pk)
        try:
            verb(actor=request.user, ceremony=ceremony)
        except ValidationError as error:
            ceremony.refresh_from_db()
            return _failed(request, product, ceremony, error=error.messages)
        return _done(request, product, ceremony)

    view.__doc__ = verb.__doc__
    view.__name__ = view.__qualname__ = f"ceremony_{verb.__name__.split('_')[0]}"
    return view


ceremony_cancel = _action(services.cancel_ceremony)
ceremony_restore = _action(services.restore_ceremony)
ceremony_start = _action(services.start_ceremony)
ceremony_end = _action(services.end_ceremony)


@login_required
@require_POST
def ceremony_attendance(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _ceremony_or_404(request, slug, pk)
    try:
        user_ids = parsing.id_list(request.POST, "attendees")
    except parsing.BadInput:
        return _failed(request, product, ceremony, error=[_("Choose people from the list.")])
    try:
        services.set_attendance(actor=request.user, ceremony=ceremony, user_ids=user_ids)
    except ValidationError as error:
        return _failed(request, product, ceremony, error=error.messages)
    return _done(request, product, ceremony)


@login_required
@require_POST
def ceremony_notes(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _ceremony_or_404(request, slug, pk)
    access.require(request.user, Capability.WRITE_DAILY, ceremony)
    form = NotesForm(request.POST)
    if form.is_valid():
        try:
            services.update_ceremony_notes(
                actor=request.user,
                ceremony=ceremony,
                notes=form.cleaned_data["notes"],
                version=form.cleaned_data["version"],
            )
        except Stale as stale:
            current = stale.current_as(Ceremony)
            current.team.product = product
            # Keep what the writer typed, against the version they now see.
            mine = NotesForm(
                initial={"notes": form.cleaned_data["notes"], "version": current.version}
            )
            return _failed(request, product, current, status=409, stale=True, notes_form=mine)
        else:
            return _done(request, product, ceremony)
    return _failed(request, product, ceremony, notes_form=form)


@login_required
def ceremony_ics(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """One ceremony as a .ics file, for those who don't subscribe to the team's feed."""
    _product, ceremony = _ceremony_or_404(request, slug, pk)
    body = ical.one_ceremony(ceremony, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    day = ceremony.starts_at.astimezone(ceremony.team.tzinfo).date().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="{ceremony.team.slug}-{ceremony.kind}-{day}.ics"'
    )
    return response

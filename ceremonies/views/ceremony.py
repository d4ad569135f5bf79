"""One ceremony's page: when and where, its edit form, start and end with the overrun, who
was there, the notes, and a .ics download. The Sprint Planning ceremony also shows the
planning's capacity, the goal and, once the sprint started, the scope committed then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backlog.models import Story
from ceremonies import ical, services
from ceremonies.models import Ceremony, CeremonyKind
from ceremonies.services.minutes import attendable
from products import access
from products.access import Capability
from products.models import Event, Membership, Product
from products.views import add_service_errors, product_context
from sprints.capacity import capacity
from sprints.models import SprintState


class CeremonyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1)
    location = forms.CharField(label=_("Location"), max_length=300, required=False)
    video_url = forms.URLField(
        label=_("Video link"), max_length=500, required=False, assume_scheme="https"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def of(cls, ceremony: Ceremony) -> CeremonyForm:
        local = ceremony.starts_at.astimezone(ceremony.team.tzinfo)
        return cls(
            initial={
                "title": ceremony.title,
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "duration_minutes": ceremony.duration_minutes,
                "location": ceremony.location,
                "video_url": ceremony.video_url,
                "version": ceremony.version,
            }
        )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _ceremony_or_404(request: HttpRequest, slug: str, pk: int) -> tuple[Product, Ceremony]:
    product = access.get_product_or_404(request.user, slug)
    ceremony = get_object_or_404(
        Ceremony.objects.select_related("team", "sprint"), team__product=product, pk=pk
    )
    ceremony.team.product = product
    return product, ceremony


# The page where each kind of ceremony is held, beside this one with its minutes.
DEDICATED = {
    CeremonyKind.DAILY: ("ceremonies:daily", _("Open the daily")),
    CeremonyKind.RETROSPECTIVE: ("ceremonies:retro", _("Open the retrospective")),
    CeremonyKind.REVIEW: ("ceremonies:review", _("Open the review")),
    CeremonyKind.REFINEMENT: ("ceremonies:refinement", _("Open the refinement")),
}


def _dedicated_url(product: Product, ceremony: Ceremony) -> str | None:
    name = DEDICATED.get(ceremony.kind, (None,))[0]
    if name is None:
        return None
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
    request: HttpRequest, product: Product, ceremony: Ceremony, **forms: Any
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
def ceremony_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _ceremony_or_404(request, slug, pk)
    return render(request, "ceremonies/ceremony.html", _context(request, product, ceremony))


def _done(request: HttpRequest, product: Product, ceremony: Ceremony) -> HttpResponse:
    return redirect("ceremonies:ceremony", slug=product.slug, pk=ceremony.pk)


def _failed(
    request: HttpRequest,
    product: Product,
    ceremony: Ceremony,
    *,
    status: int = 422,
    **forms: Any,
) -> HttpResponse:
    context = _context(request, product, ceremony, **forms)
    return render(request, "ceremonies/ceremony.html", context, status=status)


@login_required
@require_POST
def ceremony_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
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
        except services.StaleCeremony as stale:
            current = stale.current
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
    def view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
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
def ceremony_attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _ceremony_or_404(request, slug, pk)
    raw = request.POST.getlist("attendees")
    if not all(value.isdigit() for value in raw):
        return _failed(request, product, ceremony, error=[_("Choose people from the list.")])
    try:
        services.set_attendance(
            actor=request.user, ceremony=ceremony, user_ids=[int(v) for v in raw]
        )
    except ValidationError as error:
        return _failed(request, product, ceremony, error=error.messages)
    return _done(request, product, ceremony)


@login_required
@require_POST
def ceremony_notes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
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
        except services.StaleCeremony as stale:
            current = stale.current
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
def ceremony_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One ceremony as a .ics file, for those who don't subscribe to the team's feed."""
    _product, ceremony = _ceremony_or_404(request, slug, pk)
    body = ical.one_ceremony(ceremony, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    day = ceremony.starts_at.astimezone(ceremony.team.tzinfo).date().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="{ceremony.team.slug}-{ceremony.kind}-{day}.ics"'
    )
    return response

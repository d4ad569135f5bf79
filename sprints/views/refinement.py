"""Backlog refinement: the team's stories that aren't ready, in backlog order, with the
Definition of Ready each still lacks, and the planning-poker table of the team's round.

The page costs the same number of queries whatever the number of stories and voters: one
for the rows (their open blockers annotated), one for the Definition of Ready, one for
the count, and a fixed few for the table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from backlog import readiness
from backlog import services as backlog
from backlog.models import Story
from core import access, clock, parsing
from core.access import Capability
from core.web import UserRequest, answer
from products.grants import get_product_or_404, get_team_or_404
from products.models import ChecklistKind, Product, StatusCategory, Team
from products.views import product_context
from sprints import poker, services
from sprints.models import Ceremony, EstimationRound, RoundState

PAGE_SIZE = 100
# A closed round stays on the table this long, so everyone sees the agreed points.
SHOW_CLOSED_FOR = dt.timedelta(minutes=30)
TABLE = "sprints/refinement.html#poker-table"


def _ceremony(request: UserRequest, team: Team) -> Ceremony | None:
    pk = parsing.id_param(request.GET, "ceremony") or parsing.id_param(request.POST, "ceremony")
    if pk is None:
        return None
    return get_object_or_404(Ceremony, team=team, pk=pk)


def _unready(product: Product, team: Team) -> Any:
    return (
        Story.objects.filter(product=product, ready=False)
        .in_backlog()
        .filter(Q(team=team) | Q(team__isnull=True))
        .exclude(status__category=StatusCategory.DONE)
    )


def _rows(
    request: UserRequest, product: Product, team: Team, live: EstimationRound | None
) -> tuple[list[Story], Story | None]:
    """One page of rows after the cursor story (``?after=<id>``): keyset, never OFFSET."""
    rows = _unready(product, team).select_related("team", "epic").order_by("rank")
    if (after := parsing.id_param(request.GET, "after")) is not None:
        cursor = Story.objects.filter(product=product, pk=after).only("rank").first()
        if cursor is not None:
            rows = rows.filter(rank__gt=cursor.rank)
    page = list(rows[: PAGE_SIZE + 1])
    items = list(product.checklist.filter(kind=ChecklistKind.READY))
    may_facilitate = access.can(request.user, Capability.SCHEDULE_CEREMONIES, team)
    for story in page[:PAGE_SIZE]:
        story.missing = readiness.missing(readiness.check_ready(story, items))
        story.can_ready = access.can(request.user, Capability.ORDER_BACKLOG, story)
        story.can_estimate = (
            live is None
            and may_facilitate
            and access.can(request.user, Capability.EDIT_STORY, story)
        )
        story.on_table = live is not None and live.story_id == story.pk
    more = page[PAGE_SIZE - 1] if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], more


def _current_round(team: Team) -> EstimationRound | None:
    """The team's live round, or its last one if it closed a moment ago."""
    latest = (
        EstimationRound.objects.filter(team=team)
        .select_related("team__product", "story__status", "ceremony")
        .order_by("-opened_at", "-id")
        .first()
    )
    if latest is None:
        return None
    if latest.state in (RoundState.VOTING, RoundState.REVEALED):
        return latest
    if latest.closed_at and latest.closed_at >= clock.now() - SHOW_CLOSED_FOR:
        return latest
    return None


def _table_context(
    request: UserRequest,
    product: Product,
    team: Team,
    round: EstimationRound | None,
    poll_url: str,
    **extra: Any,
) -> dict[str, Any]:
    table = poker.table(round, request.user) if round is not None else None
    return {
        "signature": table.signature if table else "none",
        "product": product,
        "team": team,
        "table": table,
        "criteria": readiness.criteria(round.story.acceptance_criteria) if round else [],
        "poll_url": poll_url,
        **extra,
    }


def _table(request: UserRequest, context: dict[str, Any]) -> HttpResponse:
    """The table for a poll: nothing (204, htmx swaps nothing) if it hasn't changed."""
    if request.GET.get("since") == context["signature"]:
        return HttpResponse(status=204)
    return render(request, TABLE, context)


def _refinement_url(product: Product, team: Team, ceremony: Ceremony | None = None) -> str:
    url = reverse("sprints:refinement", args=[product.slug, team.slug])
    return f"{url}?ceremony={ceremony.pk}" if ceremony else url


def _page_context(request: UserRequest, product: Product, team: Team) -> dict[str, Any]:
    ceremony = _ceremony(request, team)
    round = _current_round(team)
    live = round if round is not None and round.state in poker.LIVE_STATES else None
    rows, more = _rows(request, product, team, live)
    here = _refinement_url(product, team, ceremony)
    return (
        product_context(request, product)
        | _table_context(request, product, team, round, poll_url=here)
        | {
            "ceremony": ceremony,
            "rows": rows,
            "more": more,
            "total": _unready(product, team).count(),
            "refinement_url": here,
            "nav": "refinement",
        }
    )


@login_required
@vary_on_headers("HX-Request")
def refinement(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    if request.htmx and request.htmx.target == "poker-table":
        here = _refinement_url(product, team, _ceremony(request, team))
        context = _table_context(request, product, team, _current_round(team), poll_url=here)
        return _table(request, context)
    context = _page_context(request, product, team)
    if request.htmx and "after" in request.GET:
        return render(request, "sprints/refinement.html#rows", context)
    return render(request, "sprints/refinement.html", context)


@login_required
@require_POST
def open_round(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    ceremony = _ceremony(request, team)
    story = get_object_or_404(Story, product=product, pk=parsing.id_param(request.POST, "story"))
    try:
        services.open_round(actor=request.user, team=team, story=story, ceremony=ceremony)
    except ValidationError as error:
        context = _page_context(request, product, team) | {"error": " ".join(error.messages)}
        return render(request, "sprints/refinement.html", context, status=422)
    return redirect(_refinement_url(product, team, ceremony) + "#poker-table")


@login_required
@require_POST
def mark_ready(request: UserRequest, slug: str, team_slug: str, pk: int) -> HttpResponse:
    """Mark a story ready; with Definition of Ready items missing, ask once to confirm."""
    product, team = get_team_or_404(request.user, slug, team_slug)
    # Any story of the page's slice, ready already or not: a second click is no error.
    stories = Story.objects.filter(product=product).filter(Q(team=team) | Q(team__isnull=True))
    story = get_object_or_404(stories.select_related("team", "epic"), pk=pk)
    try:
        story = backlog.set_story_ready(
            actor=request.user, story=story, ready=True, confirm=request.POST.get("confirm") == "1"
        )
    except readiness.NotReady as refusal:
        # Warned: the row asks to confirm; enforced: the row says what to meet first.
        key = "confirm_ready" if refusal.confirmable else "ready_refused"
        if request.htmx:
            # What _rows gives each row of the page, for the row's template (the page's
            # tests read them on the stories): Story does not declare them.
            story.missing = refusal.missing  # type: ignore[attr-defined]
            setattr(story, key, refusal.missing)
            story.can_ready = True  # type: ignore[attr-defined]
            row = {"product": product, "team": team, "story": story}
            return render(request, "sprints/refinement.html#story-row", row, status=422)
        context = _page_context(request, product, team)
        for row in context["rows"]:
            if row.pk == story.pk:
                setattr(row, key, refusal.missing)
        return render(request, "sprints/refinement.html", context, status=422)
    if request.htmx:
        context = {"product": product, "team": team, "story": story}
        return render(request, "sprints/refinement.html#story-row", context)
    return redirect(_refinement_url(product, team, _ceremony(request, team)))


# The table of one round -------------------------------------------------------------------


def _round_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, EstimationRound]:
    product = get_product_or_404(request.user, slug)
    round = get_object_or_404(
        EstimationRound.objects.select_related("team__product", "story__status", "ceremony"),
        team__product=product,
        pk=pk,
    )
    return product, round


@login_required
@vary_on_headers("HX-Request")
def round_detail(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, round = _round_or_404(request, slug, pk)
    here = reverse("sprints:estimation_round", args=[product.slug, round.pk])
    context = _table_context(request, product, round.team, round, poll_url=here)
    if request.htmx:
        return _table(request, context)
    context |= product_context(request, product) | {"nav": "refinement"}
    return render(request, "sprints/estimation_round.html", context)


def _after(
    request: UserRequest, product: Product, round: EstimationRound, error: str = ""
) -> HttpResponse:
    """After a change at the table: the table for htmx (422 with the refusal), else back
    where the form was (the refinement page or the round's page)."""
    # The page the form was on (the refinement page or the round's), which the table polls.
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = _refinement_url(product, round.team, round.ceremony)
    round = EstimationRound.objects.select_related(
        "team__product", "story__status", "ceremony"
    ).get(pk=round.pk)

    def context() -> dict[str, Any]:
        return _table_context(request, product, round.team, round, poll_url=back, error=error)

    if error and not request.htmx:  # the refusal on the round's own page
        page = context() | product_context(request, product) | {"nav": "refinement"}
        return render(request, "sprints/estimation_round.html", page, status=422)
    return answer(request, TABLE, context, back, status=422 if error else 200)


def _act(request: UserRequest, slug: str, pk: int, action: Any, **kwargs: Any) -> HttpResponse:
    product, round = _round_or_404(request, slug, pk)
    try:
        result = action(actor=request.user, round=round, **kwargs)
    except ValidationError as error:
        return _after(request, product, round, error=" ".join(error.messages))
    return _after(request, product, result if isinstance(result, EstimationRound) else round)


@login_required
@require_POST
def vote(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    return _act(request, slug, pk, services.cast_vote, card=request.POST.get("card", ""))


@login_required
@require_POST
def reveal(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    return _act(request, slug, pk, services.reveal_round)


@login_required
@require_POST
def revote(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    return _act(request, slug, pk, services.revote)


@login_required
@require_POST
def agree(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    # No points chosen is not "0 points": the service refuses -1 as off the deck.
    points = parsing.int_param(request.POST, "points", default=-1, maximum=1000)
    return _act(request, slug, pk, services.agree_round, points=points)


@login_required
@require_POST
def cancel(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    return _act(request, slug, pk, services.cancel_round)

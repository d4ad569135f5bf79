"""The retrospective's page: three columns of cards with dot votes and groups, the action
items, and the previous retrospective's actions at the top.

Each change answers htmx with the changed part (``#retro-board`` or ``#retro-actions``),
other requests with a redirect back to the page; a refusal gets 422 and the part with its
error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import access, parsing
from core.access import Capability
from core.parsing import toggle_param
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_product_or_404
from products.models import Product
from products.views import product_context
from sprints import services
from sprints.forms import ActionForm, CardForm, VotesForm
from sprints.models import Ceremony, CeremonyKind, RetroAction, RetroCard, RetroColumn

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Votes(TypedDict):
        total: int
        mine: int

    # A card read by _board: everyone's dots on it and the user's own.
    VotedCard = WithAnnotations[RetroCard, _Votes]


def _retro_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Ceremony]:
    product = get_product_or_404(request.user, slug)
    ceremony = get_object_or_404(
        Ceremony.objects.select_related("team", "sprint"),
        team__product=product,
        kind=CeremonyKind.RETROSPECTIVE,
        pk=pk,
    )
    ceremony.team.product = product  # the same row: spares a query for its slug
    return product, ceremony


@dataclass(frozen=True)
class Shown:
    """A retro card as the board shows it: everyone's dots on it (None before the reveal)
    and, for a group's first card, the cards beneath it and the group's dots."""

    card: RetroCard
    dots: int | None
    members: list[Shown] = field(default_factory=list)
    group_dots: int | None = None


def _by_votes(request: UserRequest) -> bool:
    """``?sort=votes`` (or the form's ``sort`` field): cards by votes, else by time."""
    sort = toggle_param(request.POST, "sort", ("time", "votes"), "") or toggle_param(
        request.GET, "sort", ("time", "votes"), "time"
    )
    return sort == "votes"


def _board(request: UserRequest, ceremony: Ceremony) -> dict[str, Any]:
    """The cards by column, each group's cards beneath its first card. Before the reveal a
    member sees their own dots per card and only the total of everyone's."""
    user = request.user
    cards = list(
        RetroCard.objects.filter(ceremony=ceremony)
        .select_related("author")
        .annotate(total=Count("votes"), mine=Count("votes", filter=Q(votes__voter=user)))
    )
    revealed = ceremony.votes_revealed
    heads = [c for c in cards if c.group_id is None]
    head_ids = {c.pk for c in heads}
    members: dict[int, list[VotedCard]] = {c.pk: [] for c in heads}
    for card in cards:
        if card.group_id is not None and card.group_id in head_ids:
            members[card.group_id].append(card)
        elif card.group_id is not None:  # its group's card is gone: stands alone
            card.group_id = None
            members[card.pk] = []
            heads.append(card)
    group_totals = {h.pk: h.total + sum(c.total for c in members[h.pk]) for h in heads}
    used = sum(c.mine for c in cards)
    cast = sum(c.total for c in cards)
    sort = _by_votes(request) and revealed
    if sort:
        heads.sort(key=lambda c: (-group_totals[c.pk], c.created_at, c.pk))
    shown = [
        Shown(
            head,
            head.total if revealed else None,
            [Shown(c, c.total if revealed else None) for c in members[head.pk]],
            group_totals[head.pk] if revealed else None,
        )
        for head in heads
    ]
    columns = [
        {
            "value": value,
            "label": label,
            "cards": [s for s in shown if s.card.column == value],
            "form": CardForm(initial={"column": value}, auto_id=f"id_{value}_%s"),
        }
        for value, label in RetroColumn.choices
    ]
    return {
        "columns": columns,
        "heads": heads,
        "dots_used": used,
        "dots_left": max(ceremony.votes_per_member - used, 0),
        "dots_cast": cast,
        "sorted_by_votes": sort,
    }


def _actions(request: UserRequest, ceremony: Ceremony) -> dict[str, Any]:
    actions = list(RetroAction.objects.filter(ceremony=ceremony).select_related("owner", "story"))
    previous = (
        Ceremony.objects.filter(
            team_id=ceremony.team_id,
            kind=CeremonyKind.RETROSPECTIVE,
            starts_at__lt=ceremony.starts_at,
            cancelled=False,
        )
        .order_by("-starts_at")
        .first()
    )
    previous_actions = (
        list(RetroAction.objects.filter(ceremony=previous).select_related("owner", "story"))
        if previous
        else []
    )
    return {
        "actions": actions,
        "previous": previous,
        "previous_actions": previous_actions,
    }


# The parts of the page live.js redraws when the team's retro events arrive.
LIVE_PARTS = ("retro-board", "retro-actions")


def _context(request: UserRequest, product: Product, ceremony: Ceremony, **extra: Any) -> dict:
    user = request.user
    context = product_context(request, product) | {
        "team": ceremony.team,
        "sprint": ceremony.sprint,
        "ceremony": ceremony,
        "can_write": access.can(user, Capability.WRITE_DAILY, ceremony),
        "can_facilitate": access.can(user, Capability.SCHEDULE_CEREMONIES, ceremony),
        "live_url": reverse("sprints:retro", args=[product.slug, ceremony.pk])
        + ("?sort=votes" if _by_votes(request) else ""),
        "can_convert": access.can(user, Capability.CONVERT_TO_STORY, ceremony),
        "action_form": ActionForm(team=ceremony.team, auto_id="id_action_%s"),
        "votes_form": VotesForm(initial={"votes_per_member": ceremony.votes_per_member}),
        "members": list(ceremony.team.members()),
        "nav": "ceremony",
    }
    context |= _board(request, ceremony) | _actions(request, ceremony)
    for column in context["columns"]:
        if (form := extra.pop(f"card_form_{column['value']}", None)) is not None:
            column["form"] = form
    return context | extra


@login_required
def retro(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    context = _context(request, product, ceremony)
    # live.js asks for the part an event changed (HX-Target), as the user sees it.
    if request.htmx and request.htmx.target in LIVE_PARTS:
        return render(request, f"sprints/retro.html#{request.htmx.target}", context)
    return render(request, "sprints/retro.html", context)


def _url(request: UserRequest, product: Product, ceremony: Ceremony, anchor: str) -> str:
    url = reverse("sprints:retro", args=[product.slug, ceremony.pk])
    if request.POST.get("sort") == "votes":
        url += "?sort=votes"
    return f"{url}#{anchor}"


def _answer(
    request: UserRequest,
    product: Product,
    ceremony: Ceremony,
    part: str,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """A redirect to the page for a form, the changed part for htmx; 422 with the part's
    error either way."""

    def context() -> dict[str, Any]:
        ceremony.refresh_from_db()
        return _context(request, product, ceremony, **extra)

    url = _url(request, product, ceremony, part)
    return answer(request, f"sprints/retro.html#{part}", context, url, status=status)


def _board_refused(
    request: UserRequest, product: Product, ceremony: Ceremony, error: ValidationError
) -> HttpResponse:
    return _answer(
        request, product, ceremony, "retro-board", status=422, board_errors=error.messages
    )


def _card(ceremony: Ceremony, card_pk: int | str) -> RetroCard:
    card = get_object_or_404(RetroCard, ceremony=ceremony, pk=card_pk)
    card.ceremony = ceremony
    return card


@login_required
@require_POST
def retro_card_add(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    access.require(request.user, Capability.WRITE_DAILY, ceremony)
    form = CardForm(request.POST, auto_id=f"id_{request.POST.get('column', 'x')}_%s")
    if form.is_valid():
        try:
            services.add_retro_card(actor=request.user, ceremony=ceremony, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _answer(request, product, ceremony, "retro-board")
    column = form.data.get("column") if form.data.get("column") in RetroColumn.values else None
    extra = {f"card_form_{column}": form} if column else {"board_errors": form.errors.get("column")}
    return _answer(request, product, ceremony, "retro-board", status=422, **extra)


@login_required
@require_POST
def retro_card_edit(request: UserRequest, slug: str, pk: int, card_pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    card = _card(ceremony, card_pk)
    try:
        services.edit_retro_card(
            actor=request.user,
            card=card,
            text=request.POST.get("text", ""),
            column=request.POST.get("column") or None,
        )
    except ValidationError as error:
        return _board_refused(request, product, ceremony, error)
    return _answer(request, product, ceremony, "retro-board")


@login_required
@require_POST
def retro_card_delete(request: UserRequest, slug: str, pk: int, card_pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    services.delete_retro_card(actor=request.user, card=_card(ceremony, card_pk))
    return _answer(request, product, ceremony, "retro-board")


@login_required
@require_POST
def retro_vote(request: UserRequest, slug: str, pk: int, card_pk: int) -> HttpResponse:
    """Put one dot on the card, or take one back (``undo=1``)."""
    product, ceremony = _retro_or_404(request, slug, pk)
    card = _card(ceremony, card_pk)
    service = services.unvote_retro_card if request.POST.get("undo") else services.vote_retro_card
    try:
        service(actor=request.user, card=card)
    except ValidationError as error:
        return _board_refused(request, product, ceremony, error)
    return _answer(request, product, ceremony, "retro-board")


@login_required
@require_POST
def retro_group(request: UserRequest, slug: str, pk: int, card_pk: int) -> HttpResponse:
    """Put the card under another (``under``: its id), or alone again (``under`` empty)."""
    product, ceremony = _retro_or_404(request, slug, pk)
    card = _card(ceremony, card_pk)
    under_pk = parsing.id_param(request.POST, "under")
    under = _card(ceremony, under_pk) if under_pk is not None else None
    try:
        services.group_retro_card(actor=request.user, card=card, under=under)
    except ValidationError as error:
        return _board_refused(request, product, ceremony, error)
    return _answer(request, product, ceremony, "retro-board")


@login_required
@require_POST
def retro_votes(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """The facilitator sets the dots per member, or reveals (``revealed=1``) or hides
    (``revealed=0``) the votes."""
    product, ceremony = _retro_or_404(request, slug, pk)
    access.require(request.user, Capability.SCHEDULE_CEREMONIES, ceremony)
    try:
        if "revealed" in request.POST:
            services.reveal_retro_votes(
                actor=request.user, ceremony=ceremony, revealed=request.POST["revealed"] == "1"
            )
        else:
            form = VotesForm(request.POST)
            if not form.is_valid():
                return _answer(
                    request, product, ceremony, "retro-board", status=422, votes_form=form
                )
            services.set_retro_votes(
                actor=request.user,
                ceremony=ceremony,
                votes_per_member=form.cleaned_data["votes_per_member"],
            )
    except ValidationError as error:
        return _board_refused(request, product, ceremony, error)
    return _answer(request, product, ceremony, "retro-board")


def _action(ceremony: Ceremony, action_pk: int) -> RetroAction:
    """An action of this retrospective or of an earlier one of the same team (ticked at the
    top of the next retrospective)."""
    action = get_object_or_404(
        RetroAction.objects.select_related("ceremony__team"),
        ceremony__team=ceremony.team,
        ceremony__kind=CeremonyKind.RETROSPECTIVE,
        pk=action_pk,
    )
    return action


@login_required
@require_POST
def retro_action_add(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    access.require(request.user, Capability.WRITE_DAILY, ceremony)
    form = ActionForm(request.POST, team=ceremony.team, auto_id="id_action_%s")
    if form.is_valid():
        try:
            services.add_retro_action(actor=request.user, ceremony=ceremony, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _answer(request, product, ceremony, "retro-actions")
    return _answer(request, product, ceremony, "retro-actions", status=422, action_form=form)


@login_required
@require_POST
def retro_action_edit(request: UserRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    action = _action(ceremony, action_pk)
    access.require(request.user, Capability.WRITE_DAILY, action.ceremony)
    form = ActionForm(request.POST, team=ceremony.team, prefix=f"action-{action.pk}")
    if form.is_valid():
        try:
            services.edit_retro_action(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _answer(request, product, ceremony, "retro-actions")
    errors = [str(e) for errors in form.errors.values() for e in errors]
    return _answer(request, product, ceremony, "retro-actions", status=422, action_errors=errors)


@login_required
@require_POST
def retro_action_done(request: UserRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
    """Tick (``done=1``) or untick (``done=0``) an action, this retrospective's or the
    previous one's."""
    product, ceremony = _retro_or_404(request, slug, pk)
    action = _action(ceremony, action_pk)
    services.set_retro_action_done(
        actor=request.user, action=action, done=request.POST.get("done") == "1"
    )
    part = "retro-actions" if action.ceremony_id == ceremony.pk else "previous-actions"
    return _answer(request, product, ceremony, part)


@login_required
@require_POST
def retro_action_delete(request: UserRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    action = get_object_or_404(RetroAction, ceremony=ceremony, pk=action_pk)
    action.ceremony = ceremony
    services.delete_retro_action(actor=request.user, action=action)
    return _answer(request, product, ceremony, "retro-actions")


@login_required
@require_POST
def retro_action_convert(request: UserRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
    """The PO turns the action into a backlog story."""
    product, ceremony = _retro_or_404(request, slug, pk)
    action = _action(ceremony, action_pk)
    access.require(request.user, Capability.CONVERT_TO_STORY, action.ceremony)
    try:
        services.convert_action_to_story(actor=request.user, action=action)
    except ValidationError as error:
        return _answer(
            request, product, ceremony, "retro-actions", status=422, action_errors=error.messages
        )
    return _answer(request, product, ceremony, "retro-actions")

"""The retrospective's page: three columns of cards with dot votes and groups, the action
items, and the previous retrospective's actions at the top.

Each change answers htmx with the changed part (``#retro-board`` or ``#retro-actions``),
other requests with a redirect back to the page; a refusal gets 422 and the part with its
error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import User
from ceremonies import services
from ceremonies.models import Ceremony, CeremonyKind, RetroAction, RetroCard, RetroColumn
from products import access
from products.access import Capability
from products.models import Product, Team
from products.views import add_service_errors, product_context


class CardForm(forms.Form):
    column = forms.ChoiceField(choices=RetroColumn.choices, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Card"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionForm(forms.Form):
    text = forms.CharField(
        label=_("Action"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Nobody yet")
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_members(team)  # type: ignore[attr-defined]


class VotesForm(forms.Form):
    votes_per_member = forms.IntegerField(
        label=_("Dots per member"), min_value=1, max_value=services.retro.MAX_VOTES
    )


def team_members(team: Team) -> Any:
    return User.objects.filter(memberships__team=team).distinct().order_by("username")


def _retro_or_404(request: HttpRequest, slug: str, pk: int) -> tuple[Product, Ceremony]:
    product = access.get_product_or_404(request.user, slug)
    ceremony = get_object_or_404(
        Ceremony.objects.select_related("team", "sprint"),
        team__product=product,
        kind=CeremonyKind.RETROSPECTIVE,
        pk=pk,
    )
    ceremony.team.product = product  # the same row: spares a query for its slug
    return product, ceremony


def _board(request: HttpRequest, ceremony: Ceremony) -> dict[str, Any]:
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
    by_id = {c.pk: c for c in heads}
    for head in heads:
        head.members = []
    for card in cards:
        if card.group_id is not None and card.group_id in by_id:
            by_id[card.group_id].members.append(card)
        elif card.group_id is not None:  # its group's card is gone: stands alone
            card.group_id = None
            card.members = []
            heads.append(card)
    for head in heads:
        head.group_total = head.total + sum(c.total for c in head.members)
    used = sum(c.mine for c in cards)
    cast = sum(c.total for c in cards)
    if not revealed:
        for card in cards:
            card.total = card.group_total = None
    sort = "votes" in (request.GET.get("sort"), request.POST.get("sort")) and revealed
    if sort:
        heads.sort(key=lambda c: (-c.group_total, c.created_at, c.pk))
    columns = [
        {
            "value": value,
            "label": label,
            "cards": [c for c in heads if c.column == value],
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


def _actions(request: HttpRequest, ceremony: Ceremony) -> dict[str, Any]:
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


def _context(request: HttpRequest, product: Product, ceremony: Ceremony, **extra: Any) -> dict:
    user = request.user
    context = product_context(request, product) | {
        "team": ceremony.team,
        "sprint": ceremony.sprint,
        "ceremony": ceremony,
        "can_write": access.can(user, Capability.WRITE_DAILY, ceremony),
        "can_facilitate": access.can(user, Capability.SCHEDULE_CEREMONIES, ceremony),
        "live_url": reverse("ceremonies:retro", args=[product.slug, ceremony.pk])
        + ("?sort=votes" if "votes" in (request.GET.get("sort"), request.POST.get("sort")) else ""),
        "can_convert": access.can(user, Capability.CONVERT_TO_STORY, ceremony),
        "action_form": ActionForm(team=ceremony.team, auto_id="id_action_%s"),
        "votes_form": VotesForm(initial={"votes_per_member": ceremony.votes_per_member}),
        "members": list(team_members(ceremony.team)),
        "nav": "ceremony",
    }
    context |= _board(request, ceremony) | _actions(request, ceremony)
    for column in context["columns"]:
        if (form := extra.pop(f"card_form_{column['value']}", None)) is not None:
            column["form"] = form
    return context | extra


@login_required
def retro(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    context = _context(request, product, ceremony)
    # live.js asks for the part an event changed (HX-Target), as the user sees it.
    if request.htmx and request.htmx.target in LIVE_PARTS:
        return render(request, f"ceremonies/retro.html#{request.htmx.target}", context)
    return render(request, "ceremonies/retro.html", context)


def _url(request: HttpRequest, product: Product, ceremony: Ceremony, anchor: str) -> str:
    url = reverse("ceremonies:retro", args=[product.slug, ceremony.pk])
    if request.POST.get("sort") == "votes":
        url += "?sort=votes"
    return f"{url}#{anchor}"


def _answer(
    request: HttpRequest,
    product: Product,
    ceremony: Ceremony,
    part: str,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """A redirect to the page for a form, the changed part for htmx; 422 with the part's
    error either way."""
    if status < 400 and not request.htmx:
        return redirect(_url(request, product, ceremony, part))
    ceremony.refresh_from_db()
    context = _context(request, product, ceremony, **extra)
    template = "ceremonies/retro.html" + (f"#{part}" if request.htmx else "")
    return render(request, template, context, status=status)


def _board_refused(
    request: HttpRequest, product: Product, ceremony: Ceremony, error: ValidationError
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
def retro_card_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
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
def retro_card_edit(request: HttpRequest, slug: str, pk: int, card_pk: int) -> HttpResponse:
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
def retro_card_delete(request: HttpRequest, slug: str, pk: int, card_pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    services.delete_retro_card(actor=request.user, card=_card(ceremony, card_pk))
    return _answer(request, product, ceremony, "retro-board")


@login_required
@require_POST
def retro_vote(request: HttpRequest, slug: str, pk: int, card_pk: int) -> HttpResponse:
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
def retro_group(request: HttpRequest, slug: str, pk: int, card_pk: int) -> HttpResponse:
    """Put the card under another (``under``: its id), or alone again (``under`` empty)."""
    product, ceremony = _retro_or_404(request, slug, pk)
    card = _card(ceremony, card_pk)
    under_pk = request.POST.get("under", "")
    under = _card(ceremony, under_pk) if under_pk.isdigit() else None
    try:
        services.group_retro_card(actor=request.user, card=card, under=under)
    except ValidationError as error:
        return _board_refused(request, product, ceremony, error)
    return _answer(request, product, ceremony, "retro-board")


@login_required
@require_POST
def retro_votes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
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
def retro_action_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
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
def retro_action_edit(request: HttpRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
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
def retro_action_done(request: HttpRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
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
def retro_action_delete(request: HttpRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
    product, ceremony = _retro_or_404(request, slug, pk)
    action = get_object_or_404(RetroAction, ceremony=ceremony, pk=action_pk)
    action.ceremony = ceremony
    services.delete_retro_action(actor=request.user, action=action)
    return _answer(request, product, ceremony, "retro-actions")


@login_required
@require_POST
def retro_action_convert(request: HttpRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
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

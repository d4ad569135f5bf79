"""The team's kanban board: its active sprint, one column per status of the product.

The page costs the same number of queries whatever the number of cards: one for the cards
(epic, assignee, task counts and the time each entered its column are joined or
subqueries), one for the column counts, one for the open impediments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from backlog.models import Sprint, Story
from core import access, clock
from core.access import Capability
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_product_or_404, get_team_or_404
from products.models import Product, Status, Team
from products.views import product_context
from sprints import services
from sprints.forms import BoardFilterForm, FlagForm, ResolveForm
from sprints.models import Card, CardQuerySet, Impediment


@dataclass
class Column:
    status: Status
    # Every story of the sprint in this status, whatever the filters show: the WIP limit
    # is the team's, not the viewer's.
    count: int
    cards: list[Story] = field(default_factory=list)

    @property
    def limit(self) -> int | None:
        return self.status.wip_limit

    @property
    def over(self) -> bool:
        return self.limit is not None and self.count > self.limit


@dataclass
class LaneCell:
    status: Status
    cards: list[Story] = field(default_factory=list)


@dataclass
class Lane:
    key: str
    label: str
    cells: list[LaneCell]

    @property
    def count(self) -> int:
        return sum(len(cell.cards) for cell in self.cells)


def _lanes(by: str, statuses: list[Status], cards: list[Card]) -> list[Lane]:
    """The shown cards in rows by assignee or epic, each row a cell per status. Built from
    the cards already read: no query. A lane exists for each assignee (or epic) that has a
    card; the cards with none come last."""
    keyed: dict[str, tuple[Any, str]] = {}
    for card in cards:
        if by == "assignee" and (user := card.assignee) is not None:
            keyed[f"user-{user.pk}"] = (user.display_name.casefold(), user.display_name)
        elif by != "assignee" and (epic := card.epic) is not None:
            keyed[f"epic-{epic.pk}"] = (epic.rank, epic.title)
    order = sorted(keyed, key=lambda k: keyed[k][0])
    none_label = _("Unassigned") if by == "assignee" else _("No epic")
    lanes = {
        key: Lane(key, label, [LaneCell(s) for s in statuses])
        for key, label in [*((k, keyed[k][1]) for k in order), ("none", none_label)]
    }
    position = {status.pk: i for i, status in enumerate(statuses)}
    for card in cards:
        owner = card.assignee if by == "assignee" else card.epic
        key = "none" if owner is None else f"{'user' if by == 'assignee' else 'epic'}-{owner.pk}"
        lanes[key].cells[position[card.status_id]].cards.append(card)
    return [lane for lane in lanes.values() if lane.count or lane.key == "none" and not cards]


def _read_cards(cards: CardQuerySet) -> list[Card]:
    # Card.objects reads Card rows, but CardQuerySet is a StoryQuerySet: of Story, to the
    # type checker.
    return cast("list[Card]", list(cards.as_cards()))


def _blockers(impediments: QuerySet[Impediment]) -> dict[int, list[Impediment]]:
    by_story: dict[int, list[Impediment]] = defaultdict(list)
    for impediment in impediments.order_by("opened_at", "id"):
        if impediment.story_id is not None:  # the board's impediments all name a card
            by_story[impediment.story_id].append(impediment)
    return by_story


def _decorate(
    request: UserRequest, team: Team, cards: list[Card], blockers: dict[int, list[Impediment]]
) -> None:
    today = timezone.localdate(clock.now(), team.tzinfo)
    for card in cards:
        since = timezone.localdate(card.in_column_since, team.tzinfo)
        card.age_days = max((today - since).days, 0)
        card.blockers = blockers.get(card.pk, [])
        card.can_move = access.can(request.user, Capability.MOVE_CARDS, card)
        # Named here so the template finds them: on a missed attribute the template engine
        # lists the card's attributes (dir), several times per card on a large board.
        card.flag_form = card.errors = None


def _board_url(product: Product, team: Team) -> str:
    return reverse("sprints:board", args=[product.slug, team.slug])


def _board_context(
    request: UserRequest, product: Product, team: Team, sprint: Sprint, filters: BoardFilterForm
) -> dict[str, Any]:
    statuses = list(product.statuses.all())
    counts = dict(sprint.stories.order_by().values_list("status").annotate(n=Count("pk")))
    cards = _read_cards(filters.apply(Card.objects.filter(sprint=sprint)))
    open_here = Impediment.objects.on_board(team, sprint)
    _decorate(request, team, cards, _blockers(open_here))
    columns = {status.pk: Column(status, counts.get(status.pk, 0)) for status in statuses}
    for card in cards:
        columns[card.status_id].cards.append(card)
    query = request.GET.urlencode()
    lanes_by = filters.lanes_by
    return {
        "statuses": statuses,
        "columns": list(columns.values()),
        "lanes_by": lanes_by,
        "lanes": _lanes(lanes_by, statuses, cards) if lanes_by else None,
        "here": f"{_board_url(product, team)}?{query}" if query else _board_url(product, team),
        "can_move_any": access.can(request.user, Capability.MOVE_CARDS, team),
        "today": timezone.localdate(clock.now(), team.tzinfo),
    }


def _page_context(
    request: UserRequest, product: Product, team: Team, **extra: Any
) -> dict[str, Any]:
    sprint = Sprint.objects.active_of(team)
    filters = BoardFilterForm(request.GET or None, product=product, user=request.user)
    context = {
        "product": product,
        "team": team,
        "sprint": sprint,
        "filters": filters,
        "nav": "board",
    }
    if sprint is not None:
        context |= _board_context(request, product, team, sprint, filters)
    return context | extra


@login_required
@vary_on_headers("HX-Request")
def board(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    context = _page_context(request, product, team)
    if request.htmx and request.htmx.target == "board" and context["sprint"]:
        return render(request, "sprints/board.html#board", context)
    return render(request, "sprints/board.html", product_context(request, product) | context)


def _next_url(request: UserRequest) -> str | None:
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _after_card_action(
    request: UserRequest,
    product: Product,
    team: Team,
    story: Story | None,
    *,
    status: int = 200,
    flag_form: FlagForm | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    """htmx gets the card again; a plain form goes back to the board, or shows it with 422."""
    here = _next_url(request) or _board_url(product, team)
    if request.htmx and story is None:  # an impediment of the team, on no card: no redraw
        return HttpResponse(status=204)

    def context() -> dict[str, Any]:
        if request.htmx:
            assert story is not None
            [card] = _read_cards(Card.objects.filter(pk=story.pk))
            blockers = _blockers(Impediment.objects.open().filter(story=card))
            _decorate(request, team, [card], blockers)
            card.flag_form, card.errors = flag_form, errors
            statuses = list(product.statuses.all())
            return {"product": product, "card": card, "statuses": statuses, "here": here}
        page = _page_context(request, product, team, errors=errors)
        for column in page.get("columns", ()):
            for card in column.cards:
                if story is not None and card.pk == story.pk:
                    card.flag_form, card.errors = flag_form, errors
        return product_context(request, product) | page

    return answer(request, "sprints/board.html#card", context, here, status=status)


@login_required
@require_POST
def impediment_flag(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    story = get_object_or_404(Story.objects.select_related("team"), product=product, pk=pk)
    if story.team is None:  # no board shows it
        raise Http404
    access.require(request.user, Capability.MOVE_CARDS, story)
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            services.flag_impediment(
                actor=request.user, story=story, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_card_action(request, product, story.team, story)
    return _after_card_action(
        request,
        product,
        story.team,
        story,
        status=422,
        flag_form=form,
        errors=[str(m) for m in form.non_field_errors()],
    )


@login_required
@require_POST
def impediment_resolve(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    impediment = get_object_or_404(
        Impediment.objects.select_related("team__product", "story"),
        team__product=product,
        pk=pk,
    )
    access.require(request.user, Capability.MOVE_CARDS, impediment)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_impediment(
                actor=request.user, impediment=impediment, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_card_action(request, product, impediment.team, impediment.story)
    messages = [str(m) for errors in form.errors.values() for m in errors]
    return _after_card_action(
        request, product, impediment.team, impediment.story, status=422, errors=messages
    )

"""The product backlog page: filtered, ordered by rank, paged by keyset, reordered in place."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Manager, Q, Sum
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backlog import csvio, forecast, services
from backlog.filters import ALL_TEAMS, BacklogFilterForm, default_team
from backlog.forms import QuickAddForm
from backlog.models import Story
from core import access, parsing
from core.access import Capability
from core.parsers import MAX_CSV_BYTES
from core.web import UserRequest
from products.grants import get_product_or_404
from products.models import Product
from products.views import product_context

PAGE_SIZE = 100


def _filtered(product: Product, form: BacklogFilterForm) -> Any:
    return form.apply(Story.objects.filter(product=product).in_backlog())


def _page(request: UserRequest, stories: Any) -> tuple[list[Story], Story | None, int]:
    """One page of rows after the cursor story (``?after=<id>``): keyset, never OFFSET."""
    rows = stories.select_related("team", "epic", "assignee").prefetch_related("labels")
    cursor = None
    start = 0
    if (after := parsing.id_param(request.GET, "after")) is not None:
        cursor = Story.objects.filter(pk=after).first()
        if cursor is not None:
            rows = rows.filter(rank__gt=cursor.rank)
            start = parsing.int_param(request.GET, "start", default=0)
    page = list(rows.order_by("rank")[: PAGE_SIZE + 1])
    # Each row names its neighbours for the no-JavaScript "up" and "down" buttons.
    ids = [cursor.pk if cursor else None] + [s.pk for s in page] + [None]
    for i, story in enumerate(page[:PAGE_SIZE]):
        story.can_order = access.can(request.user, Capability.ORDER_BACKLOG, story)
        story.can_edit = access.can(request.user, Capability.EDIT_STORY, story)
        story.position = start + i + 1
        story.prev_id, story.next_id = ids[i], ids[i + 2]
    more = page[PAGE_SIZE - 1] if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], more, start


def _totals(product: Product, stories: Any, team_id: int | None) -> dict[str, Any]:
    totals: dict[str, Any] = stories.aggregate(
        count=Count("pk"),
        points_total=Sum("points"),
        unestimated=Count("pk", filter=Q(points__isnull=True)),
        ready_points=Sum("points", filter=Q(ready=True)),
    )
    pace = forecast.velocity(product, team_id)
    totals["velocity"] = pace
    totals["ready_depth"] = (totals["ready_points"] or 0) / pace if pace else None
    return totals


def _list_context(
    request: UserRequest, product: Product, filters: BacklogFilterForm
) -> dict[str, Any]:
    stories = _filtered(product, filters)
    rows, more, start = _page(request, stories)
    # The filters as applied: the URL's, or a PO's default slice (see backlog()).
    query = (filters.data if isinstance(filters.data, QueryDict) else request.GET).copy()
    for cursor in ("after", "start"):
        query.pop(cursor, None)
    here = reverse("backlog:backlog", args=[product.slug])
    return {
        "product": product,
        "rows": rows,
        "more": more,
        "next_start": start + len(rows),
        "query": query.urlencode(),
        "here": f"{here}?{query.urlencode()}" if query else here,
        "stories": stories,
    }


def _page_context(
    request: UserRequest, product: Product, filters: BacklogFilterForm, **extra: Any
) -> dict[str, Any]:
    context = _list_context(request, product, filters)
    return context | {
        "filters": filters,
        "totals": _totals(product, context.pop("stories"), filters.team_id()),
        "quick_add": QuickAddForm(),
        "can_order_any": access.can(request.user, Capability.ORDER_BACKLOG, product),
        "caps": access.capabilities(request.user, product),
        "bulk_choices": {
            "teams": list(product.teams.all()),
            "epics": list(product.epics.all()),
            "releases": list(product.releases.all()),
            "labels": list(product.labels.all()),
        },
        "nav": "backlog",
        "all_teams": ALL_TEAMS,
        **extra,
    }


@login_required
def backlog(request: UserRequest, slug: str) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    data = request.GET.copy()
    # A PO of one team opens on that team's slice; "?team=all" (or any team) says otherwise.
    team = None if "team" in data else default_team(request.user, product)
    slice_by_default = bool(team)
    if team:
        data["team"] = team
    filters = BacklogFilterForm(data or None, product=product)
    if request.htmx and "after" in request.GET:
        return render(
            request, "backlog/backlog.html#rows", _list_context(request, product, filters)
        )
    context = _page_context(request, product, filters, slice_by_default=slice_by_default)
    if request.htmx and request.htmx.target == "backlog-list":
        return render(request, "backlog/backlog.html#backlog-list", context)
    context |= product_context(request, product)
    return render(request, "backlog/backlog.html", context)


@login_required
@require_POST
def quick_add(request: UserRequest, slug: str) -> HttpResponse:
    """Type a title, pick a kind, press Enter: the story lands at the top or the bottom.
    The filters of the page (in the query string) stay, and the team filter names its team."""
    product = get_product_or_404(request.user, slug)
    access.require(request.user, Capability.CREATE_STORY, product)
    form = QuickAddForm(request.POST)
    filters = BacklogFilterForm(request.GET or None, product=product)
    if form.is_valid():
        team_id = filters.team_id()
        try:
            services.create_story(
                actor=request.user,
                product=product,
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
                team=product.teams.filter(pk=team_id).first() if team_id else None,
                at_top=form.cleaned_data["where"] == "top",
            )
        except ValidationError as error:
            form.add_error("title", error.messages)
        else:
            context = _page_context(request, product, filters, added=form.cleaned_data["where"])
            if not request.htmx:
                return redirect(context["here"])
            return render(request, "backlog/backlog.html#backlog-list", context)
    context = _page_context(request, product, filters, quick_add=form)
    if request.htmx:
        return render(request, "backlog/backlog.html#backlog-list", context, status=422)
    context |= product_context(request, product)
    return render(request, "backlog/backlog.html", context, status=422)


@login_required
def export_csv(request: UserRequest, slug: str) -> StreamingHttpResponse:
    """The backlog under the page's filters, as CSV, streamed (100,000 rows fit)."""
    product = get_product_or_404(request.user, slug)
    filters = BacklogFilterForm(request.GET or None, product=product)
    return csvio.download(product, _filtered(product, filters))


@login_required
def import_csv(request: UserRequest, slug: str) -> HttpResponse:
    """Add stories from a CSV file at the bottom of the backlog: all of them, or none."""
    product = get_product_or_404(request.user, slug)
    access.require(request.user, Capability.CREATE_STORY, product)
    context = product_context(request, product) | {"nav": "backlog", "columns": csvio.IMPORTED}
    if request.method != "POST":
        return render(request, "backlog/import.html", context)
    upload = request.FILES.get("file")
    # File.size may be None (a file of unknown size); an upload's size is always known.
    if upload is None or (upload.size or 0) > MAX_CSV_BYTES:
        context["errors"] = [(0, _("Choose a CSV file of 5 MB at most."))]
        return render(request, "backlog/import.html", context, status=422)
    parsed = csvio.parse(product, upload.read())
    if parsed.errors:
        context["errors"] = parsed.errors
        return render(request, "backlog/import.html", context, status=422)
    try:
        created = services.import_stories(
            actor=request.user, product=product, stories=parsed.stories
        )
    except ValidationError as error:
        context["errors"] = [(0, message) for message in error.messages]
        return render(request, "backlog/import.html", context, status=422)
    messages.success(
        request,
        ngettext(
            "%(count)d story imported at the bottom of the backlog.",
            "%(count)d stories imported at the bottom of the backlog.",
            len(created),
        )
        % {"count": len(created)},
    )
    return redirect("backlog:backlog", slug=product.slug)


def _bulk_value(product: Product, action: str, raw: str) -> Any:
    """The object a bulk "set" names ("" clears it), looked up among the product's own."""
    sources: dict[str, Manager[Any]] = {
        "epic": product.epics,
        "team": product.teams,
        "release": product.releases,
        "label": product.labels,
    }
    if action not in sources or not raw:
        return None
    value = sources[action].filter(pk=parsing.parse_id(raw, action)).first()
    if value is None:
        raise ValidationError(_("Choose among this product's own."))
    return value


@login_required
@require_POST
def bulk(request: UserRequest, slug: str) -> HttpResponse:
    """One change to the selected stories: set an epic, team, release or label; move them to
    the top or the bottom; or delete them, after a confirmation."""
    product = get_product_or_404(request.user, slug)
    back = reverse("backlog:backlog", args=[product.slug])
    if request.GET:
        back += "?" + request.GET.urlencode()
    ids = parsing.id_list(request.POST, "stories")
    stories = list(Story.objects.filter(product=product, sprint__isnull=True, pk__in=ids))
    action, _sep, raw = request.POST.get("do", "").partition(":")
    if not stories or action not in services.BULK_ACTIONS:
        messages.error(request, _("Select stories, then choose what to do with them."))
        return redirect(back)
    if action == "delete" and request.POST.get("confirm") != "1":
        access.require(request.user, Capability.ACCEPT_STORY, product)
        context = product_context(request, product) | {
            "stories": sorted(stories, key=lambda s: s.rank),
            "back": back,
            "nav": "backlog",
        }
        return render(request, "backlog/bulk_delete.html", context)
    try:
        count = services.bulk_change(
            actor=request.user,
            product=product,
            stories=stories,
            action=action,
            value=_bulk_value(product, action, raw),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)d story changed.", "%(count)d stories changed.", count)
        % {"count": count},
    )
    return redirect(back)

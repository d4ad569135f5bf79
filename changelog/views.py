"""Product updates: the members' page, the PM's drafts and release notes, and the public
changelog with its Atom feed, which anyone may read without logging in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from changelog import services
from changelog.forms import ReleaseNotesForm, UpdateForm
from changelog.models import ProductUpdate, UpdateVisibility
from core import access
from core.access import Capability
from core.concurrency import Stale
from core.markdown import render_cached
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_product_or_404
from products.models import Product
from products.views import product_context

# The feed carries the latest ones; the changelog page has them all.
FEED_ENTRIES = 50


def _visible_updates(request: UserRequest, product: Product) -> QuerySet[ProductUpdate]:
    """Drafts are the PM's; members read what is published, internal or public."""
    updates = ProductUpdate.objects.filter(product=product).select_related("created_by")
    if access.can(request.user, Capability.EDIT_VISION, product):
        return updates
    return updates.published()


def _updates_context(request: UserRequest, product: Product, **overrides: Any) -> dict[str, Any]:
    updates = list(_visible_updates(request, product))
    context = product_context(request, product) | {
        "updates": updates,
        "has_public": any(u.is_public for u in updates),
        "form": UpdateForm(initial={"visibility": UpdateVisibility.INTERNAL}),
        "notes_form": ReleaseNotesForm(product=product),
        "can_edit": access.can(request.user, Capability.EDIT_VISION, product),
        "nav": "updates",
    }
    return context | overrides


@login_required
def updates(request: UserRequest, slug: str) -> HttpResponse:
    """The product's updates for its members; the PM writes a new one here."""
    product = get_product_or_404(request.user, slug)
    if request.method != "POST":
        return render(request, "changelog/updates.html", _updates_context(request, product))
    access.require(request.user, Capability.EDIT_VISION, product)
    form = UpdateForm(request.POST)
    if form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.UPDATE_FIELDS}
        try:
            update = services.create_update(actor=request.user, product=product, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("changelog:update", slug=product.slug, pk=update.pk)
    context = _updates_context(request, product, form=form)
    return render(request, "changelog/updates.html", context, status=422)


@login_required
@require_POST
def release_notes(request: UserRequest, slug: str) -> HttpResponse:
    """Draft an update from the stories done in a sprint or a release, for the PM to edit."""
    product = get_product_or_404(request.user, slug)
    access.require(request.user, Capability.EDIT_VISION, product)
    form = ReleaseNotesForm(request.POST, product=product)
    if form.is_valid():
        sprint, release = form.cleaned_data["sprint"], form.cleaned_data["release"]
        try:
            update = services.draft_release_notes(
                actor=request.user,
                product=product,
                sprint_id=sprint.pk if sprint else None,
                release=release,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("changelog:update", slug=product.slug, pk=update.pk)
    context = _updates_context(request, product, notes_form=form)
    return render(request, "changelog/updates.html", context, status=422)


def _update_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, ProductUpdate]:
    product = get_product_or_404(request.user, slug)
    return product, get_object_or_404(_visible_updates(request, product), pk=pk)


def _update_context(
    request: UserRequest, product: Product, update: ProductUpdate, **overrides: Any
) -> dict[str, Any]:
    context = product_context(request, product) | {
        "update": update,
        "form": UpdateForm(instance=update, initial={"version": update.version}),
        "can_edit": access.can(request.user, Capability.EDIT_VISION, update),
        "publish_error": None,
        "stale": None,
        "nav": "updates",
    }
    return context | overrides


@login_required
def update_detail(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """One update; the PM edits, publishes and unpublishes it here."""
    product, update = _update_or_404(request, slug, pk)
    if request.method != "POST":
        context = _update_context(request, product, update)
        return render(request, "changelog/updates_detail.html", context)
    access.require(request.user, Capability.EDIT_VISION, update)
    form = UpdateForm(request.POST, instance=ProductUpdate(product=product))
    status, stale = 422, None
    if form.is_valid():
        changes = {k: form.cleaned_data[k] for k in services.UPDATE_FIELDS}
        try:
            services.edit_update(
                actor=request.user,
                update=update,
                version=form.cleaned_data["version"] or 0,
                **changes,
            )
        except Stale as conflict:
            status = 409
            stale = {"yours": changes}
            update = conflict.current_as(ProductUpdate)
            form = UpdateForm(instance=update, initial={"version": update.version})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("changelog:update", slug=product.slug, pk=update.pk)
    update.refresh_from_db()
    context = _update_context(request, product, update, form=form, stale=stale)
    return render(request, "changelog/updates_detail.html", context, status=status)


def _set_published(request: UserRequest, slug: str, pk: int, publish: bool) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    # Any update of the product: a member refused a draft gets 403 like any other refusal.
    update = get_object_or_404(ProductUpdate.objects.filter(product=product), pk=pk)
    access.require(request.user, Capability.EDIT_VISION, update)
    status, error = 200, None
    try:
        if publish:
            services.publish_update(actor=request.user, update=update)
        else:
            services.unpublish_update(actor=request.user, update=update)
    except ValidationError as refusal:
        status, error = 422, " ".join(refusal.messages)
    return answer(
        request,
        "changelog/updates_detail.html#update-status",
        lambda: _update_context(request, product, update, publish_error=error),
        reverse("changelog:update", args=[product.slug, update.pk]),
        status=status,
    )


@login_required
@require_POST
def update_publish(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    return _set_published(request, slug, pk, publish=True)


@login_required
@require_POST
def update_unpublish(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    return _set_published(request, slug, pk, publish=False)


# The public changelog. No login, no session, no CSRF token: only what
# ProductUpdate.objects.public() returns ever reaches these two views.


@dataclass
class Changelog:
    product: Product
    updates: list[ProductUpdate]


def _changelog_or_404(slug: str, limit: int | None = None) -> Changelog:
    """A product's published public updates, newest first, in one query. A product without
    any is 404 like an unknown slug: its name and existence are not public yet."""
    updates = (
        ProductUpdate.objects.public()
        .filter(product__slug=slug)
        .select_related("product")
        .order_by("-published_at", "-id")
    )
    found = list(updates[:limit] if limit else updates)
    if not found:
        raise Http404(_("No such changelog."))
    return Changelog(product=found[0].product, updates=found)


def changelog(request: HttpRequest, slug: str) -> HttpResponse:
    found = _changelog_or_404(slug)
    context = {"product": found.product, "updates": found.updates}
    return render(request, "changelog/changelog.html", context)


class ChangelogFeed(Feed):
    """The changelog as Atom: entry ids are the updates' UUIDs, so an edit or a new slug
    never shows an entry twice in a reader."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Changelog:
        return _changelog_or_404(slug, limit=FEED_ENTRIES)

    def title(self, obj: Changelog) -> str:
        return _("%(product)s: what's new") % {"product": obj.product.name}

    def subtitle(self, obj: Changelog) -> str:
        return _("Updates about %(product)s.") % {"product": obj.product.name}

    def link(self, obj: Changelog) -> str:
        return reverse("changelog:changelog", args=[obj.product.slug])

    def feed_url(self, obj: Changelog) -> str:
        return reverse("changelog:changelog_feed", args=[obj.product.slug])

    def author_name(self, obj: Changelog) -> str:
        # Atom wants an author; the product speaks, not the PM (their name isn't public).
        return obj.product.name

    def items(self, obj: Changelog) -> list[ProductUpdate]:
        return obj.updates

    def item_title(self, item: ProductUpdate) -> str:
        return item.title

    def item_description(self, item: ProductUpdate) -> str:
        return render_cached(item.body)

    def item_link(self, item: ProductUpdate) -> str:
        return reverse("changelog:changelog", args=[item.product.slug]) + f"#update-{item.pk}"

    def item_guid(self, item: ProductUpdate) -> str:
        return item.uuid.urn

    item_guid_is_permalink = False

    def item_pubdate(self, item: ProductUpdate) -> Any:
        return item.published_at

    def item_updateddate(self, item: ProductUpdate) -> Any:
        # An edit before publication is not news: never earlier than the publication.
        # The feed lists published updates only: published_at is set.
        return max(item.updated_at, item.published_at)  # type: ignore[type-var]


changelog_feed = ChangelogFeed()

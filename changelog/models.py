"""News about the product, written by the PM: internal updates and the public changelog."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import clock
from core.fields import markdown_field
from products.models import Product


class UpdateVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (members only)")
    PUBLIC = "public", _("Public (changelog and feed)")


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ProductUpdateQuerySet(models.QuerySet["ProductUpdate"]):
    def published(self) -> ProductUpdateQuerySet:
        return self.filter(status=UpdateStatus.PUBLISHED)

    def public(self) -> ProductUpdateQuerySet:
        """What the changelog and its feed may show to anyone, without a login."""
        return self.published().filter(visibility=UpdateVisibility.PUBLIC)


class ProductUpdate(models.Model):
    """News about the product written by the PM: internal (members) or public (changelog)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="updates")
    # The Atom entry's id: stable through edits, re-publication and a new product slug.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = markdown_field(_("body"), blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=8,
        choices=UpdateVisibility.choices,
        default=UpdateVisibility.INTERNAL,
    )
    status = models.CharField(
        _("status"), max_length=9, choices=UpdateStatus.choices, default=UpdateStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    stale_message = _("Someone else changed this update meanwhile.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    objects = ProductUpdateQuerySet.as_manager()

    class Meta:
        # Drafts first (the ones being written), then the newest publication.
        ordering = [models.F("published_at").desc(nulls_first=True), "-created_at", "-id"]
        verbose_name = _("product update")
        verbose_name_plural = _("product updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=UpdateStatus.PUBLISHED, published_at__isnull=False)
                | Q(status=UpdateStatus.DRAFT, published_at__isnull=True),
                name="changelog_productupdate_published_at_iff_published",
                violation_error_message=_("A published update has a date; a draft has none."),
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=UpdateVisibility.values),
                name="changelog_productupdate_visibility_valid",
            ),
        ]
        indexes = [
            # The public changelog and its feed (changelog.views): a product's
            # published updates, newest first.
            models.Index(
                fields=["product", "status", "-published_at"], name="changelog_update_published"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, None

    @property
    def is_published(self) -> bool:
        return self.status == UpdateStatus.PUBLISHED

    @property
    def is_public(self) -> bool:
        """Shown on the public changelog: published and public."""
        return self.is_published and self.visibility == UpdateVisibility.PUBLIC

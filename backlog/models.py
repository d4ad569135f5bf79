from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from products import clock
from products.models import Product, Status, StatusCategory, Team

if TYPE_CHECKING:
    from accounts.models import User

# Rank keys are compared byte by byte (see backlog/ranks.py); PostgreSQL gets the "C"
# collation for these columns in migration 0002.
RANK_MAX_LENGTH = 255
# A key longer than this triggers a rebalance of the product's keys after the move.
RANK_REBALANCE_LENGTH = 64

POINTS = (0, 1, 2, 3, 5, 8, 13, 20, 40, 100)
POINT_CHOICES = [(p, str(p)) for p in POINTS]

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #rrggbb."))


class Release(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="releases")
    name = models.CharField(_("name"), max_length=120)
    date = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        ordering = ["date", "name"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="backlog_release_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, None


class Epic(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="epics")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    colour = models.CharField(
        _("colour"), max_length=7, default="#4f6bed", validators=[colour_validator]
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    release = models.ForeignKey(
        Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="epics"
    )
    rank = models.CharField(_("rank"), max_length=RANK_MAX_LENGTH)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("epic")
        verbose_name_plural = _("epics")
        constraints = [
            models.UniqueConstraint(fields=["product", "rank"], name="backlog_epic_rank_unique"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(target_date__isnull=True)
                | Q(target_date__gte=models.F("start_date")),
                name="backlog_epic_dates_ordered",
                violation_error_message=_("The target date can't be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, None


class Label(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(_("name"), max_length=60)
    colour = models.CharField(
        _("colour"), max_length=7, default="#8a8f98", validators=[colour_validator]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="backlog_label_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class StoryKind(models.TextChoices):
    STORY = "story", _("Story")
    BUG = "bug", _("Bug")
    SPIKE = "spike", _("Spike")
    CHORE = "chore", _("Chore")


class StoryQuerySet(models.QuerySet["Story"]):
    def for_user(self, user: User) -> StoryQuerySet:
        return self.filter(product__in=Product.objects.for_user(user))

    def in_backlog(self) -> StoryQuerySet:
        return self.filter(sprint__isnull=True)

    def search(self, text: str) -> StoryQuerySet:
        return self.filter(Q(title__icontains=text) | Q(description__icontains=text))

    def for_team(self, team: Team) -> StoryQuerySet:
        return self.filter(team=team)

    def ready(self) -> StoryQuerySet:
        return self.filter(ready=True)

    def done(self) -> StoryQuerySet:
        return self.filter(status__category=StatusCategory.DONE)


class Story(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stories")
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        verbose_name=_("team"),
    )
    epic = models.ForeignKey(
        Epic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        verbose_name=_("epic"),
    )
    release = models.ForeignKey(
        Release,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        verbose_name=_("release"),
    )
    sprint = models.ForeignKey(
        "sprints.Sprint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        verbose_name=_("sprint"),
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=StoryKind.choices, default=StoryKind.STORY
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    acceptance_criteria = models.TextField(
        _("acceptance criteria"), blank=True, help_text=_("Markdown; one criterion per line.")
    )
    points = models.PositiveSmallIntegerField(
        _("points"), null=True, blank=True, choices=POINT_CHOICES
    )
    status = models.ForeignKey(
        Status, on_delete=models.PROTECT, related_name="stories", verbose_name=_("status")
    )
    rank = models.CharField(_("rank"), max_length=RANK_MAX_LENGTH)
    ready = models.BooleanField(_("ready"), default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_stories",
        verbose_name=_("assignee"),
    )
    labels = models.ManyToManyField(
        Label, blank=True, related_name="stories", verbose_name=_("labels")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["rank"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        constraints = [
            # The unique index also serves every "ordered by rank within the product" read.
            models.UniqueConstraint(fields=["product", "rank"], name="backlog_story_rank_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=StoryKind.values),
                name="backlog_story_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__in=POINTS),
                name="backlog_story_points_allowed",
                violation_error_message=_(
                    "Points must be one of 0, 1, 2, 3, 5, 8, 13, 20, 40, 100."
                ),
            ),
        ]
        indexes = [
            # The board and sprint pages: StoryQuerySet filtered by sprint, ordered by rank.
            models.Index(fields=["sprint", "rank"], name="backlog_story_sprint_rank"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, self.team_id

    @property
    def is_done(self) -> bool:
        return self.status.category == StatusCategory.DONE

    @property
    def is_estimated(self) -> bool:
        return self.points is not None


class Task(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    done = models.BooleanField(_("done"), default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rank = models.CharField(_("rank"), max_length=RANK_MAX_LENGTH)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["story", "rank"], name="backlog_task_rank_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Insight(models.Model):
    """One finding of user research, recorded by the PM; linked to the epics and stories
    that act on it (backlog.services.link_insight keeps both in the insight's product)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="insights")
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), default=clock.today)
    source = models.CharField(
        _("source or persona"),
        max_length=200,
        blank=True,
        help_text=_("Who said it or where it comes from: an interview, a survey, a persona."),
    )
    finding = models.TextField(_("finding"), blank=True, help_text=_("Markdown."))
    evidence_url = models.URLField(
        _("evidence link"),
        max_length=500,
        blank=True,
        help_text=_("A recording, a transcript, a survey result…"),
    )
    epics = models.ManyToManyField(
        Epic, blank=True, related_name="insights", verbose_name=_("epics")
    )
    stories = models.ManyToManyField(
        Story, blank=True, related_name="insights", verbose_name=_("stories")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        ordering = ["-date", "-created_at", "-id"]
        verbose_name = _("insight")
        verbose_name_plural = _("insights")
        indexes = [
            # The research page (backlog.views.research): a product's insights, newest first.
            models.Index(fields=["product", "-date", "-created_at"], name="backlog_insight_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, None


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
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
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
                name="backlog_productupdate_published_at_iff_published",
                violation_error_message=_("A published update has a date; a draft has none."),
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=UpdateVisibility.values),
                name="backlog_productupdate_visibility_valid",
            ),
        ]
        indexes = [
            # The public changelog and its feed (backlog.views.updates): a product's
            # published updates, newest first.
            models.Index(
                fields=["product", "status", "-published_at"], name="backlog_update_published"
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

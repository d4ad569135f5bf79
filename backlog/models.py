from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import clock
from core.fields import DayField, markdown_field, text_field
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
    date = DayField(_("date"), null=True, blank=True)

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
    description = markdown_field(_("description"), blank=True)
    colour = models.CharField(
        _("colour"), max_length=7, default="#4f6bed", validators=[colour_validator]
    )
    start_date = DayField(_("start date"), null=True, blank=True)
    target_date = DayField(_("target date"), null=True, blank=True)
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

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, None


MIN_SPRINT_DAYS = 14
MAX_SPRINT_DAYS = 28


class SprintState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class SprintQuerySet(models.QuerySet["Sprint"]):
    def for_user(self, user: User) -> SprintQuerySet:
        return self.filter(team__product__in=Product.objects.for_user(user))

    def active(self) -> SprintQuerySet:
        return self.filter(state=SprintState.ACTIVE)

    def closed(self) -> SprintQuerySet:
        return self.filter(state=SprintState.CLOSED)

    def active_of(self, team: Team) -> Sprint | None:
        """The team's active sprint, if any, holding the team already loaded."""
        sprint = self.active().filter(team=team).first()
        if sprint is not None:
            sprint.team = team
        return sprint


class Sprint(models.Model):
    """A sprint of a team. Its row lives beside Story because a story names its sprint (a
    foreign key) and backlog sits below sprints; everything a sprint does (planning, the
    board, its events, its report) is in the sprints app."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(_("name"), max_length=120)
    goal = text_field(_("sprint goal"), blank=True)
    start_date = DayField(_("start date"))
    # Inclusive: a two-week sprint from Monday the 1st ends on Sunday the 14th.
    end_date = DayField(_("end date"))
    state = models.CharField(
        _("state"), max_length=8, choices=SprintState.choices, default=SprintState.PLANNED
    )
    committed_points = models.PositiveIntegerField(_("committed points"), null=True, blank=True)
    completed_points = models.PositiveIntegerField(_("completed points"), null=True, blank=True)
    goal_met = models.BooleanField(_("sprint goal met"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Written once by close_sprint (see sprints/report.py) and never again: what the sprint
    # was, kept even when its stories are edited or moved afterwards.
    report = models.JSONField(_("sprint report"), null=True, blank=True, editable=False)

    objects = SprintQuerySet.as_manager()

    class Meta:
        ordering = ["team", "start_date"]
        verbose_name = _("sprint")
        verbose_name_plural = _("sprints")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date") + dt.timedelta(days=MIN_SPRINT_DAYS - 1))
                & Q(end_date__lte=F("start_date") + dt.timedelta(days=MAX_SPRINT_DAYS - 1)),
                name="backlog_sprint_length_2_to_4_weeks",
                violation_error_message=_("A sprint lasts from 14 to 28 days."),
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(state="active"),
                name="backlog_sprint_one_active_per_team",
                violation_error_message=_("This team already has an active sprint."),
            ),
            models.UniqueConstraint(fields=["team", "name"], name="backlog_sprint_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        return self.team.product_id, self.team_id, self.pk

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.team.product_id, self.team_id

    @property
    def length_days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def is_active(self) -> bool:
        return self.state == SprintState.ACTIVE

    @property
    def first_day(self) -> dt.date:
        """The day the sprint began: the day it was started, in its team's time zone, which
        may be before or after its start date; the start date until then."""
        if self.started_at is None:
            return self.start_date
        return timezone.localdate(self.started_at, self.team.tzinfo)

    @property
    def running_days(self) -> int:
        """Days from the first day to the end date: the length of a sprint started on its
        start date, more for one started early, fewer for one started late."""
        return max((self.end_date - self.first_day).days + 1, 1)

    def day_number(self, today: dt.date) -> int:
        """1 on the first day (the day it was started); clamped to ``running_days``."""
        return min(max((today - self.first_day).days + 1, 1), self.running_days)

    @property
    def working_days(self) -> int:
        """Days of the sprint that are working days of its team (no public holidays yet)."""
        weekdays = set(self.team.working_days)
        return sum(
            (self.start_date + dt.timedelta(days=n)).isoweekday() in weekdays
            for n in range(self.length_days)
        )


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

    def list_of(self, story: Story) -> StoryQuerySet:
        """The list ``story`` is ordered in: its sprint's, or its product's backlog."""
        return self.filter(product_id=story.product_id, sprint_id=story.sprint_id)

    def place(
        self, story: Story, *, position: str = "", to_position: int | None = None
    ) -> tuple[Story | None, Story | None]:
        """The neighbours ``(after, before)`` that put ``story`` at the top or the bottom
        (``position``), or at ``to_position`` (1 is the first) of this list, in rank order:
        what a move names (see ``services.move_story``). Past the end is the bottom."""
        others = self.exclude(pk=story.pk).order_by("rank").only("pk", "rank", "product_id")
        if position == "top":
            return None, others.first()
        if position == "bottom":
            return others.last(), None
        if to_position is None:
            raise ValueError("Name a position: top, bottom or a number.")
        if to_position < 1:
            raise ValueError("Positions start at 1.")
        before = others[to_position - 1 : to_position].first()
        return (None, before) if before else (others.last(), None)


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
        Sprint,
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
    description = markdown_field(_("description"), blank=True)
    acceptance_criteria = markdown_field(
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
    # An open impediment names the story: kept by the impediment services of the sprints
    # app (flag, reword, resolve) in the same transaction, so the backlog, the board and
    # the Definition of Ready read it without reaching up to impediments.
    blocked = models.BooleanField(_("blocked"), default=False, editable=False)
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
    # When the story last came into a done column from another category, through
    # move_story (null: never, or before this was kept). An acceptance given before it is
    # an acceptance of an earlier pass (sprints.completion).
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
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
    stale_message = _("Someone else changed this story meanwhile.")

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

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.story.access_scope

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        return self.story.product_id, self.story.team_id, self.story.sprint_id


class Insight(models.Model):
    """One finding of user research, recorded by the PM; linked to the epics and stories
    that act on it (backlog.services.link_insight keeps both in the insight's product)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="insights")
    title = models.CharField(_("title"), max_length=200)
    date = DayField(_("date"), default=clock.today)
    source = models.CharField(
        _("source or persona"),
        max_length=200,
        blank=True,
        help_text=_("Who said it or where it comes from: an interview, a survey, a persona."),
    )
    finding = markdown_field(_("finding"), blank=True)
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
    stale_message = _("Someone else changed this insight meanwhile.")
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

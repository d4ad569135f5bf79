from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from products import clock
from products.models import ChecklistItem, Product, Team

if TYPE_CHECKING:
    from accounts.models import User

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


class Sprint(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(_("name"), max_length=120)
    goal = models.TextField(_("sprint goal"), blank=True)
    start_date = models.DateField(_("start date"))
    # Inclusive: a two-week sprint from Monday the 1st ends on Sunday the 14th.
    end_date = models.DateField(_("end date"))
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
                name="sprints_sprint_length_2_to_4_weeks",
                violation_error_message=_("A sprint lasts from 14 to 28 days."),
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(state="active"),
                name="sprints_sprint_one_active_per_team",
                violation_error_message=_("This team already has an active sprint."),
            ),
            models.UniqueConstraint(fields=["team", "name"], name="sprints_sprint_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.team.product_id, self.team_id

    @property
    def length_days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def is_active(self) -> bool:
        return self.state == SprintState.ACTIVE

    def day_number(self, today: dt.date) -> int:
        """1 on the first day; clamped to the sprint."""
        return min(max((today - self.start_date).days + 1, 1), self.length_days)

    @property
    def working_days(self) -> int:
        """Days of the sprint that are working days of its team (no public holidays yet)."""
        weekdays = set(self.team.working_days)
        return sum(
            (self.start_date + dt.timedelta(days=n)).isoweekday() in weekdays
            for n in range(self.length_days)
        )


class ImpedimentQuerySet(models.QuerySet["Impediment"]):
    def open(self) -> ImpedimentQuerySet:
        return self.filter(resolved_at__isnull=True)


class Impediment(models.Model):
    """Something that blocks a team: raised on a card of the board or in the daily meeting."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="impediments")
    sprint = models.ForeignKey(
        Sprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="impediments"
    )
    # SET_NULL: a deleted story's impediments stay in the team's history.
    story = models.ForeignKey(
        "backlog.Story",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="impediments",
        verbose_name=_("story"),
    )
    reason = models.TextField(_("reason"))
    # Who sees it through (defaults to whoever raised it), and the daily meeting it was
    # raised in, if any.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    raised_in = models.ForeignKey(
        "ceremonies.Ceremony",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="impediments_raised",
        verbose_name=_("raised in"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=clock.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # PROTECT, not SET_NULL: a resolved impediment must keep who resolved it (constraint below).
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)

    objects = ImpedimentQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = _("impediment")
        verbose_name_plural = _("impediments")
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True, resolution_note="")
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="sprints_impediment_resolved_together",
                violation_error_message=_(
                    "An impediment is resolved with a time and by someone, or open with neither "
                    "(and no resolution note)."
                ),
            ),
        ]
        indexes = [
            # Impediment.objects.open().filter(team=…): the board's blocked markers, and the
            # team's open impediments on the daily meeting and the product overview.
            models.Index(
                fields=["team", "opened_at"],
                condition=Q(resolved_at__isnull=True),
                name="sprints_impediment_open",
            ),
        ]

    def __str__(self) -> str:
        return self.reason

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.team.product_id, self.team_id

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class MemberAvailability(models.Model):
    """Days a member of the team is away during a sprint: scales the planning's capacity."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="availabilities")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    days_off = models.SmallIntegerField(_("days off"), default=0)

    class Meta:
        verbose_name = _("member availability")
        verbose_name_plural = _("member availabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["sprint", "user"], name="sprints_memberavailability_unique_per_sprint"
            ),
            models.CheckConstraint(
                condition=Q(days_off__gte=0),
                name="sprints_memberavailability_days_off_not_negative",
                violation_error_message=_("Days off can't be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.days_off}"

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.sprint.access_scope


class DoneCheck(models.Model):
    """One item of the product's Definition of Done, ticked for one story."""

    story = models.ForeignKey("backlog.Story", on_delete=models.CASCADE, related_name="done_checks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="done_checks")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"), default=clock.now)

    class Meta:
        verbose_name = _("Definition of Done check")
        verbose_name_plural = _("Definition of Done checks")
        constraints = [
            # Also serves the board's count of ticked items per card (views/board.card_rows).
            models.UniqueConstraint(
                fields=["story", "item"], name="sprints_donecheck_unique_per_story_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.story_id}: {self.item_id}"


class Acceptance(models.Model):
    """The PO accepted the story as done. Sending it back deletes the row (events keep both)."""

    story = models.OneToOneField(
        "backlog.Story", on_delete=models.CASCADE, related_name="acceptance"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), default=clock.now)

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")

    def __str__(self) -> str:
        return f"{self.story_id}"

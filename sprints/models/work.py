from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backlog.models import Sprint, Story
from core import clock
from core.fields import text_field
from products.models import ChecklistItem, Team

if TYPE_CHECKING:
    pass


class ImpedimentQuerySet(models.QuerySet["Impediment"]):
    def open(self) -> ImpedimentQuerySet:
        return self.filter(resolved_at__isnull=True)

    def on_board(self, team: Team, sprint: Sprint) -> ImpedimentQuerySet:
        """The open impediments on the cards of the team's sprint (the board's flags)."""
        return self.open().filter(team=team, story__sprint=sprint)

    def listed(self) -> ImpedimentQuerySet:
        """Oldest first, with the story, the owner and the daily that raised it."""
        return self.select_related("story", "owner", "raised_in").order_by("opened_at", "id")


class Impediment(models.Model):
    """Something that blocks a team: raised on a card of the board or in the daily meeting."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="impediments")
    sprint = models.ForeignKey(
        Sprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="impediments"
    )
    # SET_NULL: a deleted story's impediments stay in the team's history.
    story = models.ForeignKey(
        Story,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="impediments",
        verbose_name=_("story"),
    )
    reason = text_field(_("reason"))
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
        "Ceremony",
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
    resolution_note = text_field(_("resolution note"), blank=True)

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

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="done_checks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="done_checks")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"), default=clock.now)

    class Meta:
        verbose_name = _("Definition of Done check")
        verbose_name_plural = _("Definition of Done checks")
        constraints = [
            # Also serves the board's count of ticked items per card (models/cards.py).
            models.UniqueConstraint(
                fields=["story", "item"], name="sprints_donecheck_unique_per_story_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.story_id}: {self.item_id}"

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.story.access_scope

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        return self.story.product_id, self.story.team_id, self.story.sprint_id


class Acceptance(models.Model):
    """The PO accepted the story as done. Sending it back deletes the row (events keep both)."""

    story = models.OneToOneField(Story, on_delete=models.CASCADE, related_name="acceptance")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), default=clock.now)

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")

    def __str__(self) -> str:
        return f"{self.story_id}"

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from products.models import Team
from sprints.models import Sprint


class CeremonyKind(models.TextChoices):
    PLANNING = "planning", _("Sprint planning")
    DAILY = "daily", _("Daily meeting")
    REFINEMENT = "refinement", _("Backlog refinement")
    REVIEW = "review", _("Sprint review")
    RETROSPECTIVE = "retrospective", _("Retrospective")


class Ceremony(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="ceremonies")
    sprint = models.ForeignKey(
        Sprint, on_delete=models.CASCADE, null=True, blank=True, related_name="ceremonies"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CeremonyKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    location = models.CharField(_("location or video link"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("ceremony")
        verbose_name_plural = _("ceremonies")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0, duration_minutes__lte=8 * 60),
                name="ceremonies_ceremony_duration_range",
            ),
        ]
        indexes = [
            # The team calendar and "today's daily": ceremonies of a team from a time on.
            models.Index(fields=["team", "starts_at"], name="ceremonies_team_starts"),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.team.product_id, self.team_id

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

"""The event log: what every service appends in the transaction that did it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import clock


class EventQuerySet(models.QuerySet["Event"]):
    def for_object(self, object_type: str, object_id: int) -> EventQuerySet:
        return self.filter(object_type=object_type, object_id=object_id)

    def for_sprint_since(self, sprint_id: int, since: dt.datetime) -> EventQuerySet:
        return self.filter(sprint_id=sprint_id, created_at__gt=since)


class Event(models.Model):
    """One thing that happened, appended by a service in the transaction that did it."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(_("verb"), max_length=40)
    # Plain ids, not foreign keys: the log sits below every app whose rows it names.
    # Products, teams and sprints are archived or closed, never deleted.
    product_id = models.BigIntegerField()
    team_id = models.BigIntegerField(null=True, blank=True)
    sprint_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.BigIntegerField(_("object id"))
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=clock.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # EventQuerySet.for_sprint_since: the daily digest, burndown and cumulative flow.
            models.Index(fields=["sprint_id", "created_at"], name="core_event_sprint_time"),
            # EventQuerySet.for_object: a story's history.
            models.Index(
                fields=["object_type", "object_id", "created_at"], name="core_event_object"
            ),
            # The product's activity feed and reports over a period.
            models.Index(fields=["product_id", "created_at"], name="core_event_product_time"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Events are append-only.")
        super().save(*args, **kwargs)

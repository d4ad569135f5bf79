from __future__ import annotations

from django.contrib import admin

from backlog.models import Sprint
from core.admin import ReadOnlyAdmin
from sprints.models import Acceptance, Ceremony, DoneCheck, Impediment, MemberAvailability


@admin.register(Sprint)
class SprintAdmin(ReadOnlyAdmin):
    list_display = ["name", "team", "state", "start_date", "end_date", "committed_points"]
    list_filter = ["state", "team"]
    list_select_related = ["team"]


@admin.register(Impediment)
class ImpedimentAdmin(ReadOnlyAdmin):
    list_display = ["reason", "team", "story", "opened_at", "resolved_at"]
    list_filter = ["team"]
    list_select_related = ["team", "story"]


@admin.register(MemberAvailability)
class MemberAvailabilityAdmin(ReadOnlyAdmin):
    list_display = ["sprint", "user", "days_off"]
    list_select_related = ["sprint", "user"]


@admin.register(DoneCheck)
class DoneCheckAdmin(ReadOnlyAdmin):
    list_display = ["story", "item", "checked_by", "checked_at"]
    list_select_related = ["story", "item", "checked_by"]


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["story", "accepted_by", "accepted_at"]
    list_select_related = ["story", "accepted_by"]


@admin.register(Ceremony)
class CeremonyAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "team", "kind", "starts_at", "duration_minutes", "cancelled"]
    list_filter = ["kind", "team"]
    list_select_related = ["team"]

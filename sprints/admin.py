from __future__ import annotations

from django.contrib import admin

from products.admin import ReadOnlyAdmin
from sprints.models import Impediment, Sprint


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

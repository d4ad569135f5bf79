from __future__ import annotations

from django.contrib import admin

from ceremonies.models import Ceremony
from products.admin import ReadOnlyAdmin


@admin.register(Ceremony)
class CeremonyAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "team", "kind", "starts_at", "duration_minutes", "cancelled"]
    list_filter = ["kind", "team"]
    list_select_related = ["team"]

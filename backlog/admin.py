from __future__ import annotations

from django.contrib import admin

from backlog.models import Epic, Label, Release, Story, Task
from core.admin import ReadOnlyAdmin


@admin.register(Story)
class StoryAdmin(ReadOnlyAdmin):
    list_display = ["title", "product", "team", "sprint", "status", "points", "rank"]
    list_filter = ["product", "kind"]
    list_select_related = ["product", "team", "sprint", "status"]
    search_fields = ["title"]


admin.site.register([Epic, Release, Label, Task], ReadOnlyAdmin)

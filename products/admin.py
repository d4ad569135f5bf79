"""The admin shows domain data read-only: every change goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from products.models import Event, Membership, Product, Status, Team


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "product", "timezone", "daily_time"]
    list_filter = ["product"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "product", "team", "role"]
    list_filter = ["product", "role"]
    list_select_related = ["user", "product", "team"]


@admin.register(Status)
class StatusAdmin(ReadOnlyAdmin):
    list_display = ["name", "product", "category", "position", "wip_limit"]
    list_filter = ["product"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "verb", "actor", "product", "object_type", "object_id"]
    list_filter = ["verb", "product"]
    list_select_related = ["actor", "product"]

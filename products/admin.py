"""The admin shows domain data read-only: every change goes through the services."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from products.models import Membership, Product, Status, Team


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

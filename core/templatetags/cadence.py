from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from core import access, live
from core.markdown import render_cached

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, capability: str, obj: Any) -> bool:
    """``{% can "edit_story" story as allowed %}``: ask the policy from a template."""
    return access.can(context["request"].user, capability, obj)


@register.filter
def markdown(text: str) -> SafeString:
    return mark_safe(render_cached(text or ""))  # noqa: S308 - sanitised by nh3 in render()


@register.simple_tag
def live_group(obj: Any) -> str:
    """``{% live_group sprint %}``: the live channel group of a product, team or sprint."""
    return live.group_name(obj)


@register.filter
def sprint_day(sprint: Any, today: Any) -> int:
    day: int = sprint.day_number(today)  # a backlog.models.Sprint, which core can't import
    return day


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None

from __future__ import annotations

from typing import Any

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

from products import access

register = template.Library()

# What rendered Markdown may keep: no script, style, iframe or event-handler attribute.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "ul", "input",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "input": {"type", "checked", "disabled"}}


@register.simple_tag(takes_context=True)
def can(context: template.Context, capability: str, obj: Any) -> bool:
    """``{% can "edit_story" story as allowed %}``: ask the policy from a template."""
    return access.can(context["request"].user, capability, obj)


@register.filter
def markdown(text: str) -> SafeString:
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


@register.filter
def sprint_day(sprint: Any, today: Any) -> int:
    return sprint.day_number(today)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None

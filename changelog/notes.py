"""Release notes as Markdown: the titles of done stories, escaped, under one heading per
kind."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from backlog.models import StoryKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Headings of the release notes, one per kind of story, in this order.
KIND_HEADINGS: dict[str, StrOrPromise] = {
    StoryKind.STORY: gettext_lazy("Stories"),
    StoryKind.BUG: gettext_lazy("Bugs"),
    StoryKind.SPIKE: gettext_lazy("Spikes"),
    StoryKind.CHORE: gettext_lazy("Chores"),
}

# A story title is text, not Markdown: escape what would format it or start a block.
_INLINE = re.compile(r"([\\`*_\[\]])")
_LINE_START = re.compile(r"^(\s*)([#>+!-]|\d+\.)")


def escape_markdown(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text).replace("<", "&lt;")
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def release_notes_body(stories: Iterable[tuple[str, str]]) -> str:
    """Markdown bullets of (kind, title) pairs under one heading per kind."""
    by_kind: dict[str, list[str]] = {kind: [] for kind in KIND_HEADINGS}
    for kind, title in stories:
        by_kind.setdefault(kind, []).append(title)
    sections = []
    for kind, titles in by_kind.items():
        if titles:
            heading = KIND_HEADINGS.get(kind, kind)
            bullets = "\n".join(f"- {escape_markdown(title)}" for title in titles)
            sections.append(f"### {heading}\n\n{bullets}")
    return "\n\n".join(sections) + "\n"

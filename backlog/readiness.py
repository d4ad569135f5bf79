"""Acceptance criteria as a checklist, and a story measured against the Definition of Ready."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backlog.models import Story
from products.models import ChecklistItem, ChecklistKind, ChecklistRule

# "- [ ] text", "* [x] text", "1. text" or a plain line: one criterion each.
CRITERION = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*(?:\[(?P<mark>[ xX])\]\s*)?(?P<text>.*\S)\s*$")
SMALL_ENOUGH = 13


@dataclass(frozen=True)
class Criterion:
    index: int
    text: str
    done: bool


def criteria(text: str) -> list[Criterion]:
    out = []
    for line in text.splitlines():
        match = CRITERION.match(line)
        if match:
            done = (match.group("mark") or " ").lower() == "x"
            out.append(Criterion(len(out), match.group("text"), done))
    return out


def with_criterion_toggled(text: str, index: int) -> str:
    """The same text with criterion ``index`` ticked or unticked; other lines untouched."""
    lines, seen = text.splitlines(), -1
    for n, line in enumerate(lines):
        match = CRITERION.match(line)
        if not match:
            continue
        seen += 1
        if seen == index:
            done = (match.group("mark") or " ").lower() == "x"
            lines[n] = f"- [{' ' if done else 'x'}] {match.group('text')}"
            return "\n".join(lines)
    raise IndexError(index)


def _has_open_blocker(story: Story) -> bool:
    # A list page annotates the answer for every row at once (one query, not one per row).
    if hasattr(story, "has_open_blocker"):
        return bool(story.has_open_blocker)
    # Impediments live in the sprints app, above this one: reach them by the reverse name.
    related = getattr(story, "impediments", None)
    return related is not None and related.filter(resolved_at__isnull=True).exists()


@dataclass(frozen=True)
class Check:
    item: ChecklistItem
    met: bool | None  # None: a person has to judge it


def check_ready(story: Story, items: list[ChecklistItem] | None = None) -> list[Check]:
    if items is None:
        items = list(story.product.checklist.filter(kind=ChecklistKind.READY))
    rules = {
        ChecklistRule.HAS_ACCEPTANCE_CRITERIA: lambda: bool(criteria(story.acceptance_criteria)),
        ChecklistRule.IS_ESTIMATED: lambda: story.points is not None,
        ChecklistRule.SMALL_ENOUGH: lambda: (
            story.points is not None and story.points <= SMALL_ENOUGH
        ),
        ChecklistRule.NO_OPEN_BLOCKER: lambda: not _has_open_blocker(story),
    }
    return [Check(item, rules[item.rule]() if item.rule in rules else None) for item in items]


def missing(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.met is False]

"""Acceptance criteria as a checklist, and a story measured against the Definition of Ready."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from backlog.models import Story
from products.models import ChecklistItem, ChecklistKind, ChecklistRule, Product, ReadinessRule

NUMBER = re.compile(r"\d+[.)]")
SMALL_ENOUGH = 13


@dataclass(frozen=True)
class Criterion:
    index: int
    text: str
    done: bool


def parse_line(line: str) -> tuple[str, bool] | None:
    """A criterion's text and whether it is ticked, or None for a blank line.

    "- [ ] text", "* [x] text", "1. text" or a plain line. Written with string methods, in
    time linear in the line: the regular expression it replaces backtracked for 40 s on a
    line of 2,000 spaces. A marker with nothing after it is the text ("-", "- [x]").
    """
    rest = line.strip()
    if not rest:
        return None
    if rest[0] in "-*+":
        after_bullet = rest[1:].lstrip()
    elif number := NUMBER.match(rest):
        after_bullet = rest[number.end() :].lstrip()
    else:
        after_bullet = rest
    if not after_bullet:
        return rest, False
    if len(after_bullet) > 3 and after_bullet[0] == "[" and after_bullet[2] == "]":
        mark, text = after_bullet[1], after_bullet[3:].lstrip()
        if mark in " xX" and text:
            return text, mark in "xX"
    return after_bullet, False


def criteria(text: str) -> list[Criterion]:
    out: list[Criterion] = []
    for line in text.splitlines():
        parsed = parse_line(line)
        if parsed:
            out.append(Criterion(len(out), parsed[0], parsed[1]))
    return out


def with_criterion_toggled(text: str, index: int) -> str:
    """The same text with criterion ``index`` ticked or unticked; other lines untouched."""
    lines, seen = text.splitlines(), -1
    for n, line in enumerate(lines):
        parsed = parse_line(line)
        if not parsed:
            continue
        seen += 1
        if seen == index:
            text, done = parsed
            lines[n] = f"- [{' ' if done else 'x'}] {text}"
            return "\n".join(lines)
    raise IndexError(index)


@dataclass(frozen=True)
class Check:
    item: ChecklistItem
    met: bool | None  # None: a person has to judge it


def check_ready(story: Story, items: list[ChecklistItem] | None = None) -> list[Check]:
    if items is None:
        items = list(story.product.checklist.filter(kind=ChecklistKind.READY))
    # Keyed by str: an item's ``rule`` column is a plain string (one of ChecklistRule's).
    rules: dict[str, Callable[[], bool]] = {
        ChecklistRule.HAS_ACCEPTANCE_CRITERIA: lambda: bool(criteria(story.acceptance_criteria)),
        ChecklistRule.IS_ESTIMATED: lambda: story.points is not None,
        ChecklistRule.SMALL_ENOUGH: lambda: (
            story.points is not None and story.points <= SMALL_ENOUGH
        ),
        ChecklistRule.NO_OPEN_BLOCKER: lambda: not story.blocked,
    }
    return [Check(item, rules[item.rule]() if item.rule in rules else None) for item in items]


def missing(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.met is False]


class NotReady(ValidationError):
    """A refusal for the Definition of Ready: the reason, and the items the story misses.

    ``confirmable`` when the product only warns: the same call with ``confirm`` goes
    through. The API answers it as 400 with ``detail`` and ``missing`` (the items' texts)."""

    def __init__(self, reason: str, missing: list[Check], *, confirmable: bool) -> None:
        self.reason, self.missing, self.confirmable = reason, missing, confirmable
        super().__init__({"detail": [reason], "missing": [c.item.text for c in missing]})


def rule_of(product_id: int) -> str:
    """The product's readiness rule as it is in the table, not as a row in memory says."""
    return Product.objects.values_list("readiness_rule", flat=True).get(pk=product_id)


def check_may_mark_ready(story: Story, *, confirm: bool) -> None:
    """Refuses to mark ready a story that misses Definition of Ready items: always when the
    product enforces its Definition of Ready, unless confirmed when it only warns."""
    lacking = missing(check_ready(story))
    if not lacking:
        return
    if rule_of(story.product_id) == ReadinessRule.ENFORCE:
        raise NotReady(
            _("This story misses items of the Definition of Ready, which this product enforces."),
            lacking,
            confirmable=False,
        )
    if not confirm:
        raise NotReady(
            _("This story misses items of the Definition of Ready: confirm to mark it ready."),
            lacking,
            confirmable=True,
        )

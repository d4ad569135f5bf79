"""A story's history, read from the event log and put in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Field
from django.utils.translation import gettext_lazy as _

from backlog.models import Epic, Release, Sprint, Story
from core.models import Event
from products.models import Status, Team

VERBS = {
    "story.created": _("created the story"),
    "story.updated": _("edited the story"),
    "story.moved": _("moved the story"),
    "story.ready": _("marked it ready"),
    "story.unready": _("marked it not ready"),
    "story.added_to_sprint": _("added it to a sprint"),
    "story.removed_from_sprint": _("took it out of its sprint"),
    "story.accepted": _("accepted the story"),
    "story.rejected": _("sent the story back"),
    "story.labelled": _("added a label"),
    "story.unlabelled": _("removed a label"),
}
# Fields shown in a change, with the model that an id of that field names.
LOOKUPS: dict[str, Any] = {
    "status": Status,
    "team": Team,
    "epic": Epic,
    "release": Release,
    "assignee": get_user_model(),
    "sprint": Sprint,
}
# Keys the reports read but the history doesn't show as changes (the WIP ones get a note).
HIDDEN = {"rank", "active", "wip_exceeded", "wip_count", "wip_limit"}
# Sprint events carry points and team for the reports; the history only names the sprint.
ONLY = {"story.added_to_sprint": {"sprint"}, "story.removed_from_sprint": {"sprint"}}


@dataclass
class Change:
    label: str
    old: Any
    new: Any


@dataclass
class Entry:
    event: Event
    text: str
    changes: list[Change] = field(default_factory=list)
    reordered: bool = False
    over_limit: tuple[int, int] | None = None  # (count, limit) when the move broke a WIP limit


def _label(name: str) -> str:
    if name == "label":  # the label events' key, not a story field
        return str(_("Label"))
    try:
        field = Story._meta.get_field(name)
    except Exception:  # a key that isn't a story field (e.g. "stories")
        return name
    # A reverse relation has no verbose name: its key is shown as it is.
    return str(field.verbose_name).capitalize() if isinstance(field, Field) else name


def story_history(story: Story, limit: int = 50) -> list[Entry]:
    events = list(
        Event.objects.for_object("story", story.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    wanted: dict[str, set[int]] = {name: set() for name in LOOKUPS}
    for event in events:
        for values in (event.before, event.after):
            for name, value in values.items():
                if name in wanted and isinstance(value, int):
                    wanted[name].add(value)
    names = {
        name: {obj.pk: str(obj) for obj in LOOKUPS[name].objects.filter(pk__in=ids)}
        for name, ids in wanted.items()
        if ids
    }

    def show(name: str, value: Any) -> Any:
        if value in (None, ""):
            return "—"
        return names.get(name, {}).get(value, value) if name in LOOKUPS else value

    entries = []
    for event in events:
        entry = Entry(event=event, text=str(VERBS.get(event.verb, event.verb)))
        if event.after.get("wip_exceeded"):
            entry.over_limit = (event.after.get("wip_count"), event.after.get("wip_limit"))
        keys = event.after.keys() if event.verb != "story.created" else ()
        if event.verb == "story.unlabelled":
            keys = event.before.keys()
        for name in keys:
            only = ONLY.get(event.verb)
            if only is not None and name not in only:
                continue
            if name in HIDDEN or event.before.get(name) == event.after.get(name):
                if name == "rank" and event.before.get(name) != event.after.get(name):
                    entry.reordered = True
                continue
            entry.changes.append(
                Change(
                    _label(name),
                    show(name, event.before.get(name)),
                    show(name, event.after.get(name)),
                )
            )
        entries.append(entry)
    return entries

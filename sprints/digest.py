"""What happened in a sprint since the previous daily meeting, read from the event log.

A pure read: five queries whatever the number of events (the previous daily, the events
with their actors, the product's statuses, the stories and the impediments they name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from backlog.models import Story
from core.models import Event
from products.models import Status, StatusCategory
from sprints.models import Ceremony, Impediment

VERBS = (
    "story.moved",
    "story.added_to_sprint",
    "story.removed_from_sprint",
    "impediment.opened",
    "impediment.resolved",
)

# The digest's groups, in the order the page shows them.
GROUPS = {
    "finished": _("Finished"),
    "moved": _("Moved on the board"),
    "added": _("Added to the sprint"),
    "removed": _("Removed from the sprint"),
    "opened": _("Impediments raised"),
    "resolved": _("Impediments resolved"),
}


@dataclass
class Item:
    """One story (or impediment) in one group, however many events named it."""

    story_id: int | None
    title: str
    at: dt.datetime  # of the latest event that named it
    actors: list[str] = field(default_factory=list)
    detail: str = ""
    # Moves: the status before the first move and after the last one of the period.
    from_status: int | None = None
    to_status: int | None = None


@dataclass
class Group:
    key: str
    label: str
    items: list[Item]


@dataclass
class Digest:
    since: dt.datetime
    until: dt.datetime
    previous: Ceremony | None
    groups: list[Group]
    event_count: int

    @property
    def is_empty(self) -> bool:
        return not self.groups


def since_previous_daily(ceremony: Ceremony, previous: Ceremony | None = None) -> Digest:
    """The sprint's moves, finished stories, scope changes and impediments between the
    previous daily's start (or the sprint's first day) and this daily's start."""
    if previous is None:
        previous = Ceremony.objects.previous_daily(ceremony)
    sprint = ceremony.sprint
    tz = ceremony.team.tzinfo
    if previous is not None:
        since = previous.starts_at
    elif sprint is not None:
        since = dt.datetime.combine(sprint.start_date, dt.time.min, tzinfo=tz)
    else:
        since = ceremony.starts_at - dt.timedelta(days=1)
    until = ceremony.starts_at
    if sprint is None:
        return Digest(since, until, previous, [], 0)
    found = list(
        Event.objects.filter(
            sprint_id=sprint.pk, created_at__gt=since, created_at__lte=until, verb__in=VERBS
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    statuses = {s.pk: s for s in Status.objects.filter(product_id=ceremony.team.product_id)}
    done = {pk for pk, s in statuses.items() if s.category == StatusCategory.DONE}
    story_ids: set[int] = set()
    impediment_ids: set[int] = set()
    for event in found:
        if event.object_type == "story":
            story_ids.add(event.object_id)
        else:
            impediment_ids.add(event.object_id)
            if event.after.get("story"):
                story_ids.add(event.after["story"])
    titles = dict(Story.objects.filter(pk__in=story_ids).values_list("pk", "title"))
    reasons = dict(Impediment.objects.filter(pk__in=impediment_ids).values_list("pk", "reason"))

    items: dict[str, dict[int, Item]] = {key: {} for key in GROUPS}

    def item(key: str, obj_id: int, story_id: int | None, event: Event) -> Item:
        entry = items[key].get(obj_id)
        if entry is None:
            title = titles.get(story_id, "") if story_id else ""
            entry = items[key][obj_id] = Item(story_id=story_id, title=title, at=event.created_at)
        name = event.actor.display_name if event.actor else str(_("Someone"))
        if name not in entry.actors:
            entry.actors.append(name)
        entry.at = event.created_at
        return entry

    for event in found:
        if event.verb == "story.moved":
            old, new = event.before.get("status"), event.after.get("status")
            if old == new:
                continue  # reordered inside its column
            key = "finished" if new in done and old not in done else "moved"
            entry = item(key, event.object_id, event.object_id, event)
            if entry.from_status is None:
                entry.from_status = old
            entry.to_status = new
        elif event.verb == "story.added_to_sprint":
            item("added", event.object_id, event.object_id, event)
        elif event.verb == "story.removed_from_sprint":
            item("removed", event.object_id, event.object_id, event)
        elif event.verb in ("impediment.opened", "impediment.resolved"):
            key = "opened" if event.verb == "impediment.opened" else "resolved"
            entry = item(key, event.object_id, event.after.get("story"), event)
            entry.detail = reasons.get(event.object_id, "")
    # A story that was finished and then moved on again shows once, where it ended.
    for story_id in list(items["finished"]):
        moved = items["moved"].get(story_id)
        if moved is not None and moved.at > items["finished"][story_id].at:
            del items["finished"][story_id]
        elif moved is not None:
            del items["moved"][story_id]

    def status_of(pk: int | None) -> Status | None:
        return statuses.get(pk) if pk is not None else None

    for entry in items["moved"].values():
        before, after = status_of(entry.from_status), status_of(entry.to_status)
        entry.detail = f"{before or '?'} → {after or '?'}"
    groups = [Group(key, str(label), list(items[key].values())) for key, label in GROUPS.items()]
    return Digest(since, until, previous, [g for g in groups if g.items], len(found))

"""The sprint report: what was committed, added, removed, completed and carried over.

``build`` reads the event log and the sprint's stories as they are when the sprint closes;
close_sprint stores the result on the sprint (``Sprint.report``) and nothing writes it
again, so later edits of the stories never change what the report says. Titles and points
are copied into it for that reason. The close page shows ``build``'s result as a preview.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from backlog.models import Story
from core.models import Event

if TYPE_CHECKING:
    from backlog.models import Sprint

# 2: "completed" holds the accepted stories only; "not_accepted" and "returned" are new.
VERSION = 2
SECTIONS = (
    "committed", "added", "removed", "completed", "not_accepted", "carried_over", "returned",
)  # fmt: skip


def _row(story: Any) -> dict[str, Any]:
    return {"id": story.pk, "title": story.title, "points": story.points}


def _section(rows: list[dict[str, Any]], points: int | None = None) -> dict[str, Any]:
    total = sum(r["points"] or 0 for r in rows) if points is None else points
    return {"points": total, "stories": rows}


def _unique(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def build(
    sprint: Sprint,
    *,
    done: list[Story],
    unfinished: list[Story],
    goal_met: bool | None,
    carried_to: Sprint | None,
    returned: Iterable[Story] = (),
    not_accepted: Iterable[Story] = (),
) -> dict[str, Any]:
    """The report of an active sprint closing now: ``done`` are its completed (accepted)
    stories, ``unfinished`` those going to ``carried_to`` (or the backlog), ``returned``
    those sent to the backlog while the rest go to a sprint, ``not_accepted`` the done
    stories the Product Owner did not accept (they are among the other two).

    Three queries: the start event, the scope changes after the start, and the titles of
    stories that left the sprint."""
    started = (
        Event.objects.filter(sprint_id=sprint.pk, verb="sprint.started")
        .order_by("-created_at", "-id")
        .values_list("after", flat=True)
        .first()
    ) or {}
    changes = Event.objects.filter(
        sprint_id=sprint.pk,
        object_type="story",
        verb__in=["story.added_to_sprint", "story.removed_from_sprint"],
    )
    if sprint.started_at is not None:
        changes = changes.filter(created_at__gt=sprint.started_at)
    added: list[int] = []
    removed: list[int] = []
    for verb, story_id in changes.order_by("created_at", "id").values_list("verb", "object_id"):
        (added if verb == "story.added_to_sprint" else removed).append(story_id)
    committed = [int(pk) for pk in started.get("stories", [])]

    returned, not_accepted = list(returned), list(not_accepted)
    here = {s.pk: _row(s) for s in (*done, *unfinished, *returned)}
    elsewhere = set(committed + added + removed) - set(here)
    # A story deleted since keeps its place in the report, without a title.
    rows = here | {
        s.pk: _row(s) for s in Story.objects.filter(pk__in=elsewhere).only("title", "points")
    }

    def listed(ids: list[int]) -> list[dict[str, Any]]:
        return [rows.get(pk, {"id": pk, "title": "", "points": None}) for pk in _unique(ids)]

    return {
        "version": VERSION,
        "goal": sprint.goal,
        "goal_met": goal_met,
        "committed": _section(listed(committed), sprint.committed_points or 0),
        "added": _section(listed(added)),
        "removed": _section(listed(removed)),
        "completed": _section([_row(s) for s in done]),
        "not_accepted": _section([_row(s) for s in not_accepted]),
        "carried_over": _section([_row(s) for s in unfinished])
        | {"to": {"id": carried_to.pk, "name": carried_to.name} if carried_to else None},
        "returned": _section([_row(s) for s in returned]),
    }

"""Appending to the event log, and publishing each event to live viewers after commit.

A service records what it did; nothing else happens inside ``record()``. When a change in
one app must set off work in a higher one, the higher app's service is the one that is
called, and it calls the lower one (creating a sprint schedules its ceremonies in
``sprints.services``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from core import live
from core.models import Event

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("cadence_events_quiet", default=False)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Record events without publishing them: for bulk commands nobody watches live."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


_DERIVED: Any = object()


def scope_of(obj: Any) -> tuple[int, int | None, int | None]:
    """The product, team and sprint an event about ``obj`` belongs to: its
    ``event_scope`` when it has one, else its ``access_scope`` and ``sprint_id``."""
    scope: tuple[int, int | None, int | None] | None = getattr(obj, "event_scope", None)
    if scope is not None:
        return scope
    product_id, team_id = obj.access_scope
    return product_id, team_id, getattr(obj, "sprint_id", None)


def _id(value: Any) -> int | None:
    return value if value is None or isinstance(value, int) else value.pk


def record(
    obj: Any,
    verb: str,
    *,
    actor: User | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    team: Any = _DERIVED,
    sprint: Any = _DERIVED,
) -> Event:
    """Append one event about ``obj`` in the caller's transaction; publish it once that
    commits. Its product, team and sprint are the object's (``scope_of``); ``team`` or
    ``sprint`` (objects or ids) name others when the event belongs elsewhere, e.g. the
    sprint a story just left."""
    product_id, team_id, sprint_id = scope_of(obj)
    if team is not _DERIVED:
        team_id = _id(team)
    if sprint is not _DERIVED:
        sprint_id = _id(sprint)
    event = Event.objects.create(
        actor=actor,
        verb=verb,
        product_id=product_id,
        team_id=team_id,
        sprint_id=sprint_id,
        # A proxy (a board Card) is its concrete model: one object type per table.
        object_type=obj._meta.concrete_model._meta.model_name,
        object_id=obj.pk,
        before=before or {},
        after=after or {},
    )
    if not _quiet.get():
        transaction.on_commit(lambda: publish(event))
    return event


def live_message(event: Event) -> dict[str, Any]:
    """What a live viewer receives: enough to know which card or row to fetch again.

    The actor was given to ``record`` as an object, so naming them costs no query."""
    story_id = event.object_id if event.object_type == "story" else event.after.get("story")
    actor = event.actor if event.actor_id else None
    return {
        "type": "cadence.event",
        "id": event.pk,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "story_id": story_id,
        "status": event.after.get("status"),
        "actor_id": event.actor_id,
        "actor": actor.display_name if actor is not None else "",
        "product_id": event.product_id,
        "team_id": event.team_id,
        "sprint_id": event.sprint_id,
        "at": event.created_at.isoformat(),
    }


def publish(event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = live_message(event)
    groups = live.group_names(
        product_id=event.product_id, team_id=event.team_id, sprint_id=event.sprint_id
    )

    # A membership change also tells the member's own sockets to ask their access again.
    member = (event.before or {}).get("user") or (event.after or {}).get("user")
    if event.verb in live.ACCESS_VERBS and isinstance(member, int):
        groups = [*groups, live.user_group(member)]

    async def send_all() -> None:
        for group in groups:
            kind = "cadence.access" if group.startswith("user-") else message["type"]
            await layer.group_send(group, {**message, "type": kind})

    try:
        if _loop_running():
            # Called from a thread that runs an event loop (an async test harness, say):
            # async_to_sync refuses that thread, so send from a short-lived one.
            worker = threading.Thread(target=async_to_sync(send_all))
            worker.start()
            worker.join()
        else:
            async_to_sync(send_all)()
    except Exception:  # a lost live update must never fail or undo the write
        logger.exception("Could not publish event %s to %s", event.pk, groups)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True

"""Appending to the event log, and publishing each event to live viewers after commit.

``on_record(verb, handler)`` is the one sanctioned way for a change in a lower app to
trigger a higher app's service without importing it (imports go accounts ← products ←
backlog ← sprints ← ceremonies): the higher app registers a handler in its
``AppConfig.ready()``, and ``record()`` calls it synchronously, in the caller's transaction,
right after the event row is written. A handler that raises undoes the whole change. Keep
handlers few, and make each one call a service of its own app (which records its own
events), so the event log still tells the whole story.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from products.models import Event, Product, Team

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


# A handler gets the event just written and the object it is about.
Handler = Callable[[Event, Any], None]
_handlers: defaultdict[str, list[Handler]] = defaultdict(list)


def on_record(verb: str, handler: Handler) -> None:
    """Call ``handler(event, obj)`` inside every ``record()`` of ``verb``, in its transaction.

    Registering the same handler twice for a verb keeps one (``ready()`` may run again)."""
    if handler not in _handlers[verb]:
        _handlers[verb].append(handler)


def off_record(verb: str, handler: Handler) -> None:
    """Forget a handler (for tests)."""
    with contextlib.suppress(ValueError):
        _handlers[verb].remove(handler)


def group_names(*, product_id: int, team_id: int | None, sprint_id: int | None) -> list[str]:
    """The live channel groups an event reaches: its product, team and sprint."""
    names = [f"product-{product_id}"]
    if team_id:
        names.append(f"team-{team_id}")
    if sprint_id:
        names.append(f"sprint-{sprint_id}")
    return names


def record(
    *,
    actor: User | None,
    verb: str,
    product: Product | int,
    obj: Any,
    team: Team | int | None = None,
    sprint_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Event:
    """Append one event in the caller's transaction; publish it once that commits.

    ``product`` and ``team`` may be ids: a hot path (a move) need not load them."""
    event = Event.objects.create(
        actor=actor,
        verb=verb,
        product_id=product if isinstance(product, int) else product.pk,
        team_id=team if isinstance(team, int) or team is None else team.pk,
        sprint_id=sprint_id,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        before=before or {},
        after=after or {},
    )
    if not _quiet.get():
        transaction.on_commit(lambda: publish(event))
    for handler in tuple(_handlers.get(verb, ())):
        handler(event, obj)
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
    groups = group_names(
        product_id=event.product_id, team_id=event.team_id, sprint_id=event.sprint_id
    )

    async def send_all() -> None:
        for group in groups:
            await layer.group_send(group, message)

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

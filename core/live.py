"""The live channel: one websocket per page at /ws/live/, joined to the groups it shows.

An event is published to the groups of its product, team and sprint, each named with the
product it belongs to: ``product-<id>``, ``team-<product id>-<id>``,
``sprint-<product id>-<id>`` (``group_names``; templates write them with ``{% live_group
obj %}``). A page asks to join groups by name; the consumer joins those of products the
user may view, and says which it refused. A name that puts a team or a sprint under the
wrong product is a group nothing is ever published to, so no lookup is needed to refuse
it. Every event committed by a service reaches a socket once, however many of its groups
the event was sent to.

Access is asked again while the socket lives: a member removed from a team or a product
stops hearing it at once. A membership change is also sent to the user's own group
(``user-<id>``, which no page can ask to join), and the socket answers by asking the
grants again and leaving the groups it may no longer see; with none left it closes (4403).
Every GRANTS_TTL seconds a delivery asks again too, in case such a message was lost.

Presence needs no shared store: each socket on a board joins the board's presence group,
says "hello" when it arrives, "here" every HEARTBEAT seconds and "bye" when it leaves;
every socket keeps the viewers it heard from in the last EXPIRY seconds. Through the Redis
channel layer this spans every process; a process that dies is forgotten after EXPIRY.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core import access
from core.access import Capability

GROUP = re.compile(r"^(?:product-(\d{1,18})|(?:team|sprint)-(\d{1,18})-\d{1,18})$")
MAX_GROUPS = 8
GRANTS_TTL = 60.0
# The verbs after which the member they name may see less (or more) than before.
ACCESS_VERBS = frozenset({"membership.removed", "membership.changed"})
HEARTBEAT = 15.0
EXPIRY = 3 * HEARTBEAT


def group_names(*, product_id: int, team_id: int | None, sprint_id: int | None) -> list[str]:
    """The live channel groups an event reaches: its product, team and sprint."""
    names = [f"product-{product_id}"]
    if team_id:
        names.append(f"team-{product_id}-{team_id}")
    if sprint_id:
        names.append(f"sprint-{product_id}-{sprint_id}")
    return names


def user_group(user_id: int) -> str:
    """A user's own group: told when their memberships change."""
    return f"user-{user_id}"


def group_name(obj: Any) -> str:
    """The group of a product, a team or a sprint (``{% live_group obj %}``)."""
    product_id = obj.access_scope[0]
    kind = obj._meta.concrete_model._meta.model_name  # a proxy is its table's kind
    return f"product-{product_id}" if kind == "product" else f"{kind}-{product_id}-{obj.pk}"


class _Product:
    """The access scope of a product known only by its id."""

    def __init__(self, pk: int) -> None:
        self.access_scope = (pk, None)


def allowed_groups(user: Any, names: list[str], *, fresh: bool = False) -> list[str]:
    """The names among ``names`` whose product the user may view; unknown ones are refused
    like foreign ones. ``fresh`` reads the user's grants again (a long-lived socket)."""
    if fresh:
        access.forget(user)
    allowed = []
    for name in names[:MAX_GROUPS]:
        match = GROUP.match(str(name))
        if not match:
            continue
        product_id = int(match[1] or match[2])
        if access.can(user, Capability.VIEW, _Product(product_id)):
            allowed.append(name)
    return allowed


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=4401)
            return
        self.groups_joined: list[str] = []
        self.presence_group: str | None = None
        self.viewers: dict[str, tuple[float, dict[str, Any]]] = {}
        self.seen: deque[int] = deque(maxlen=256)
        self.heartbeat: asyncio.Task[None] | None = None
        self.checked_at = time.monotonic()
        self.own_group = user_group(self.user.pk)
        await self.channel_layer.group_add(self.own_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if (heartbeat := getattr(self, "heartbeat", None)) is not None:
            heartbeat.cancel()
        if presence_group := getattr(self, "presence_group", None):
            await self._presence_send("bye")
            await self.channel_layer.group_discard(presence_group, self.channel_name)
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "own_group", None):
            await self.channel_layer.group_discard(self.own_group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "join":
            await self._join(content.get("groups") or [], content.get("presence"))
        elif content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def _join(self, names: list[str], presence: str | None) -> None:
        user = self.user
        allowed = await database_sync_to_async(allowed_groups)(
            user, [n for n in names if isinstance(n, str)]
        )
        for group in allowed:
            if group not in self.groups_joined:
                await self.channel_layer.group_add(group, self.channel_name)
                self.groups_joined.append(group)
        refused = [n for n in names if n not in allowed]
        await self.send_json({"type": "joined", "groups": allowed, "refused": refused})
        if presence in allowed and self.presence_group is None:
            self.presence_group = f"presence-{presence}"
            await self.channel_layer.group_add(self.presence_group, self.channel_name)
            self.viewers[self.channel_name] = (time.monotonic(), self._me())
            await self._presence_send("hello")
            await self._send_viewers()
            self.heartbeat = asyncio.create_task(self._beat())

    def _me(self) -> dict[str, Any]:
        assert self.user is not None  # connect() closed the socket of a request without one
        return {
            "id": self.user.pk,
            "name": self.user.display_name,
            "initials": self.user.initials,
        }

    async def _presence_send(self, kind: str) -> None:
        assert self.presence_group is not None  # sent only once _join set it
        await self.channel_layer.group_send(
            self.presence_group,
            {"type": f"presence.{kind}", "channel": self.channel_name, "viewer": self._me()},
        )

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            with contextlib.suppress(Exception):  # a Redis hiccup must not end the socket
                await self._presence_send("here")
                await self._forget_silent()

    async def _forget_silent(self) -> None:
        now = time.monotonic()
        gone = [
            channel
            for channel, (seen, _) in self.viewers.items()
            if channel != self.channel_name and now - seen > EXPIRY
        ]
        for channel in gone:
            del self.viewers[channel]
        if gone:
            await self._send_viewers()

    async def _send_viewers(self) -> None:
        by_user = {viewer["id"]: viewer for _, viewer in self.viewers.values()}
        viewers = sorted(by_user.values(), key=lambda v: (v["name"].lower(), v["id"]))
        await self.send_json({"type": "presence", "viewers": viewers})

    # Messages from the channel layer.

    async def cadence_event(self, message: dict[str, Any]) -> None:
        # One event goes to its product, team and sprint groups: a page in several of
        # them hears it once.
        if message["id"] in self.seen:
            return
        if time.monotonic() - self.checked_at > GRANTS_TTL:
            await self._check_access()
        groups = group_names(
            product_id=message["product_id"],
            team_id=message.get("team_id"),
            sprint_id=message.get("sprint_id"),
        )
        if not set(groups) & set(self.groups_joined):
            return  # left meanwhile: the message was already on its way
        self.seen.append(message["id"])
        await self.send_json({**message, "type": "event"})

    async def cadence_access(self, message: dict[str, Any]) -> None:
        """The user's memberships changed (sent to ``user-<id>``)."""
        await self._check_access()

    async def _check_access(self) -> None:
        self.checked_at = time.monotonic()
        if not self.groups_joined:
            return
        allowed = await database_sync_to_async(allowed_groups)(
            self.user, self.groups_joined, fresh=True
        )
        lost = [group for group in self.groups_joined if group not in allowed]
        for group in lost:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.remove(group)
        if self.presence_group and self.presence_group.removeprefix("presence-") in lost:
            await self._presence_send("bye")
            await self.channel_layer.group_discard(self.presence_group, self.channel_name)
            self.presence_group = None
            if self.heartbeat is not None:
                self.heartbeat.cancel()
        if lost and not self.groups_joined:
            await self.send_json({"type": "revoked"})
            await self.close(code=4403)

    async def presence_hello(self, message: dict[str, Any]) -> None:
        if message["channel"] == self.channel_name:
            return
        known = message["channel"] in self.viewers
        self.viewers[message["channel"]] = (time.monotonic(), message["viewer"])
        # The newcomer hears from everyone at once, not at the next heartbeat.
        await self.channel_layer.send(
            message["channel"],
            {"type": "presence.here", "channel": self.channel_name, "viewer": self._me()},
        )
        if not known:
            await self._send_viewers()

    async def presence_here(self, message: dict[str, Any]) -> None:
        known = message["channel"] in self.viewers
        self.viewers[message["channel"]] = (time.monotonic(), message["viewer"])
        if not known:
            await self._send_viewers()

    async def presence_bye(self, message: dict[str, Any]) -> None:
        if message["channel"] == self.channel_name:
            return
        if self.viewers.pop(message["channel"], None) is not None:
            await self._send_viewers()

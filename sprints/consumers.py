"""The live channel: one websocket per page at /ws/live/, joined to the groups it shows.

A page asks to join groups by name (``product-<id>``, ``team-<id>``, ``sprint-<id>``, the
names ``products.events.group_names`` publishes to); the consumer joins only those of
products the user may view, and says which it refused. Every event committed by a service
reaches it once, however many of its groups the event was sent to.

Presence needs no shared store: each socket on a board joins the board's presence group,
says "hello" when it arrives, "here" every HEARTBEAT seconds and "bye" when it leaves;
every socket keeps the viewers it heard from in the last EXPIRY seconds. Through the Redis
channel layer this spans every process; a process that dies is forgotten after EXPIRY.

It lives in sprints because a sprint's group is checked through its team: the lowest app
that knows products, teams and sprints.
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

from products import access
from products.access import Capability
from products.models import Product, Team
from sprints.models import Sprint

GROUP = re.compile(r"^(product|team|sprint)-(\d{1,18})$")
MAX_GROUPS = 8
HEARTBEAT = 15.0
EXPIRY = 3 * HEARTBEAT


def _scoped_object(kind: str, pk: int) -> Product | Team | Sprint | None:
    if kind == "product":
        return Product.objects.filter(pk=pk).first()
    if kind == "team":
        return Team.objects.filter(pk=pk).first()
    return Sprint.objects.select_related("team").filter(pk=pk).first()


def allowed_groups(user: Any, names: list[str]) -> list[str]:
    """The names among ``names`` whose product the user may view; unknown ones are refused
    like foreign ones."""
    allowed = []
    for name in names[:MAX_GROUPS]:
        match = GROUP.match(str(name))
        if not match:
            continue
        obj = _scoped_object(match[1], int(match[2]))
        if obj is not None and access.can(user, Capability.VIEW, obj):
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
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "heartbeat", None) is not None:
            self.heartbeat.cancel()
        if getattr(self, "presence_group", None):
            await self._presence_send("bye")
            await self.channel_layer.group_discard(self.presence_group, self.channel_name)
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

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
        return {
            "id": self.user.pk,
            "name": self.user.display_name,
            "initials": self.user.initials,
        }

    async def _presence_send(self, kind: str) -> None:
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
        self.seen.append(message["id"])
        await self.send_json({**message, "type": "event"})

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

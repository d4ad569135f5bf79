"""Two server processes on one database and one Redis: a card moved through process B
reaches a board's websocket held by process A within a second.

Skipped where Redis doesn't answer (see tests/live/servers.py); CI starts it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from django.conf import settings
from django.test import Client

from accounts.models import User
from accounts.services import create_api_token
from backlog.models import SprintState
from products.models import Product, Team
from tests.live.servers import run_async, servers
from tests.sprints.factories import SprintFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_move_through_one_process_reaches_a_websocket_on_the_other_within_a_second(
    client: Client,
    po: User,
    developer: User,
    product: Product,
    team: Team,
    make_story: Any,
) -> None:
    sprint = SprintFactory(team=team, state=SprintState.ACTIVE)
    story = make_story(sprint=sprint)
    doing = product.statuses.all()[1]
    client.force_login(developer)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    _, token = create_api_token(user=po, name="two processes")

    async def body(a: Any, b: Any) -> tuple[dict[str, Any], float]:
        headers = {"Cookie": cookie, "Origin": a.url}
        async with (
            websockets.connect(a.ws_url, additional_headers=headers) as socket,
            httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
        ):
            await socket.send(
                json.dumps(
                    {"type": "join", "groups": [f"sprint-{sprint.team.product_id}-{sprint.pk}"]}
                )
            )
            joined = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert joined["groups"] == [f"sprint-{sprint.team.product_id}-{sprint.pk}"]
            assert (await http.get(f"{b.url}/api/v1/stories/{story.pk}/")).status_code == 200
            started = time.monotonic()
            response = await http.post(
                f"{b.url}/api/v1/stories/{story.pk}/move/", json={"status": doing.pk}
            )
            assert response.status_code == 200, response.text
            message = json.loads(await asyncio.wait_for(socket.recv(), 1.0))
            return message, time.monotonic() - started

    with servers(2) as (a, b):
        message, elapsed = run_async(body, a, b)

    assert message["type"] == "event"
    assert message["verb"] == "story.moved"
    assert message["story_id"] == story.pk
    assert message["status"] == doing.pk
    assert message["actor"] == po.display_name
    assert elapsed < 1.0

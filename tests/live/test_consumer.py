"""The live channel: who may join which group, what a socket hears after a service commits,
and who else is on the board.

Async bodies run in an event loop of their own thread (run_async); the services run in a
worker thread (database_sync_to_async), as in a server, so the data must be committed:
transactional_db."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from accounts.models import User
from backlog import services as backlog_services
from backlog.models import Sprint, SprintState
from core import live
from core.access import Role
from core.live import LiveConsumer
from products import services as products_services
from products.models import Membership, Product, Team
from tests.live.servers import run_async
from tests.products.factories import ProductFactory, TeamFactory
from tests.sprints.factories import SprintFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run(body: Callable[[], Coroutine[Any, Any, None]]) -> None:
    run_async(body)


async def connect(user: User | None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    if user is not None:
        # What AuthMiddlewareStack would put there; channels' scope type does not list it.
        communicator.scope["user"] = user  # type: ignore[typeddict-unknown-key]
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def join(
    communicator: WebsocketCommunicator, groups: list[str], presence: str | None = None
) -> dict[str, Any]:
    await communicator.send_json_to({"type": "join", "groups": groups, "presence": presence})
    message: dict[str, Any] = await communicator.receive_json_from()
    return message


@pytest.fixture
def active(team: Team) -> Sprint:
    return SprintFactory(team=team, state=SprintState.ACTIVE)


def _groups(product: Product, team: Team, sprint: Sprint) -> list[str]:
    return [
        f"product-{product.pk}",
        f"team-{product.pk}-{team.pk}",
        f"sprint-{sprint.team.product_id}-{sprint.pk}",
    ]


def test_a_member_joins_the_product_team_and_sprint_groups(
    developer: User, product: Product, team: Team, active: Sprint
) -> None:
    async def body() -> None:
        socket = await connect(developer)
        answer = await join(socket, _groups(product, team, active))
        assert answer == {"type": "joined", "groups": _groups(product, team, active), "refused": []}
        await socket.disconnect()

    run(body)


def test_a_member_of_another_team_of_the_product_may_follow_this_teams_board(
    other_team_developer: User, product: Product, team: Team, active: Sprint
) -> None:
    async def body() -> None:
        socket = await connect(other_team_developer)
        answer = await join(socket, [f"sprint-{active.team.product_id}-{active.pk}"])
        assert answer["groups"] == [f"sprint-{active.team.product_id}-{active.pk}"]
        await socket.disconnect()

    run(body)


def test_a_team_named_under_the_wrong_product_hears_nothing_of_it(
    developer: User, superuser: User, product: Product, make_story: Any
) -> None:
    """A group name carries its product: naming another product's sprint or team under
    one's own product joins a group that nothing is published to."""
    foreign_team = TeamFactory(product=ProductFactory())
    foreign = SprintFactory(team=foreign_team, state=SprintState.ACTIVE)
    story = make_story(product=foreign_team.product, team=foreign_team, sprint=foreign)
    doing = foreign_team.product.statuses.all()[1]
    forged = [f"sprint-{product.pk}-{foreign.pk}", f"team-{product.pk}-{foreign_team.pk}"]
    real = f"sprint-{foreign_team.product_id}-{foreign.pk}"

    async def body() -> None:
        socket = await connect(developer)
        answer = await join(socket, [*forged, real])
        assert answer["groups"] == forged  # under its own product: allowed, and silent
        assert answer["refused"] == [real]
        await database_sync_to_async(backlog_services.move_story)(
            actor=superuser, story=story, status=doing
        )
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    run(body)


def test_an_outsider_joins_nothing_and_hears_nothing(
    outsider: User, po: User, product: Product, team: Team, active: Sprint, make_story: Any
) -> None:
    story = make_story(sprint=active)
    doing = product.statuses.all()[1]

    async def body() -> None:
        socket = await connect(outsider)
        answer = await join(socket, [*_groups(product, team, active), "product-999999", "nonsense"])
        assert answer["groups"] == []
        assert answer["refused"] == [*_groups(product, team, active), "product-999999", "nonsense"]
        await database_sync_to_async(backlog_services.move_story)(
            actor=po, story=story, status=doing
        )
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    run(body)


def test_an_anonymous_socket_is_refused() -> None:
    async def body() -> None:
        communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
        connected, code = await communicator.connect()
        assert not connected
        assert code == 4401

    run(body)


def test_a_move_reaches_the_board_once_after_the_service_commits(
    po: User, developer: User, product: Product, team: Team, active: Sprint, make_story: Any
) -> None:
    story = make_story(sprint=active)
    doing = product.statuses.all()[1]

    async def body() -> None:
        socket = await connect(developer)
        await join(socket, _groups(product, team, active))
        await database_sync_to_async(backlog_services.move_story)(
            actor=po, story=story, status=doing
        )
        message = await socket.receive_json_from(timeout=1)
        assert message["type"] == "event"
        assert message["verb"] == "story.moved"
        assert (message["object_type"], message["object_id"]) == ("story", story.pk)
        assert message["story_id"] == story.pk
        assert message["status"] == doing.pk
        assert (message["actor_id"], message["actor"]) == (po.pk, po.display_name)
        assert message["sprint_id"] == active.pk
        assert isinstance(message["id"], int)
        # Sent to the product, team and sprint groups, heard once.
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    run(body)


def test_a_write_rolled_back_publishes_nothing(
    po: User, developer: User, product: Product, team: Team, active: Sprint, make_story: Any
) -> None:
    story = make_story(sprint=active)
    doing = product.statuses.all()[1]

    def move_then_fail() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            backlog_services.move_story(actor=po, story=story, status=doing)
            raise RuntimeError("undone")

    async def body() -> None:
        socket = await connect(developer)
        await join(socket, _groups(product, team, active))
        await database_sync_to_async(move_then_fail)()
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    run(body)


def test_presence_lists_everyone_on_the_board_and_forgets_who_leaves(
    po: User, developer: User, active: Sprint
) -> None:
    room = f"sprint-{active.team.product_id}-{active.pk}"

    async def body() -> None:
        first = await connect(po)
        await join(first, [room], presence=room)
        alone = await first.receive_json_from()
        assert [v["id"] for v in alone["viewers"]] == [po.pk]

        second = await connect(developer)
        await join(second, [room], presence=room)
        seen_by_second = await second.receive_json_from()
        assert [v["id"] for v in seen_by_second["viewers"]] == [developer.pk]
        # The PO answers the newcomer's hello at once.
        both = await second.receive_json_from(timeout=1)
        assert {v["id"] for v in both["viewers"]} == {po.pk, developer.pk}
        assert {v["initials"] for v in both["viewers"]} == {po.initials, developer.initials}
        seen_by_first = await first.receive_json_from(timeout=1)
        assert {v["id"] for v in seen_by_first["viewers"]} == {po.pk, developer.pk}

        await second.disconnect()
        after = await first.receive_json_from(timeout=1)
        assert [v["id"] for v in after["viewers"]] == [po.pk]
        await first.disconnect()

    run(body)


def test_presence_is_refused_for_a_board_the_user_may_not_see(
    outsider: User, active: Sprint
) -> None:
    room = f"sprint-{active.team.product_id}-{active.pk}"

    async def body() -> None:
        socket = await connect(outsider)
        await join(socket, [room], presence=room)
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()

    run(body)


def test_the_asgi_application_knows_the_user_by_the_session_cookie(
    client: Client, developer: User, active: Sprint
) -> None:
    from config.asgi import application

    client.force_login(developer)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def body() -> None:
        headers = [(b"cookie", cookie.encode()), (b"origin", b"http://localhost")]
        socket = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        connected, _ = await socket.connect()
        assert connected
        answer = await join(socket, [f"sprint-{active.team.product_id}-{active.pk}"])
        assert answer["groups"] == [f"sprint-{active.team.product_id}-{active.pk}"]
        await socket.disconnect()

        foreign = WebsocketCommunicator(
            application, "/ws/live/", headers=[*headers[:1], (b"origin", b"http://evil.example")]
        )
        connected, _ = await foreign.connect()
        assert not connected

    run(body)


def test_a_member_removed_from_the_product_stops_hearing_it_at_once(
    pm: User,
    po: User,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: Any,
) -> None:
    # The board joins only the sprint's group: the removal isn't published there, the
    # member's own group tells the socket to ask again.
    story = make_story(sprint=active)
    doing = product.statuses.all()[1]
    membership = Membership.objects.get(user=developer, product=product)

    async def body() -> None:
        socket = await connect(developer)
        sprint_group = f"sprint-{product.pk}-{active.pk}"
        assert (await join(socket, [sprint_group]))["groups"] == [sprint_group]
        await database_sync_to_async(products_services.remove_member)(
            actor=pm, membership=membership
        )
        assert await socket.receive_json_from(timeout=1) == {"type": "revoked"}
        assert (await socket.receive_output(timeout=1))["type"] == "websocket.close"
        await database_sync_to_async(backlog_services.move_story)(
            actor=po, story=story, status=doing
        )
        assert await socket.receive_nothing(timeout=0.3)

    run(body)


def test_a_member_who_keeps_one_team_keeps_hearing_it(
    pm: User,
    po: User,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: Any,
) -> None:
    # Removed from one team and still in another: the product stays readable, nothing closes.
    other = TeamFactory(product=product, name="Kites", slug="kites")
    Membership.objects.create(user=developer, product=product, team=other, role=Role.DEVELOPER)
    story = make_story(sprint=active)
    doing = product.statuses.all()[1]
    membership = Membership.objects.get(user=developer, product=product, team=team)

    async def body() -> None:
        socket = await connect(developer)
        await join(socket, [f"sprint-{product.pk}-{active.pk}"])
        await database_sync_to_async(products_services.remove_member)(
            actor=pm, membership=membership
        )
        await database_sync_to_async(backlog_services.move_story)(
            actor=po, story=story, status=doing
        )
        message = await socket.receive_json_from(timeout=1)
        assert (message["type"], message["verb"]) == ("event", "story.moved")
        await socket.disconnect()

    run(body)


def test_a_socket_asks_its_grants_again_after_a_while(
    po: User,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A membership deleted without its service (no message to the user's group): the next
    # delivery past GRANTS_TTL asks again and stops there.
    story = make_story(sprint=active)
    doing = product.statuses.all()[1]
    monkeypatch.setattr(live, "GRANTS_TTL", 0.0)

    async def body() -> None:
        socket = await connect(developer)
        await join(socket, [f"sprint-{product.pk}-{active.pk}"])
        await database_sync_to_async(Membership.objects.filter(user=developer).delete)()
        await database_sync_to_async(backlog_services.move_story)(
            actor=po, story=story, status=doing
        )
        assert await socket.receive_json_from(timeout=1) == {"type": "revoked"}

    run(body)

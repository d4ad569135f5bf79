from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import User
from backlog import ranks, services
from backlog.models import RANK_REBALANCE_LENGTH, Sprint, Story, Task
from backlog.services import stories as story_services
from core.access import Role
from core.concurrency import Stale
from core.models import Event
from products.models import Product, StatusCategory, Team
from tests.backlog.factories import EpicFactory, TaskFactory
from tests.conftest import MakeStory
from tests.products.factories import (
    MembershipFactory,
    ProductFactory,
    TeamFactory,
    UserFactory,
    status_of,
)

pytestmark = pytest.mark.django_db


def events_of(obj: Any, verb: str | None = None) -> list[Event]:
    qs = Event.objects.for_object(obj._meta.model_name, obj.pk)
    return list(qs.filter(verb=verb) if verb else qs)


def titles_in_rank_order(product: Product) -> list[str]:
    return list(
        Story.objects.filter(product=product).order_by("rank").values_list("title", flat=True)
    )


def bulk_stories(product: Product, team: Team, count: int) -> list[Story]:
    """``count`` stories of an empty product, evenly ranked, in one INSERT."""
    todo = status_of(product, StatusCategory.TODO)
    Story.objects.bulk_create(
        Story(product=product, team=team, title=f"S{i:03}", status=todo, rank=key)
        for i, key in enumerate(ranks.spread(count))
    )
    return list(Story.objects.filter(product=product).order_by("rank"))


# create_story


def test_create_story_appends_it_after_the_last_story(
    po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    first = make_story()
    story = services.create_story(actor=po, product=product, team=team, title="  Log in  ")
    assert story.title == "Log in"
    assert story.rank > first.rank
    assert story.status == status_of(product, StatusCategory.TODO)
    assert (story.version, story.created_by, story.updated_by) == (1, po, po)


def test_create_story_at_top_puts_it_first(
    po: User, product: Product, make_story: MakeStory
) -> None:
    make_story(title="A")
    make_story(title="B")
    services.create_story(actor=po, product=product, title="Urgent", at_top=True)
    assert titles_in_rank_order(product) == ["Urgent", "A", "B"]


def test_create_story_records_what_it_created(po: User, product: Product, team: Team) -> None:
    story = services.create_story(actor=po, product=product, team=team, title="Log in", points=3)
    (event,) = events_of(story)
    assert (event.verb, event.actor, event.product_id, event.team_id) == (
        "story.created",
        po,
        product.pk,
        team.pk,
    )
    assert event.after["title"] == "Log in"
    assert event.after["points"] == 3
    assert event.after["team"] == team.pk
    assert event.after["rank"] == story.rank


def test_create_story_appends_its_event_in_the_same_transaction(po: User, product: Product) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        story = services.create_story(actor=po, product=product, title="Doomed")
        assert len(events_of(story, "story.created")) == 1
        raise RuntimeError("roll back the caller's transaction")
    assert not Story.objects.filter(title="Doomed").exists()
    assert not Event.objects.filter(verb="story.created").exists()


def test_create_story_publishes_its_event_to_the_team_once_committed(
    po: User,
    product: Product,
    team: Team,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    layer = get_channel_layer()
    assert layer is not None  # settings.CHANNEL_LAYERS has a default layer
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"team-{product.pk}-{team.pk}", channel)
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            story = services.create_story(actor=po, product=product, team=team, title="Live")
        assert len(callbacks) == 1  # nothing is published before the commit
        callbacks[0]()
        message = async_to_sync(layer.receive)(channel)
    finally:
        async_to_sync(layer.flush)()
    assert message["verb"] == "story.created"
    assert message["object_id"] == story.pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"points": 4}, "points"),
        ({"title": "   "}, "title"),
        ({"foreign": "status"}, "status"),
        ({"foreign": "epic"}, "epic"),
        ({"foreign": "team"}, "team"),
    ],
)
def test_create_story_refuses_invalid_values(
    po: User, product: Product, kwargs: dict[str, Any], field: str
) -> None:
    kwargs = {"title": "Log in", **kwargs}
    elsewhere = ProductFactory()
    match kwargs.pop("foreign", None):
        case "status":
            kwargs["status"] = status_of(elsewhere, StatusCategory.TODO)
        case "epic":
            kwargs["epic"] = EpicFactory(product=elsewhere)
        case "team":
            kwargs["team"] = TeamFactory(product=elsewhere)
    with pytest.raises(ValidationError) as excinfo:
        services.create_story(actor=po, product=product, **kwargs)
    assert field in excinfo.value.message_dict
    assert not Story.objects.exists()


def test_create_story_refuses_an_assignee_outside_the_product(
    po: User, outsider: User, product: Product
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.create_story(actor=po, product=product, title="Log in", assignee=outsider)
    assert "assignee" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("role", "in_team", "error"),
    [
        ("developer", "other_team", PermissionDenied),
        ("other_team_po", "team", PermissionDenied),
        ("stakeholder", None, PermissionDenied),
        ("outsider", None, Http404),
    ],
)
def test_create_story_refuses_who_may_not_create_it_there(
    request: pytest.FixtureRequest,
    product: Product,
    role: str,
    in_team: str | None,
    error: type[Exception],
) -> None:
    user: User = request.getfixturevalue(role)
    team = request.getfixturevalue(in_team) if in_team else None
    with pytest.raises(error):
        services.create_story(actor=user, product=product, team=team, title="Log in")
    assert not Story.objects.exists()
    assert not Event.objects.filter(verb="story.created").exists()


@pytest.mark.parametrize(
    ("role", "in_team"),
    [("developer", "team"), ("scrum_master", "team"), ("pm", None), ("other_team_po", None)],
)
def test_create_story_lets_the_team_and_the_pm_create_stories(
    request: pytest.FixtureRequest, product: Product, role: str, in_team: str | None
) -> None:
    user: User = request.getfixturevalue(role)
    team = request.getfixturevalue(in_team) if in_team else None
    story = services.create_story(actor=user, product=product, team=team, title="Log in")
    assert story.team == team


def test_create_story_rebalances_keys_that_grew_too_long(
    po: User,
    product: Product,
    make_story: MakeStory,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # A key grown long by inserts into one gap: appending after it steps the integer part.
    make_story(rank="a0" + "V" * RANK_REBALANCE_LENGTH + "1")
    with django_capture_on_commit_callbacks(execute=True):
        story = services.create_story(actor=po, product=product, title="One more")
    assert story.rank == "a1"


# update_story


def test_update_story_bumps_the_version_and_records_only_changed_fields(
    developer: User, make_story: MakeStory
) -> None:
    story = make_story(title="Old", points=3)
    services.update_story(actor=developer, story=story, version=1, title="New", points=3)
    story.refresh_from_db()
    assert (story.title, story.points, story.version, story.updated_by) == ("New", 3, 2, developer)
    (event,) = events_of(story, "story.updated")
    assert (event.before, event.after) == ({"title": "Old"}, {"title": "New"})


def test_update_story_records_related_objects_by_id(
    developer: User, pm: User, product: Product, make_story: MakeStory
) -> None:
    story = make_story()
    epic = EpicFactory(product=product)
    services.update_story(actor=developer, story=story, version=1, epic=epic, assignee=pm)
    (event,) = events_of(story, "story.updated")
    assert event.before == {"epic": None, "assignee": None}
    assert event.after == {"epic": epic.pk, "assignee": pm.pk}


def test_update_story_refuses_a_stale_version_with_the_current_values(
    po: User, developer: User, make_story: MakeStory
) -> None:
    story = make_story(title="Old")
    seen_by_developer = Story.objects.get(pk=story.pk)
    services.update_story(actor=po, story=story, version=1, title="By the PO")

    with pytest.raises(Stale) as excinfo:
        services.update_story(
            actor=developer, story=seen_by_developer, version=1, title="By the dev", points=5
        )
    current = excinfo.value.current
    assert isinstance(current, Story)
    assert current.title == "By the PO"
    assert current.version == 2
    story.refresh_from_db()
    assert (story.title, story.points, story.version) == ("By the PO", None, 2)
    assert len(events_of(story, "story.updated")) == 1


def test_update_story_refuses_a_stale_version_even_when_nothing_would_change(
    po: User, make_story: MakeStory
) -> None:
    story = make_story(title="Old")
    services.update_story(actor=po, story=story, version=1, title="New")
    with pytest.raises(Stale):
        services.update_story(actor=po, story=story, version=1, title="New")


def test_update_story_without_a_change_writes_nothing(po: User, make_story: MakeStory) -> None:
    story = make_story(title="Same")
    services.update_story(actor=po, story=story, version=1, title="Same")
    story.refresh_from_db()
    assert story.version == 1
    assert events_of(story, "story.updated") == []


@pytest.mark.parametrize("field", ["rank", "status", "sprint", "version", "product"])
def test_update_story_cannot_change_what_other_services_own(
    po: User, make_story: MakeStory, field: str
) -> None:
    story = make_story()
    with pytest.raises(TypeError):
        services.update_story(actor=po, story=story, version=1, **{field: None})


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("stakeholder", PermissionDenied),
        ("other_team_developer", PermissionDenied),
        ("other_team_po", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_update_story_refuses_who_may_not_edit_the_story(
    request: pytest.FixtureRequest, make_story: MakeStory, role: str, error: type[Exception]
) -> None:
    user: User = request.getfixturevalue(role)
    story = make_story(title="Old")
    with pytest.raises(error):
        services.update_story(actor=user, story=story, version=1, title="New")
    story.refresh_from_db()
    assert story.title == "Old"


def test_update_story_refuses_moving_it_to_a_team_out_of_reach(
    po: User, other_team: Team, make_story: MakeStory
) -> None:
    story = make_story()
    with pytest.raises(PermissionDenied):
        services.update_story(actor=po, story=story, version=1, team=other_team)


def test_update_story_lets_any_po_take_a_story_with_no_team(
    other_team_po: User, other_team: Team, make_story: MakeStory
) -> None:
    story = make_story(team=None)
    services.update_story(actor=other_team_po, story=story, version=1, team=other_team)
    story.refresh_from_db()
    assert story.team == other_team


def test_update_story_refuses_another_team_while_in_a_sprint(
    po: User, other_team: Team, sprint: Sprint, make_story: MakeStory
) -> None:
    # Even a PO of both teams must first take the story out of its sprint.
    MembershipFactory(user=po, product=other_team.product, team=other_team, role=Role.PO)
    story = make_story(sprint=sprint)
    with pytest.raises(ValidationError) as excinfo:
        services.update_story(actor=po, story=story, version=1, team=other_team)
    assert "team" in excinfo.value.message_dict


def test_update_story_refuses_an_epic_of_another_product(po: User, make_story: MakeStory) -> None:
    story = make_story()
    with pytest.raises(ValidationError):
        services.update_story(
            actor=po, story=story, version=1, epic=EpicFactory(product=ProductFactory())
        )


def test_update_story_refuses_an_unknown_kind(po: User, make_story: MakeStory) -> None:
    story = make_story()
    with pytest.raises(ValidationError):
        services.update_story(actor=po, story=story, version=1, kind="epic")


# move_story


@pytest.fixture
def abcde(make_story: MakeStory) -> list[Story]:
    return [make_story(title=t) for t in "ABCDE"]


def test_move_story_after_a_neighbour(po: User, product: Product, abcde: list[Story]) -> None:
    a, _, _, d, _ = abcde
    services.move_story(actor=po, story=d, after=a)
    assert titles_in_rank_order(product) == list("ADBCE")


def test_move_story_before_a_neighbour(po: User, product: Product, abcde: list[Story]) -> None:
    a, b, _, _, e = abcde
    services.move_story(actor=po, story=b, before=e)
    services.move_story(actor=po, story=Story.objects.get(title="E"), before=a)
    assert titles_in_rank_order(product) == list("EACDB")


def test_move_story_to_the_end_and_the_top(po: User, product: Product, abcde: list[Story]) -> None:
    a, _, c, _, e = abcde
    services.move_story(actor=po, story=a, after=e)
    services.move_story(actor=po, story=c, before=Story.objects.get(title="B"))
    assert titles_in_rank_order(product) == list("CBDEA")


def test_move_story_records_the_old_and_new_place(po: User, team: Team, abcde: list[Story]) -> None:
    a, _, _, d, _ = abcde
    old_rank = d.rank
    services.move_story(actor=po, story=d, after=a)
    (event,) = events_of(d, "story.moved")
    assert event.before == {"status": d.status_id, "rank": old_rank}
    assert event.after == {"status": d.status_id, "rank": d.rank}
    assert (event.actor, event.team_id) == (po, team.pk)


def test_move_story_changes_the_status_on_the_board(
    developer: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    doing = status_of(product, StatusCategory.IN_PROGRESS)
    first = make_story(sprint=sprint, status=doing)
    story = make_story(sprint=sprint)
    services.move_story(actor=developer, story=story, status=doing, before=first)
    story.refresh_from_db()
    assert story.status == doing
    assert story.rank < first.rank
    (event,) = events_of(story, "story.moved")
    assert event.sprint_id == sprint.pk
    assert event.after["status"] == doing.pk


def test_move_story_to_its_own_place_records_nothing(po: User, abcde: list[Story]) -> None:
    a, b, *_ = abcde
    services.move_story(actor=po, story=b, after=a)
    services.move_story(actor=po, story=a, before=b)
    assert events_of(a, "story.moved") == events_of(b, "story.moved") == []
    assert Story.objects.get(pk=b.pk).rank == b.rank


def test_move_story_with_a_stale_pair_of_neighbours_follows_after(
    po: User, product: Product, abcde: list[Story]
) -> None:
    # The client saw B before D, but D is now after B: "after" wins.
    a, b, _, d, _ = abcde
    services.move_story(actor=po, story=a, after=d, before=b)
    assert titles_in_rank_order(product) == list("BCDAE")
    all_ranks = list(Story.objects.filter(product=product).values_list("rank", flat=True))
    assert len(set(all_ranks)) == len(all_ranks)


def test_move_story_into_a_gap_another_move_just_filled(
    po: User, product: Product, abcde: list[Story]
) -> None:
    a, b, c, d, e = abcde
    services.move_story(actor=po, story=d, after=a)
    # The second user's page still shows B right after A.
    services.move_story(actor=po, story=e, after=a, before=b)
    assert titles_in_rank_order(product) == list("AEDBC")


def test_move_story_retries_when_its_new_rank_was_taken_meanwhile(
    po: User, product: Product, abcde: list[Story], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, _, _, e = abcde
    real_between = ranks.between
    answers = iter([b.rank])  # the first key computed is already b's, as if b moved there

    def between(lo: str | None, hi: str | None) -> str:
        return next(answers, None) or real_between(lo, hi)

    monkeypatch.setattr(ranks, "between", between)
    services.move_story(actor=po, story=e, after=a)
    assert titles_in_rank_order(product) == list("AEBCD")


def test_move_story_refuses_a_neighbour_of_another_product(
    po: User, abcde: list[Story], make_story: MakeStory
) -> None:
    foreign = make_story(product=ProductFactory())
    with pytest.raises(ValidationError):
        services.move_story(actor=po, story=abcde[0], after=foreign)
    with pytest.raises(ValidationError):
        services.move_story(actor=po, story=abcde[0], before=foreign)


def test_move_story_refuses_a_status_of_another_product(po: User, abcde: list[Story]) -> None:
    with pytest.raises(ValidationError):
        services.move_story(
            actor=po, story=abcde[0], status=status_of(ProductFactory(), StatusCategory.DONE)
        )


def test_move_story_refuses_to_place_a_story_next_to_itself(po: User, abcde: list[Story]) -> None:
    with pytest.raises(ValidationError):
        services.move_story(actor=po, story=abcde[0], after=abcde[0])


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("developer", PermissionDenied),
        ("scrum_master", PermissionDenied),
        ("pm", PermissionDenied),
        ("other_team_po", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_move_story_in_the_backlog_is_for_its_po(
    request: pytest.FixtureRequest, abcde: list[Story], role: str, error: type[Exception]
) -> None:
    user: User = request.getfixturevalue(role)
    with pytest.raises(error):
        services.move_story(actor=user, story=abcde[3], after=abcde[0])


@pytest.mark.parametrize("role", ["developer", "scrum_master", "po"])
def test_move_story_in_the_teams_sprint_is_for_the_team(
    request: pytest.FixtureRequest,
    product: Product,
    sprint: Sprint,
    make_story: MakeStory,
    role: str,
) -> None:
    user: User = request.getfixturevalue(role)
    first, second = make_story(sprint=sprint), make_story(sprint=sprint)
    services.move_story(
        actor=user, story=second, before=first, status=status_of(product, StatusCategory.DONE)
    )
    assert Story.objects.filter(sprint=sprint).order_by("rank").first() == second


def test_move_story_in_a_sprint_refuses_another_teams_developer(
    other_team_developer: User, sprint: Sprint, make_story: MakeStory
) -> None:
    first, second = make_story(sprint=sprint), make_story(sprint=sprint)
    with pytest.raises(PermissionDenied):
        services.move_story(actor=other_team_developer, story=second, before=first)


def _move_and_capture(actor: User, story: Story, after: Story) -> CaptureQueriesContext:
    actor = User.objects.get(pk=actor.pk)  # no cached grants, as in a fresh request
    story, after = Story.objects.get(pk=story.pk), Story.objects.get(pk=after.pk)
    with CaptureQueriesContext(connection) as ctx:
        services.move_story(actor=actor, story=story, after=after)
    return ctx


def _statements(ctx: CaptureQueriesContext, prefix: str | tuple[str, ...]) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(prefix)]


@pytest.mark.parametrize("count", [10, 300])
def test_move_story_writes_one_story_row_and_one_event_whatever_the_backlog_size(
    po: User, product: Product, team: Team, count: int
) -> None:
    stories = bulk_stories(product, team, count)
    ctx = _move_and_capture(po, stories[-1], after=stories[0])
    writes = _statements(ctx, ("INSERT", "UPDATE", "DELETE"))
    assert len(writes) == 2, writes
    story_update, event_insert = writes
    assert story_update.startswith('UPDATE "backlog_story"')
    assert 'WHERE "backlog_story"."id" =' in story_update
    assert event_insert.startswith('INSERT INTO "core_event"')


def test_move_story_costs_as_many_queries_with_300_stories_as_with_10(
    po: User, product: Product, team: Team
) -> None:
    stories = bulk_stories(product, team, 10)
    small = _move_and_capture(po, stories[-1], after=stories[0])
    todo = status_of(product, StatusCategory.TODO)
    last = stories[-1].rank
    more = []
    for i in range(290):
        last = ranks.between(last, None)
        more.append(Story(product=product, team=team, title=f"T{i}", status=todo, rank=last))
    Story.objects.bulk_create(more)
    assert Story.objects.filter(product=product).count() == 300
    big = _move_and_capture(po, more[-1], after=stories[3])
    assert len(big.captured_queries) == len(small.captured_queries)


def test_move_story_rebalances_the_product_once_keys_grow_too_long(
    po: User,
    product: Product,
    make_story: MakeStory,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    long = "a0" + "0" * RANK_REBALANCE_LENGTH
    x = make_story(title="X", rank=long + "1")
    make_story(title="Y", rank=long + "2")
    z = make_story(title="Z")
    with django_capture_on_commit_callbacks(execute=True):
        services.move_story(actor=po, story=z, after=x)
    assert titles_in_rank_order(product) == ["X", "Z", "Y"]
    assert max(len(r) for r in Story.objects.values_list("rank", flat=True)) == 2
    assert Event.objects.filter(verb="ranks.rebalanced", product_id=product.pk).count() == 1


# rebalance_ranks


def test_rebalance_ranks_keeps_the_order_and_shortens_the_keys(
    product: Product, make_story: MakeStory
) -> None:
    stories = [make_story(title=f"S{i:02}") for i in range(40)]
    for i, story in enumerate(stories):
        Story.objects.filter(pk=story.pk).update(rank="a0" + "0" * 80 + ranks.DIGITS[i + 1])
    elsewhere = make_story(product=ProductFactory(), rank="a0" + "0" * 80 + "1")
    before = titles_in_rank_order(product)

    assert services.rebalance_ranks(actor=None, product=product) == 40

    assert titles_in_rank_order(product) == before
    assert (
        max(len(r) for r in Story.objects.filter(product=product).values_list("rank", flat=True))
        <= 2
    )
    elsewhere.refresh_from_db()
    assert len(elsewhere.rank) == 83  # other products untouched
    (event,) = Event.objects.filter(verb="ranks.rebalanced")
    assert event.after == {"stories": 40}


# set_story_ready


def test_set_story_ready_marks_it_and_bumps_the_version(po: User, make_story: MakeStory) -> None:
    story = make_story(points=3, acceptance_criteria="- It works")
    services.set_story_ready(actor=po, story=story, ready=True)
    services.set_story_ready(actor=po, story=story, ready=True)
    story.refresh_from_db()
    assert (story.ready, story.version) == (True, 2)
    assert [e.after for e in events_of(story)] == [{"ready": True}]
    services.set_story_ready(actor=po, story=story, ready=False)
    assert [e.verb for e in events_of(story)] == ["story.ready", "story.unready"]


def test_set_story_ready_lets_any_po_mark_a_story_with_no_team(
    other_team_po: User, make_story: MakeStory
) -> None:
    story = services.set_story_ready(
        actor=other_team_po, story=make_story(team=None), ready=True, confirm=True
    )
    assert story.ready


@pytest.mark.parametrize("role", ["developer", "scrum_master", "pm", "other_team_po"])
def test_set_story_ready_is_for_the_teams_po(
    request: pytest.FixtureRequest, make_story: MakeStory, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.set_story_ready(
            actor=request.getfixturevalue(role), story=make_story(), ready=True
        )


# tasks


def test_add_task_appends_tasks_in_order(
    developer: User, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story(sprint=sprint)
    first = services.add_task(actor=developer, story=story, title="Write the test")
    second = services.add_task(
        actor=developer, story=story, title="Make it pass", assignee=developer
    )
    assert first.rank < second.rank
    assert list(story.tasks.values_list("title", flat=True)) == ["Write the test", "Make it pass"]
    (event,) = events_of(second)
    assert (event.verb, event.sprint_id, event.after["story"]) == (
        "task.added",
        sprint.pk,
        story.pk,
    )


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("stakeholder", PermissionDenied),
        ("pm", PermissionDenied),
        ("other_team_developer", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_add_task_is_for_the_team(
    request: pytest.FixtureRequest, make_story: MakeStory, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.add_task(actor=request.getfixturevalue(role), story=make_story(), title="No")
    assert not Task.objects.exists()


def test_add_task_refuses_an_assignee_outside_the_product(
    developer: User, make_story: MakeStory
) -> None:
    with pytest.raises(ValidationError):
        services.add_task(actor=developer, story=make_story(), title="T", assignee=UserFactory())


def test_set_task_done_records_each_change_once(developer: User, make_story: MakeStory) -> None:
    task = TaskFactory(story=make_story())
    services.set_task_done(actor=developer, task=task, done=True)
    services.set_task_done(actor=developer, task=task, done=True)
    services.set_task_done(actor=developer, task=task, done=False)
    task.refresh_from_db()
    assert task.done is False
    assert [e.verb for e in events_of(task)] == ["task.done", "task.reopened"]


def test_set_task_done_refuses_another_teams_developer(
    other_team_developer: User, make_story: MakeStory
) -> None:
    task = TaskFactory(story=make_story())
    with pytest.raises(PermissionDenied):
        services.set_task_done(actor=other_team_developer, task=task, done=True)
    task.refresh_from_db()
    assert task.done is False


# epics, releases, labels


def test_create_epic_appends_it_for_the_pm(pm: User, product: Product) -> None:
    first = services.create_epic(actor=pm, product=product, title="Onboarding")
    second = services.create_epic(
        actor=pm,
        product=product,
        title="Billing",
        start_date=dt.date(2026, 4, 1),
        target_date=dt.date(2026, 6, 30),
    )
    assert first.rank < second.rank
    assert len(events_of(second, "epic.created")) == 1


@pytest.mark.parametrize("role", ["po", "developer", "stakeholder"])
def test_create_epic_is_for_the_pm(
    request: pytest.FixtureRequest, product: Product, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.create_epic(actor=request.getfixturevalue(role), product=product, title="No")


def test_create_epic_refuses_a_target_before_the_start(pm: User, product: Product) -> None:
    with pytest.raises(ValidationError):
        services.create_epic(
            actor=pm,
            product=product,
            title="Backwards",
            start_date=dt.date(2026, 6, 1),
            target_date=dt.date(2026, 5, 1),
        )


def test_create_release_refuses_a_name_already_taken(pm: User, product: Product) -> None:
    services.create_release(actor=pm, product=product, name="1.0", date=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError):
        services.create_release(actor=pm, product=product, name="1.0")


def test_create_label_returns_the_existing_label_of_that_name(
    developer: User, product: Product
) -> None:
    first = services.create_label(actor=developer, product=product, name="ux")
    again = services.create_label(actor=developer, product=product, name="ux")
    assert first == again
    assert len(events_of(first, "label.created")) == 1


# ordering in the database


def test_the_database_orders_rank_keys_as_python_does(
    product: Product, make_story: MakeStory
) -> None:
    # PostgreSQL gets the "C" collation for ranks (migration 0002); a locale collation
    # could sort keys differently from ranks.between.
    keys: list[str] = []
    lo: str | None = None
    for _ in range(60):
        lo = ranks.between(lo, None)
        keys.append(lo)
    keys += [ranks.between(None, keys[0]), ranks.between(keys[0], keys[1]), "0i", "z" * 5 + "i"]
    for key in keys:
        make_story(rank=key)
    in_db = list(
        Story.objects.filter(product=product).order_by("rank").values_list("rank", flat=True)
    )
    assert in_db == sorted(keys)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row-level locking between two connections"
)
def test_two_moves_into_one_gap_at_once_get_distinct_ranks(
    po: User, product: Product, abcde: list[Story], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, *_, d, e = abcde
    barrier = threading.Barrier(2, timeout=10)
    real_bounds = story_services._neighbour_bounds
    waited: set[int] = set()
    reads: list[tuple[str | None, str | None] | None] = []

    def bounds_then_wait(*args: Any) -> tuple[str | None, str | None] | None:
        # Both moves read the same gap before either writes.
        found = real_bounds(*args)
        reads.append(found)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return found

    monkeypatch.setattr(story_services, "_neighbour_bounds", bounds_then_wait)
    errors: list[BaseException] = []

    def move(story: Story) -> None:
        try:
            services.move_story(actor=User.objects.get(pk=po.pk), story=story, after=a)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(s,)) for s in (d, e)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert len(reads) == 3  # the same gap twice, then the loser read it again and retried
    assert reads[0] == reads[1] != reads[2]
    titles = titles_in_rank_order(product)
    assert titles[0] == "A" and set(titles[1:3]) == {"D", "E"}
    all_ranks = list(Story.objects.filter(product=product).values_list("rank", flat=True))
    assert len(set(all_ranks)) == len(all_ranks) == 5


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"position": "top"}, (None, 0)),
        ({"position": "bottom"}, (2, None)),
        ({"to_position": 1}, (None, 0)),
        ({"to_position": 2}, (None, 1)),
        ({"to_position": 3}, (None, 2)),
        ({"to_position": 4}, (2, None)),
        ({"to_position": 400}, (2, None)),
    ],
)
def test_a_place_in_a_list_is_a_pair_of_neighbours(
    make_story: Any, where: dict[str, Any], expected: tuple[int | None, int | None]
) -> None:
    others = [make_story(), make_story()]
    moving = make_story()
    others.append(make_story())
    after, before = Story.objects.list_of(moving).place(moving, **where)
    pick = [None if i is None else others[i].pk for i in expected]
    assert [getattr(after, "pk", None), getattr(before, "pk", None)] == pick


def test_a_place_needs_a_position_from_one(make_story: Any) -> None:
    story = make_story()
    with pytest.raises(ValueError, match="start at 1"):
        Story.objects.list_of(story).place(story, to_position=0)
    with pytest.raises(ValueError, match="Name a position"):
        Story.objects.list_of(story).place(story)


def test_a_sprint_story_is_placed_among_its_sprint(make_story: Any, sprint: Sprint) -> None:
    make_story()
    in_sprint = make_story(sprint=sprint)
    moving = make_story(sprint=sprint)
    assert Story.objects.list_of(moving).place(moving, position="top") == (None, in_sprint)

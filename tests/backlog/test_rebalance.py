from __future__ import annotations

from typing import Any

from backlog import ranks, services
from backlog.models import RANK_REBALANCE_LENGTH, Story
from core.models import Event


def test_many_moves_into_the_same_gap_keep_keys_short_and_the_order_exact(
    po: Any, make_story: Any, django_capture_on_commit_callbacks: Any
) -> None:
    stories = [make_story() for _ in range(120)]
    anchor = stories[0]
    expected = [s.pk for s in stories]
    # ~5 moves into one gap lengthen its keys by a character: 600 force a rebalance or two;
    # tests/bench/backlog.py does 2,000 at 100,000 stories.
    for i in range(600):
        moving = stories[1 + i % 119]
        # Each move is its own request: its on-commit rebalance runs before the next one.
        with django_capture_on_commit_callbacks(execute=True):
            services.move_story(actor=po, story=Story.objects.get(pk=moving.pk), after=anchor)
        expected.remove(moving.pk)
        expected.insert(1, moving.pk)

    keys = list(Story.objects.order_by("rank").values_list("pk", "rank"))
    assert [pk for pk, _ in keys] == expected
    assert max(len(rank) for _, rank in keys) <= RANK_REBALANCE_LENGTH
    rebalances = Event.objects.filter(verb="ranks.rebalanced").count()
    assert 1 <= rebalances <= 5


def test_a_rebalance_rewrites_only_the_neighbourhood(
    po: Any, product: Any, make_story: Any
) -> None:
    stories = [make_story() for _ in range(500)]
    before = dict(Story.objects.values_list("pk", "rank"))
    middle = stories[250]
    moved = services.rebalance_around(product=product, rank=middle.rank)
    after = dict(Story.objects.values_list("pk", "rank"))
    changed = [pk for pk in before if before[pk] != after[pk]]
    assert moved == 2 * services.REBALANCE_WINDOW
    assert len(changed) <= moved
    assert list(Story.objects.values_list("pk", flat=True)) == [s.pk for s in stories]


def test_spread_between_gives_short_ordered_keys_inside_the_gap() -> None:
    keys = ranks.spread_between("a4", "a5", 200)
    assert keys == sorted(keys) and len(set(keys)) == 200
    assert all("a4" < k < "a5" and not k.endswith("0") for k in keys)
    assert max(map(len, keys)) <= 5


def test_a_status_move_from_an_old_copy_keeps_the_current_rank(
    po: Any, developer: Any, product: Any, make_story: Any, sprint: Any
) -> None:
    from products.models import StatusCategory
    from tests.products.factories import status_of

    stories = [make_story(sprint=sprint) for _ in range(5)]
    for i, story in enumerate(stories):  # long keys, as many inserts into one gap leave
        Story.objects.filter(pk=story.pk).update(rank="a0" + "V" * 70 + ranks.DIGITS[i + 1])
    stale = Story.objects.get(pk=stories[2].pk)
    services.rebalance_around(product=product, rank=stale.rank)  # every key changes
    fresh_rank = Story.objects.get(pk=stale.pk).rank
    assert fresh_rank != stale.rank
    done = status_of(product, StatusCategory.DONE)
    services.move_story(actor=developer, story=stale, status=done)
    moved = Story.objects.get(pk=stale.pk)
    assert moved.rank == fresh_rank and moved.status == done
    assert list(Story.objects.values_list("pk", flat=True)) == [s.pk for s in stories]

"""Property-style checks of the rank keys, over seeded random runs (no database)."""

from __future__ import annotations

import bisect
import random

import pytest

from backlog.models import RANK_REBALANCE_LENGTH
from backlog.ranks import DIGITS, RankError, between, spread


def _assert_valid(key: str) -> None:
    assert key, "empty key"
    assert not key.endswith("0"), key
    assert set(key) <= set(DIGITS), key


@pytest.mark.parametrize("seed", range(5))
def test_random_insertions_keep_a_strict_order_and_valid_keys(seed: int) -> None:
    rng = random.Random(seed)
    keys: list[str] = []
    for _ in range(1500):
        i = rng.randint(0, len(keys))
        lo = keys[i - 1] if i > 0 else None
        hi = keys[i] if i < len(keys) else None
        key = between(lo, hi)
        _assert_valid(key)
        assert lo is None or lo < key
        assert hi is None or key < hi
        keys.insert(i, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("seed", range(3))
def test_insertions_between_random_valid_keys_land_strictly_between(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(2000):
        a, b = ("".join(rng.choices(DIGITS, k=rng.randint(1, 6))).rstrip("0") for _ in "ab")
        if not a or not b or a == b:
            continue
        lo, hi = min(a, b), max(a, b)
        key = between(lo, hi)
        _assert_valid(key)
        assert lo < key < hi, (lo, key, hi)


def test_the_first_key_is_the_middle() -> None:
    assert between(None, None) == "i"


def test_many_appends_at_the_end_grow_keys_slowly() -> None:
    keys = [between(None, None)]
    for _ in range(1000):
        keys.append(between(keys[-1], None))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    # One more character about every 18 appends: a backlog of a thousand stories appended
    # one after the other stays below the length that triggers a rebalance.
    assert len(keys[-1]) < RANK_REBALANCE_LENGTH
    assert len(keys[100]) <= 7


def test_many_insertions_at_the_top_grow_keys_slowly() -> None:
    keys = [between(None, None)]
    for _ in range(1000):
        keys.insert(0, between(None, keys[0]))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(not k.endswith("0") for k in keys)
    assert len(keys[0]) < RANK_REBALANCE_LENGTH


def test_repeated_insertions_at_one_spot_grow_about_one_character_per_five() -> None:
    lo, hi = "a", "b"
    for _ in range(100):
        hi = between(lo, hi)
        _assert_valid(hi)
        assert lo < hi
    assert len(hi) <= 25


@pytest.mark.parametrize(
    ("count", "width"),
    [(0, 0), (1, 1), (2, 1), (35, 1), (36, 2), (37, 2), (100, 2), (1295, 2), (1296, 3), (5000, 3)],
)
def test_spread_gives_sorted_unique_keys_as_short_as_the_count_allows(
    count: int, width: int
) -> None:
    keys = spread(count)
    assert len(keys) == count
    assert keys == sorted(keys)
    assert len(set(keys)) == count
    for key in keys:
        _assert_valid(key)
    assert max(map(len, keys), default=0) == width


def test_spread_leaves_room_on_both_sides_and_between() -> None:
    keys = spread(50)
    assert between(None, keys[0]) < keys[0]
    assert between(keys[-1], None) > keys[-1]
    for lo, hi in zip(keys, keys[1:], strict=False):
        assert lo < between(lo, hi) < hi


def test_spread_of_a_negative_count_is_empty() -> None:
    assert spread(-3) == []


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        ("", None),
        (None, ""),
        ("a0", None),
        (None, "i0"),
        ("A", None),
        ("a-", None),
        ("~1", None),
        ("b", "a"),
        ("a", "a"),
    ],
)
def test_it_refuses_invalid_keys_and_bounds_in_the_wrong_order(
    lo: str | None, hi: str | None
) -> None:
    with pytest.raises(RankError):
        between(lo, hi)


def test_a_rank_error_is_a_value_error() -> None:
    assert issubclass(RankError, ValueError)


def test_keys_sort_like_their_fractions() -> None:
    # Base-36 digits in ASCII order: a key's string order is its numeric order.
    keys = spread(200)
    values = [sum(DIGITS.index(c) / 36 ** (i + 1) for i, c in enumerate(k)) for k in keys]
    assert values == sorted(values)
    assert bisect.bisect(keys, between(keys[10], keys[11])) == 11

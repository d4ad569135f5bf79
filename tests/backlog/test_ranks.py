"""Property-style checks of the rank keys, over seeded random runs (no database)."""

from __future__ import annotations

import random

import pytest

from backlog.models import RANK_REBALANCE_LENGTH
from backlog.ranks import DIGITS, RankError, between, spread, spread_between


def _assert_valid(key: str) -> None:
    assert key, "empty key"
    assert set(key) <= set(DIGITS), key
    between(key, None)  # raises RankError on a malformed key


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


def test_the_first_key_is_a0() -> None:
    assert between(None, None) == "a0"


@pytest.mark.parametrize("count", [1000, 100_000])
def test_appending_keeps_keys_logarithmically_short(count: int) -> None:
    key, keys = between(None, None), []
    for _ in range(count):
        key = between(key, None)
        keys.append(key)
    assert keys == sorted(keys)
    assert len(keys[-1]) <= 4  # the integer part grows one digit per factor of 62


def test_prepending_keeps_keys_short_too() -> None:
    key = between(None, None)
    for _ in range(100_000):
        new = between(None, key)
        assert new < key
        key = new
    assert len(key) <= 4


def test_insertions_into_one_gap_grow_about_one_character_per_six() -> None:
    lo, hi = "a0", "a1"
    for _ in range(120):
        hi = between(lo, hi)
        _assert_valid(hi)
        assert lo < hi
    assert len(hi) <= 25
    # So a gap takes a few hundred inserts before the services rebalance it.
    assert RANK_REBALANCE_LENGTH >= 48


@pytest.mark.parametrize("count", [0, 1, 2, 61, 62, 63, 5000])
def test_spread_gives_sorted_unique_short_keys(count: int) -> None:
    keys = spread(count)
    assert len(keys) == count
    assert keys == sorted(keys) and len(set(keys)) == count
    for key in keys:
        _assert_valid(key)
    assert max(map(len, keys), default=0) <= 4


@pytest.mark.parametrize(
    ("lo", "hi", "count"),
    [("a0", "a1", 200), ("a0V", "a0W", 50), (None, "a0", 10), ("a5", None, 10), ("Zz", "a0", 3)],
)
def test_spread_between_stays_strictly_inside_the_gap(
    lo: str | None, hi: str | None, count: int
) -> None:
    keys = spread_between(lo, hi, count)
    assert keys == sorted(keys) and len(set(keys)) == count
    assert all((lo is None or lo < k) and (hi is None or k < hi) for k in keys)
    assert max(map(len, keys)) <= (len(lo or "") + 3)


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
        ("a", None),  # its head promises two characters
        ("a00", None),  # a fraction never ends in 0
        ("a-", None),
        ("~1", None),
        ("b00", "a0"),
        ("a0", "a0"),
        ("A" + "0" * 26, None),
    ],
)
def test_it_refuses_invalid_keys_and_bounds_in_the_wrong_order(
    lo: str | None, hi: str | None
) -> None:
    with pytest.raises(RankError):
        between(lo, hi)


def test_a_rank_error_is_a_value_error() -> None:
    assert issubclass(RankError, ValueError)


def test_keys_sort_byte_by_byte_across_integer_lengths() -> None:
    # "Zz" < "a0" < "az" < "b00": the head orders integers of different lengths.
    keys = ["Yzz", "Zz", "a0", "a0V", "az", "b00", "b001"]
    assert keys == sorted(keys)
    for lo, hi in zip(keys, keys[1:], strict=False):
        assert lo < between(lo, hi) < hi

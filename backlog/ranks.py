"""Rank keys: short strings that sort between their neighbours, byte by byte.

The scheme is the one of the "fractional-indexing" library (David Greenspan's, as used by
Figma and Rocicorp; reimplemented here): a key is an integer part whose first character
says how many digits follow (``a0``…``az``, then ``b00``…, and ``Zz``, ``Y zz``… below
``a0``), then an optional base-62 fraction that never ends in ``0``. Appending or
prepending steps the integer, so a backlog built by adding at the bottom keeps keys of
log₆₂(n) characters; inserting between two keys takes their midpoint, which grows by a
character every ~6 inserts into one gap, and is rebalanced locally past
RANK_REBALANCE_LENGTH (backlog/services.py).
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_INDEX = {d: i for i, d in enumerate(DIGITS)}
SMALLEST_INTEGER = "A" + "0" * 26


class RankError(ValueError):
    pass


def _integer_length(head: str) -> int:
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise RankError(f"invalid rank key head {head!r}")


def _integer_part(key: str) -> str:
    length = _integer_length(key[0])
    if length > len(key):
        raise RankError(f"invalid rank key {key!r}")
    return key[:length]


def _check(key: str) -> None:
    if not key or key == SMALLEST_INTEGER or any(c not in _INDEX for c in key):
        raise RankError(f"invalid rank key {key!r}")
    if key[len(_integer_part(key)) :].endswith("0"):
        raise RankError(f"invalid rank key {key!r}")


def _midpoint(lo: str, hi: str | None) -> str:
    """A fraction strictly between lo and hi (None: one); neither ends in "0"."""
    if hi is not None:
        n = 0
        while n < len(hi) and (lo[n] if n < len(lo) else "0") == hi[n]:
            n += 1
        if n:
            return hi[:n] + _midpoint(lo[n:], hi[n:])
    d_lo = _INDEX[lo[0]] if lo else 0
    d_hi = _INDEX[hi[0]] if hi is not None else BASE
    if d_hi - d_lo > 1:
        return DIGITS[round((d_lo + d_hi) / 2)]
    if hi is not None and len(hi) > 1:
        return hi[0]
    return DIGITS[d_lo] + _midpoint(lo[1:], None)


def _increment(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        d = _INDEX[digits[i]] + 1
        if d < BASE:
            digits[i] = DIGITS[d]
            return head + "".join(digits)
        digits[i] = "0"
    if head == "Z":
        return "a0"
    if head == "z":
        return None
    new_head = chr(ord(head) + 1)
    if new_head > "a":
        digits.append("0")
    else:
        digits.pop()
    return new_head + "".join(digits)


def _decrement(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        d = _INDEX[digits[i]] - 1
        if d >= 0:
            digits[i] = DIGITS[d]
            return head + "".join(digits)
        digits[i] = DIGITS[-1]
    if head == "a":
        return "Z" + DIGITS[-1]
    if head == "A":
        return None
    new_head = chr(ord(head) - 1)
    if new_head < "Z":
        digits.append(DIGITS[-1])
    else:
        digits.pop()
    return new_head + "".join(digits)


def between(lo: str | None, hi: str | None) -> str:
    """A key strictly between lo and hi (None: no bound on that side)."""
    if lo is not None:
        _check(lo)
    if hi is not None:
        _check(hi)
    if lo is not None and hi is not None and lo >= hi:
        raise RankError(f"{lo!r} is not before {hi!r}")
    if lo is None:
        if hi is None:
            return "a0"
        integer = _integer_part(hi)
        if integer == SMALLEST_INTEGER:
            return integer + _midpoint("", hi[len(integer) :])
        if integer < hi:
            return integer
        below = _decrement(integer)
        if below is None:
            raise RankError("no key below the smallest one")
        return below
    integer_lo = _integer_part(lo)
    fraction_lo = lo[len(integer_lo) :]
    if hi is None:
        above = _increment(integer_lo)
        return above if above is not None else integer_lo + _midpoint(fraction_lo, None)
    integer_hi = _integer_part(hi)
    if integer_lo == integer_hi:
        return integer_lo + _midpoint(fraction_lo, hi[len(integer_hi) :])
    above = _increment(integer_lo)
    if above is None:
        raise RankError("no key above the largest one")
    if above < hi:
        return above
    return integer_lo + _midpoint(fraction_lo, None)


def spread_between(lo: str | None, hi: str | None, count: int) -> list[str]:
    """count keys in order strictly between lo and hi, as short as a balanced split gives."""
    if count <= 0:
        return []
    if count == 1:
        return [between(lo, hi)]
    if hi is None:
        keys = [between(lo, None)]
        for _ in range(count - 1):
            keys.append(between(keys[-1], None))
        return keys
    if lo is None:
        keys = [between(None, hi)]
        for _ in range(count - 1):
            keys.append(between(None, keys[-1]))
        return keys[::-1]
    half = count // 2
    middle = between(lo, hi)
    return [
        *spread_between(lo, middle, half),
        middle,
        *spread_between(middle, hi, count - half - 1),
    ]


def spread(count: int) -> list[str]:
    """count keys in order, for seeding and rebalancing a whole list."""
    return spread_between(None, None, count)

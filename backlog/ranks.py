"""Fractional rank keys: short strings that sort between their neighbours.

Keys use the digits 0-9a-z, read as a base-36 fraction (``"i"`` is 0.5). A key never
ends in ``"0"``, so two different keys never stand for the same fraction and there is
always a key strictly between two others. Placing a story computes one new key from its
neighbours; nothing else is renumbered.
"""

from __future__ import annotations

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_INDEX = {d: i for i, d in enumerate(DIGITS)}


class RankError(ValueError):
    pass


def _check(key: str) -> None:
    if not key or key[-1] == "0" or any(c not in _INDEX for c in key):
        raise RankError(f"invalid rank key {key!r}")


def _midpoint(lo: str, hi: str | None) -> str:
    # lo may be "" (zero); hi None means one. Both without trailing zeros.
    if hi is not None:
        n = 0
        while n < len(hi) and (lo[n] if n < len(lo) else "0") == hi[n]:
            n += 1
        if n:
            return hi[:n] + _midpoint(lo[n:], hi[n:])
    d_lo = _INDEX[lo[0]] if lo else 0
    d_hi = _INDEX[hi[0]] if hi is not None else BASE
    if d_hi - d_lo > 1:
        return DIGITS[(d_lo + d_hi) // 2]
    if hi is not None and len(hi) > 1:
        return hi[0]
    return DIGITS[d_lo] + _midpoint(lo[1:], None)


def _after(lo: str) -> str:
    # Appending at the end is frequent: bump the first digit that can grow, so keys
    # lengthen by one character every ~35 appends instead of every ~5 with halving.
    for i, c in enumerate(lo):
        if c != "z":
            return lo[:i] + DIGITS[_INDEX[c] + 1]
    return lo + "1"


def _before(hi: str) -> str:
    for i, c in enumerate(hi):
        if _INDEX[c] > 1:
            return hi[:i] + DIGITS[_INDEX[c] - 1]
    return _midpoint("", hi)


def between(lo: str | None, hi: str | None) -> str:
    """A key strictly between lo and hi (None: no bound on that side)."""
    if lo is not None:
        _check(lo)
    if hi is not None:
        _check(hi)
    if lo is not None and hi is not None and lo >= hi:
        raise RankError(f"{lo!r} is not before {hi!r}")
    if lo is None and hi is None:
        return "i"
    if hi is None:
        return _after(lo)  # type: ignore[arg-type]
    if lo is None:
        return _before(hi)
    return _midpoint(lo, hi)


def spread(count: int) -> list[str]:
    """count keys in order, evenly spread and all of one length (for seeding and rebalancing)."""
    if count <= 0:
        return []
    width = 1
    while BASE**width <= count:
        width += 1
    step = BASE**width // (count + 1)
    keys = []
    for i in range(1, count + 1):
        n, digits = step * i, []
        for _ in range(width):
            n, d = divmod(n, BASE)
            digits.append(DIGITS[d])
        keys.append("".join(reversed(digits)).rstrip("0") or "1")
    return keys


def _to_int(key: str, width: int) -> int:
    n = 0
    for c in key[:width].ljust(width, "0"):
        n = n * BASE + _INDEX[c]
    return n


def _to_key(n: int, width: int) -> str:
    digits = []
    for _ in range(width):
        n, d = divmod(n, BASE)
        digits.append(DIGITS[d])
    return "".join(reversed(digits)).rstrip("0")


def spread_between(lo: str | None, hi: str | None, count: int) -> list[str]:
    """count keys in order, evenly spread strictly between lo and hi, as short as fits."""
    if count <= 0:
        return []
    width = 1
    while True:
        low = _to_int(lo, width) if lo else 0
        # lo longer than width: its truncation is below lo, so start one unit above.
        if lo and len(lo) > width:
            low += 1
        high = _to_int(hi, width) if hi else BASE**width
        if high - low - 1 >= count:
            step = (high - low) // (count + 1)
            keys = [_to_key(low + step * i, width) for i in range(1, count + 1)]
            if all(k and (lo is None or lo < k) and (hi is None or k < hi) for k in keys):
                return keys
        width += 1

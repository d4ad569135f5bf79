"""Counting attempts at what costs a password hash or sends an e-mail: signing in, asking for
a password reset, using an invitation link. Past a limit the answer is 429 for the rest of
the window, before any password is hashed.

A counter in the cache rather than django-axes: axes guards only ``authenticate()`` (not the
reset form nor the invitation links), writes a database row per failure (an attack becomes
a write load), and brings a model, a middleware and a backend of its own. A counter is a
few lines, counts anything, and lives where short-lived state belongs, in the cache, which
Redis shares between the processes in production. When the cache fails (Redis down) the
counts go to this process's memory instead: weaker (each process counts on its own) but
never a 500 and never unlimited.

The windows are fixed (``THROTTLE_WINDOW`` seconds, aligned on the clock), so at most twice
a limit fits around a window's edge. What is counted is hashed, so the keys say nothing
and an unknown username or address is counted exactly like a known one: the answers and
their cost don't tell which accounts exist."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.shortcuts import render
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from django.core.cache.backends.base import BaseCache
    from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# Where the counts go while the shared cache fails.
_fallback = LocMemCache("cadence-throttle", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def now() -> float:
    """The clock the windows follow (tests move it)."""
    return time.time()


@dataclass(frozen=True)
class Counter:
    """One thing counted: ``scope`` names its limit in ``settings.THROTTLE_LIMITS``."""

    scope: str
    value: str

    @property
    def limit(self) -> int:
        return int(settings.THROTTLE_LIMITS.get(self.scope, 0))

    def key(self, window: int) -> str:
        digest = hashlib.sha256(f"{self.scope}\0{self.value}".encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{digest}:{int(now() // window)}"


def _normalise(text: str) -> str:
    # "Alice", "alice " and the NFKC twins of a name are one account (create_user refuses
    # case-insensitive duplicates), so they share one counter.
    return unicodedata.normalize("NFKC", text).strip().casefold()


def client_ip(request: HttpRequest) -> str:
    """The address the request came from; an IPv6 client counts by its /64, which one
    machine usually holds whole. Behind the proxy, uvicorn's ``--proxy-headers`` has put
    the client's address in REMOTE_ADDR already (README, production)."""
    raw = request.META.get("REMOTE_ADDR", "") or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def login(request: HttpRequest | None, username: str) -> list[Counter]:
    """Failed sign-ins, per account and per address."""
    counters = [Counter("login:account", _normalise(username))]
    if request is not None:
        counters.append(Counter("login:ip", client_ip(request)))
    return counters


def password_reset(request: HttpRequest, email: str) -> list[Counter]:
    """Reset requests (each may send an e-mail), per address asked for and per client."""
    return [Counter("reset:email", _normalise(email)), Counter("reset:ip", client_ip(request))]


def invitation(request: HttpRequest, token: str) -> list[Counter]:
    """Answers posted to an invitation link, per link and per client."""
    return [Counter("invitation:link", token), Counter("invitation:ip", client_ip(request))]


def _with_cache(operation: Callable[[BaseCache], Any]) -> Any:
    try:
        return operation(cache)
    except Exception:  # any cache failure: count here rather than answer 500
        logger.warning("throttle: the cache failed, counting in this process", exc_info=True)
        return operation(_fallback)


def wait(counters: Sequence[Counter]) -> int:
    """Seconds until every counter is under its limit again: 0 when none has reached it."""
    window = settings.THROTTLE_WINDOW
    active = [c for c in counters if c.limit > 0]
    if not active:
        return 0
    keys = {c.key(window): c for c in active}
    counts = _with_cache(lambda store: store.get_many(list(keys)))
    if any(counts.get(key, 0) >= counter.limit for key, counter in keys.items()):
        return max(1, math.ceil(window - now() % window))
    return 0


def _increment(store: BaseCache, key: str, window: int) -> None:
    if store.add(key, 1, timeout=window):
        return
    try:
        store.incr(key)
    except ValueError:  # expired between add and incr
        store.set(key, 1, timeout=window)


def hit(counters: Iterable[Counter]) -> None:
    """Count one attempt on each counter."""
    window = settings.THROTTLE_WINDOW
    for counter in counters:
        if counter.limit > 0:
            key = counter.key(window)

            def count(store: BaseCache, key: str = key) -> None:
                _increment(store, key, window)

            _with_cache(count)


def refused(request: HttpRequest, seconds: int) -> HttpResponse:
    """The 429 page, in the visitor's language, with Retry-After."""
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many attempts. Wait %(minutes)d minute, then try again.",
        "Too many attempts. Wait %(minutes)d minutes, then try again.",
        minutes,
    ) % {"minutes": minutes}
    response = render(request, "accounts/throttled.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response

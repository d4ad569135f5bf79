"""/healthz for the load balancer: the database answers, and Redis when one is configured."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis() -> None:
    # The cache is Redis whenever REDIS_URL is set. It forgives a failing Redis (the pages
    # go on from memory), so the check asks for a round trip that doesn't.
    check = getattr(cache, "check", None)
    if check is not None:
        check()
        return
    token = str(time.monotonic_ns())
    cache.set("healthz", token, timeout=10)
    if cache.get("healthz") != token:
        raise RuntimeError("Redis did not give back what was written")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """No login: 200 when every dependency answers, 503 naming the one that doesn't."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # any failure is the answer, not a 500
            results[name] = f"error: {type(error).__name__}"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503
    )

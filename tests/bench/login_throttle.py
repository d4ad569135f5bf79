"""What a password-guessing run costs the server once the sign-in throttle has kicked in.

    .venv/bin/python tests/bench/login_throttle.py [--attempts 50] [--json]

With the production password hasher (not the tests' MD5), a client posts ``--attempts``
wrong passwords to the login page for one account, then the right one; then the same for a
username nobody has. Measured per attempt: the answer (200 = refused after hashing the
password, 429 = throttled, 302 = signed in), the CPU time of the process, the password
hashes computed and the SQL queries. Budgets (exit 1 when broken): the right password
after the run is not accepted, a throttled attempt hashes nothing and costs under a
twentieth of a hashed one, and an unknown username is answered like a known one. The data
lives in a throwaway test database.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

# The repository root in place of this folder: its markdown.py would shadow the package
# that rest_framework imports.
sys.path[0] = str(Path(__file__).resolve().parents[2])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

LOGIN = "/accounts/login/"
PASSWORD = "a-long-bench-Passw0rd"


class HashCounter:
    """Counts the hasher's work (encode for unknown names, verify for known ones)."""

    def __init__(self) -> None:
        self.calls = 0
        hasher = hashers.get_hasher()
        self.name = hasher.algorithm
        cls = type(hasher)
        for method in ("encode", "verify"):
            original = getattr(cls, method)

            def spy(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                self.calls += 1
                return _original(*args, **kwargs)

            setattr(cls, method, spy)


def attempt(client: Client, username: str, password: str, hashes: HashCounter) -> dict[str, Any]:
    before = hashes.calls
    with CaptureQueriesContext(connection) as queries:
        cpu = time.process_time()
        response = client.post(LOGIN, {"username": username, "password": password})
        cpu = time.process_time() - cpu
    return {
        "status": response.status_code,
        "cpu_ms": cpu * 1000,
        "hashes": hashes.calls - before,
        "queries": len(queries.captured_queries),
    }


def run(username: str, attempts: int, hashes: HashCounter) -> dict[str, Any]:
    cache.clear()
    client = Client()
    wrong = [attempt(client, username, f"guess-{n}", hashes) for n in range(attempts)]
    right = attempt(client, username, PASSWORD, hashes)
    every = [*wrong, right]
    hashed = [a for a in every if a["status"] == 200]
    refused = [a for a in every if a["status"] == 429]

    def mean(rows: list[dict[str, Any]], key: str) -> float | None:
        return round(statistics.fmean(r[key] for r in rows), 3) if rows else None

    return {
        "attempts": len(every),
        "statuses": dict(sorted(Counter(str(a["status"]) for a in every).items())),
        "accepted": sum(a["status"] == 302 for a in every),
        "refused": len(refused),
        "hashed": len(hashed),
        "right_password_status": right["status"],
        "ms_cpu_per_hashed_attempt": mean(hashed, "cpu_ms"),
        "ms_cpu_per_refused_attempt": mean(refused, "cpu_ms"),
        "hashes_per_refused_attempt": mean(refused, "hashes"),
        "queries_per_hashed_attempt": mean(hashed, "queries"),
        "queries_per_refused_attempt": mean(refused, "queries"),
        "cpu_s_total": round(sum(a["cpu_ms"] for a in every) / 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=50, help="wrong passwords per run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # One log line per request would bury the table (and break --json).
    logging.getLogger("cadence.request").setLevel(logging.WARNING)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from accounts import services

        services.create_user(username="bench-victim", email="victim@example.com", password=PASSWORD)
        hashes = HashCounter()
        results = {
            "known_username": run("bench-victim", args.attempts, hashes),
            "unknown_username": run("bench-nobody", args.attempts, hashes),
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    failures = []
    for name, r in results.items():
        if r["accepted"]:
            failures.append(f"{name}: the right password was accepted after the run")
        if r["hashes_per_refused_attempt"]:
            failures.append(f"{name}: a throttled attempt ran the password hasher")
        hashed, refused = r["ms_cpu_per_hashed_attempt"], r["ms_cpu_per_refused_attempt"]
        if hashed and refused and refused * 20 > hashed:
            failures.append(f"{name}: a throttled attempt costs {refused} ms, hashed {hashed} ms")
    known, unknown = results["known_username"], results["unknown_username"]
    if (known["statuses"], known["hashed"]) != (unknown["statuses"], unknown["hashed"]):
        failures.append("an unknown username is answered differently from a known one")

    limits = {k: v for k, v in getattr(settings, "THROTTLE_LIMITS", {}).items() if "login" in k}
    if args.json:
        print(
            json.dumps(
                {
                    "name": "login_throttle",
                    "database": connection.vendor,
                    "hasher": hashes.name,
                    "limits": limits,
                    "results": results,
                    "failures": failures,
                }
            )
        )
    else:
        print(f"\nLogin throttle on {connection.vendor}, hasher {hashes.name}, limits {limits}")
        print(f"{args.attempts} wrong passwords, then the right one\n")
        rows = [
            ("attempts", "attempts", ""),
            ("accepted (302)", "accepted", ""),
            ("refused after hashing (200)", "hashed", ""),
            ("throttled (429)", "refused", ""),
            ("the right password answered", "right_password_status", ""),
            ("CPU per hashed attempt", "ms_cpu_per_hashed_attempt", "ms"),
            ("CPU per throttled attempt", "ms_cpu_per_refused_attempt", "ms"),
            ("hashes per throttled attempt", "hashes_per_refused_attempt", ""),
            ("SQL queries per hashed attempt", "queries_per_hashed_attempt", ""),
            ("SQL queries per throttled attempt", "queries_per_refused_attempt", ""),
            ("CPU for the whole run", "cpu_s_total", "s"),
        ]
        print(f"{'':<36}{'known username':>18}{'unknown username':>18}")
        for label, key, unit in rows:
            cells = "".join(f"{f'{r[key]} {unit}'.strip():>18}" for r in results.values())
            print(f"{label:<36}{cells}")
        for failure in failures:
            print("BUDGET BROKEN:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

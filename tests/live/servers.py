"""Real ASGI servers for the tests that need more than one process: uvicorn subprocesses on
the test database and Redis.

pytest-django's live server is WSGI, in the test's own process: it can't show that an
event written through one process reaches a websocket held by another. Here each server is
``uvicorn config.asgi:application`` with DEBUG off (as in production, but plain HTTP and
files served as they are), on a free port of 127.0.0.1, sharing

- the database: on PostgreSQL the test database itself (the test must commit its data:
  ``transactional_db``); on SQLite, whose test database lives in the test's memory, a file
  copy of it made when the server starts (so create the data first);
- Redis (REDIS_URL, or redis://127.0.0.1:6379/0), under a prefix of its own so parallel
  runs don't hear each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
# Set by tests/browser/conftest.py for Playwright; a deployment never has it (check --deploy
# refuses it), so a server started here doesn't either.
NOT_FOR_SERVERS = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_async[T](body: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """Run ``body(*args)`` in an event loop of its own thread.

    Not in the test's thread: after a browser test, Playwright's sync API leaves an event
    loop running there, where asyncio.run and async_to_sync refuse to start."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(body(*args))
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def redis_url() -> tuple[str, str]:
    """Redis from REDIS_URL or the local default, and why not when none answers."""
    import redis

    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return "", f"needs Redis at {url} to share events between processes ({error})"
    return url, ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def database_url(workdir: Path) -> str:
    """The URL a server process uses to reach the data this test wrote."""
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    if connection.vendor == "sqlite":
        path = workdir / "live.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        with target:
            connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    pytest.skip(f"no server test for {connection.vendor}")


def server_env(*, database: str, redis: str, prefix: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k not in NOT_FOR_SERVERS
    }
    return env | {
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "REDIS_PREFIX": prefix,
        "DEBUG": "false",
        # The test's own key: the sessions it logs in are signed with it.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_MANIFEST": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class Server:
    def __init__(self, env: dict[str, str], workers: int = 1, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/live/"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the server)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server on {self.port} died:\n{self.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the server on {self.port} did not answer:\n{self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@contextlib.contextmanager
def servers(count: int, *, workers: int = 1) -> Iterator[list[Server]]:
    """``count`` servers on this test's data and one Redis; call after writing the data.

    One process alone gets by without Redis (the in-memory channel layer); more are
    skipped when Redis doesn't answer."""
    redis, missing = redis_url()
    if missing and count * workers > 1:
        pytest.skip(missing)
    with tempfile.TemporaryDirectory() as workdir:
        env = server_env(
            database=database_url(Path(workdir)),
            redis=redis,
            prefix=f"cadence-test-{uuid.uuid4().hex[:12]}",
        )
        started = [Server(env, workers=workers) for _ in range(count)]
        try:
            for server in started:
                server.wait_ready()
            yield started
        finally:
            for server in started:
                server.stop()

"""Browser tests: pytest-playwright driving the system's Chromium against pytest-django's
live server.

Every test in this folder is marked ``browser`` (``pytest -m "not browser"`` leaves them
out). Where Chromium is missing they are skipped, unless ``REQUIRE_BROWSER=1`` (CI), where
they fail: a CI run without its browser must not pass silently.

A test asks for ``page`` (a fresh browser context per test) and, usually, ``login``;
``page.goto("/path/")`` is relative to the live server. The live server runs in a thread
of the test process, so the test and the server share the test database, and its data is
flushed after each test (``transactional_db``), which makes these tests the slow ones:
prove the rules in unit tests, keep here what needs a real browser (drag and drop,
htmx swaps, keyboard paths, live updates).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

# Playwright's sync API runs an event loop in the test's thread, which makes Django refuse
# ORM calls from that thread (SynchronousOnlyOperation) in tests and fixtures.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/lib/chromium/chromium")
MISSING_CHROMIUM = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "screenshots"


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, not only this folder's.
    missing = not CHROMIUM.exists()
    for item in items:
        if not _in_this_folder(item):
            continue
        item.add_marker(pytest.mark.browser)
        if missing and not _browser_required():
            item.add_marker(pytest.mark.skip(reason=MISSING_CHROMIUM))


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the fixtures try to launch the browser, so the message is this one.
    if _browser_required() and not CHROMIUM.exists():
        pytest.fail(f"REQUIRE_BROWSER=1: {MISSING_CHROMIUM}", pytrace=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], pytestconfig: pytest.Config
) -> dict[str, Any]:
    """The system's Chromium, headless unless --headed; `playwright install` is not needed."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": not pytestconfig.getoption("--headed"),
        "args": [
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
            "--disable-gpu",
            "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The app picks its language from Accept-Language: pin it so tests don't depend on the
    # machine. A French test uses @pytest.mark.browser_context_args(locale="fr-FR").
    return {**browser_context_args, "locale": "en-US", "timezone_id": "UTC"}


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Makes ``page.goto("/accounts/login/")`` relative to the live server."""
    return live_server.url


@pytest.fixture
def login() -> Callable[[Page, LiveServer, str, str], Page]:
    """``login(page, live_server, "po", "secret")`` signs in through the login form."""

    def sign_in(page: Page, live_server: LiveServer, username: str, password: str) -> Page:
        page.goto(f"{live_server.url}/accounts/login/")
        form = page.locator("form:has(input[name=password])")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        if "/accounts/login/" in page.url:
            pytest.fail(f"login as {username!r} failed: still on {page.url}", pytrace=False)
        return page

    return sign_in


@pytest.fixture
def screenshot_dir() -> Path:
    """``screenshots/`` at the repository root (git-ignored), for page.screenshot(path=…)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS

"""Role fixtures shared by every test folder.

``team`` and ``other_team`` are two teams of one ``product``. PM and Stakeholder hold their
role on the product; PO, Scrum Master and Developer in ``team``; ``other_team_po`` and
``other_team_developer`` in ``other_team``; ``outsider`` belongs nowhere; ``superuser`` is
the Head of Product, who created the product.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from pytest_django import Settings

from accounts.models import User
from backlog.models import Sprint, Story
from core.access import Role
from products import services
from products.models import Product, Team
from tests.backlog.factories import StoryFactory
from tests.products.factories import MembershipFactory, SuperuserFactory, TeamFactory, UserFactory
from tests.sprints.factories import SPRINT_START, SprintFactory

MakeStory = Callable[..., Story]


@contextlib.contextmanager
def violates(constraint: str) -> Iterator[None]:
    """The block must break the named database constraint.

    PostgreSQL names the constraint in every error and SQLite in CHECK failures (its UNIQUE
    failures list the columns instead), so the name is checked wherever the database gives it.
    """
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    if connection.vendor == "postgresql" or "CHECK" in message:
        assert constraint in message, message


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Settings) -> None:
    # A test sees a task's work as soon as the transaction that enqueued it commits (in a
    # test, when django_capture_on_commit_callbacks runs the callbacks). The worker's own
    # path is tested in tests/core/test_tasks.py, with the database backend.
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    # A request leaves its language active in the thread (LocaleMiddleware and the user's
    # language middleware activate it and nothing restores it): without this, a test that
    # posts as a French user left the next test's services and mails in French.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Cache keys name rows by id, and ids come back after each test's rollback.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def superuser(db: None) -> User:
    return SuperuserFactory(username="head")


@pytest.fixture
def product(superuser: User) -> Product:
    return services.create_product(actor=superuser, name="Cadence", slug="cadence")


@pytest.fixture
def team(product: Product) -> Team:
    return TeamFactory(product=product, name="Falcons", slug="falcons")


@pytest.fixture
def other_team(product: Product) -> Team:
    return TeamFactory(product=product, name="Owls", slug="owls")


def _member(username: str, product: Product, role: Role, team: Team | None = None) -> User:
    user = UserFactory(username=username)
    MembershipFactory(user=user, product=product, team=team, role=role)
    return user


@pytest.fixture
def pm(product: Product) -> User:
    return _member("pm", product, Role.PM)


@pytest.fixture
def stakeholder(product: Product) -> User:
    return _member("stakeholder", product, Role.STAKEHOLDER)


@pytest.fixture
def po(product: Product, team: Team) -> User:
    return _member("po", product, Role.PO, team)


@pytest.fixture
def scrum_master(product: Product, team: Team) -> User:
    return _member("scrum_master", product, Role.SCRUM_MASTER, team)


@pytest.fixture
def developer(product: Product, team: Team) -> User:
    return _member("developer", product, Role.DEVELOPER, team)


@pytest.fixture
def other_team_developer(product: Product, other_team: Team) -> User:
    return _member("other_team_developer", product, Role.DEVELOPER, other_team)


@pytest.fixture
def other_team_po(product: Product, other_team: Team) -> User:
    return _member("other_team_po", product, Role.PO, other_team)


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(username="outsider")


@pytest.fixture
def make_story(product: Product, team: Team) -> MakeStory:
    """Make a story row ranked at the end: of ``team`` in ``product`` unless told otherwise."""

    def make(**kwargs: Any) -> Story:
        kwargs.setdefault("product", product)
        kwargs.setdefault("team", team if kwargs["product"] == product else None)
        return StoryFactory(**kwargs)

    return make


@pytest.fixture
def sprint(team: Team) -> Sprint:
    """A planned 14-day sprint of ``team``, Monday 2 March to Sunday 15 March 2026."""
    return SprintFactory(
        team=team,
        name="Sprint 1",
        start_date=SPRINT_START,
        end_date=SPRINT_START + dt.timedelta(days=13),
    )

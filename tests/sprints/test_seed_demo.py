"""seed_demo: the demo product, its users and months of history, written by the services."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min
from django.db.models.functions import Length
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from accounts.models import User
from backlog.models import (
    POINTS,
    RANK_REBALANCE_LENGTH,
    Epic,
    Label,
    Release,
    Sprint,
    SprintState,
    Story,
    Task,
)
from core import clock
from core.access import Role
from core.models import Event
from demo import seed as demo
from products.models import Membership, Product, StatusCategory, Team
from sprints.models import Ceremony, CeremonyKind

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    Product,
    Team,
    Membership,
    Epic,
    Release,
    Label,
    Story,
    Task,
    Sprint,
    Ceremony,
    Event,
)


@pytest.fixture(scope="module")
def _seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Seed once for the module (a run takes seconds), and roll it back afterwards."""
    # The hasher the function-scoped tests use (see tests/conftest.py).
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic(), fast:
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def product(_seeded: None) -> Product:
    return Product.objects.get(slug="demo")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_it_creates_the_demo_users_with_their_roles(product: Product) -> None:
    expected = {
        "pm": {(None, Role.PM)},
        "po": {("falcons", Role.PO)},
        "po2": {("otters", Role.PO)},
        "sm": {("falcons", Role.SCRUM_MASTER)},
        "dev1": {("falcons", Role.DEVELOPER)},
        "dev2": {("falcons", Role.DEVELOPER)},
        "dev3": {("otters", Role.DEVELOPER)},
        "stakeholder": {(None, Role.STAKEHOLDER)},
        "outsider": set(),
        "admin": set(),
    }
    for username, roles in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("cadence-demo")
        assert user.first_name and user.last_name
        held = {
            (m.team.slug if m.team else None, m.role)
            for m in Membership.objects.filter(user=user).select_related("team")
        }
        assert held == roles, username
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(username="pm", is_superuser=True).exists()


def test_it_creates_one_product_with_two_teams_in_paris(product: Product) -> None:
    assert product.name == "Cadence Demo"
    assert product.vision.startswith("# ") and product.business_case.startswith("# ")
    teams = list(product.teams.order_by("name"))
    assert [t.name for t in teams] == ["Falcons", "Otters"]
    assert [t.daily_time for t in teams] == [dt.time(9, 30), dt.time(9, 45)]
    for team in teams:
        assert team.timezone == "Europe/Paris"
        assert team.working_days == [1, 2, 3, 4, 5]
        assert team.sprint_weeks == 2


def test_each_team_has_one_active_sprint_today_after_four_closed_ones(product: Product) -> None:
    today = clock.today()
    for team in product.teams.all():
        sprints = list(team.sprints.exclude(state=SprintState.PLANNED).order_by("start_date"))
        *closed, active = sprints
        assert [s.state for s in closed] == [SprintState.CLOSED] * 4
        assert active.state == SprintState.ACTIVE
        assert active.start_date < today <= active.end_date
        for sprint, following in zip(sprints, sprints[1:], strict=False):
            assert sprint.end_date == sprint.start_date + dt.timedelta(days=13)
            assert following.start_date == sprint.end_date + dt.timedelta(days=1)
        for sprint in closed:
            assert sprint.completed_points is not None
            assert sprint.committed_points is not None
            assert 20 <= sprint.completed_points <= sprint.committed_points <= 45
            assert sprint.started_at is not None and sprint.closed_at is not None
            assert sprint.started_at < sprint.closed_at < clock.now()


def test_closed_sprints_carry_unfinished_stories_over(product: Product) -> None:
    closes = Event.objects.filter(product_id=product.pk, verb="sprint.closed")
    assert closes.count() == 8
    assert sum(bool(event.after["carried_over"]) for event in closes) >= 4


def test_only_the_first_team_has_a_planned_next_sprint(product: Product) -> None:
    planned = Sprint.objects.filter(team__product=product, state=SprintState.PLANNED)
    assert [s.team.slug for s in planned] == ["falcons"]
    assert planned[0].stories.exists()


def test_the_active_boards_have_cards_in_every_column(product: Product) -> None:
    for sprint in Sprint.objects.active().filter(team__product=product):
        columns = set(sprint.stories.values_list("status__name", flat=True))
        assert columns == {"To do", "In progress", "Review", "Done"}, sprint.team


def test_ceremonies_are_scheduled_for_the_active_sprints(product: Product) -> None:
    for sprint in Sprint.objects.active().filter(team__product=product):
        kinds = set(sprint.ceremonies.values_list("kind", flat=True))
        assert {
            CeremonyKind.PLANNING,
            CeremonyKind.DAILY,
            CeremonyKind.REVIEW,
            CeremonyKind.RETROSPECTIVE,
        } <= kinds


def test_the_backlog_has_about_150_varied_stories(product: Product) -> None:
    stories = Story.objects.filter(product=product)
    assert 140 <= stories.count() <= 160
    assert product.epics.count() == 6
    assert len(set(product.epics.values_list("colour", flat=True))) == 6
    assert product.releases.filter(date__isnull=False).count() == 2
    assert product.labels.count() >= 5
    assert set(stories.values_list("kind", flat=True)) == {"story", "bug", "spike", "chore"}
    assert set(stories.exclude(points=None).values_list("points", flat=True)) <= set(POINTS)
    backlog = stories.filter(sprint=None)
    assert backlog.filter(points=None).exists()
    assert backlog.filter(ready=True).exists() and backlog.filter(ready=False).exists()
    assert backlog.filter(team=None).exists() and backlog.exclude(team=None).exists()
    assert stories.exclude(acceptance_criteria="").count() > stories.count() / 2


def test_ranks_are_unique_and_short(product: Product) -> None:
    ranks = list(Story.objects.filter(product=product).values_list("rank", flat=True))
    assert len(set(ranks)) == len(ranks)
    longest = Story.objects.aggregate(longest=Max(Length("rank")))["longest"]
    assert longest <= RANK_REBALANCE_LENGTH


def test_every_story_and_sprint_was_written_by_a_service(product: Product) -> None:
    created = Event.objects.filter(product_id=product.pk, verb="story.created")
    assert created.count() == Story.objects.filter(product=product).count()
    sprints = Event.objects.filter(product_id=product.pk, verb="sprint.created")
    assert sprints.count() == Sprint.objects.filter(team__product=product).count()


def test_events_are_spread_over_the_past_months(product: Product) -> None:
    events = Event.objects.filter(product_id=product.pk)
    span = events.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["last"] <= clock.now()
    assert span["last"] - span["first"] > dt.timedelta(days=70)
    moves = events.filter(verb="story.moved").values("created_at__date").annotate(n=Count("id"))
    assert moves.count() > 30  # cards moved on many different days
    done = events.filter(
        verb="story.moved",
        after__status__in=list(
            product.statuses.filter(category=StatusCategory.DONE).values_list("pk", flat=True)
        ),
    )
    assert done.exists()


def test_a_second_run_changes_nothing_and_says_so(product: Product) -> None:
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "already exists" in out.getvalue()
    assert "cadence-demo" in out.getvalue() and "stakeholder" in out.getvalue()


def test_it_is_quiet_at_verbosity_zero(product: Product) -> None:
    out = io.StringIO()
    call_command("seed_demo", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_reset_rebuilds_the_same_demo(product: Product) -> None:
    before = counts()
    titles = sorted(Story.objects.values_list("title", flat=True))
    call_command("seed_demo", reset=True, verbosity=0)
    assert counts() == before
    assert sorted(Story.objects.values_list("title", flat=True)) == titles
    assert Product.objects.get(slug="demo").pk != product.pk


def test_the_logins_table_lists_every_demo_user() -> None:
    table = demo.logins_table()
    for user in demo.USERS:
        assert f"\n{user.username} " in table


def test_the_falcons_latest_daily_has_entries_and_an_older_blocker(product: Product) -> None:
    from sprints.models import DailyEntry, Impediment

    falcons = product.teams.get(slug="falcons")
    entries = DailyEntry.objects.filter(ceremony__team=falcons).select_related("ceremony")
    latest = max(e.ceremony.starts_at for e in entries)
    assert sum(1 for e in entries if e.ceremony.starts_at == latest) == 3
    raised = Impediment.objects.get(raised_in__team=falcons)
    assert raised.is_open and raised.raised_in is not None and raised.raised_in.starts_at < latest
    assert raised.owner is not None and raised.owner.username == "dev2"


def test_the_last_closed_sprint_has_a_retrospective_and_a_review(product: Product) -> None:
    from sprints.models import RetroAction, RetroCard, RetroVote, ReviewFeedback

    for team in product.teams.all():
        last = team.sprints.filter(state=SprintState.CLOSED).order_by("-end_date").first()
        assert last is not None, team
        retro = last.ceremonies.get(kind=CeremonyKind.RETROSPECTIVE)
        assert RetroCard.objects.filter(ceremony=retro).count() >= 5
        assert RetroVote.objects.filter(card__ceremony=retro).exists()
        assert RetroAction.objects.filter(ceremony=retro, story__isnull=False).exists()
        review = last.ceremonies.get(kind=CeremonyKind.REVIEW)
        assert ReviewFeedback.objects.filter(ceremony=review).count() >= 3
        assert review.notes


def test_closed_sprints_count_only_the_work_the_po_accepted(product: Product) -> None:
    """Velocity is believable: each closed sprint completed some accepted work, and the
    stories left in it are the accepted ones (none waits for acceptance after a close)."""
    from sprints.models import Acceptance

    for team in product.teams.all():
        for sprint in team.sprints.filter(state=SprintState.CLOSED):
            assert sprint.report is not None
            completed = [row["id"] for row in sprint.report["completed"]["stories"]]
            accepted = set(
                Acceptance.objects.filter(story__in=completed).values_list("story", flat=True)
            )
            assert completed and accepted == set(completed), sprint
            assert 0 < (sprint.completed_points or 0) <= (sprint.committed_points or 0) * 1.5
            assert not sprint.stories.filter(acceptance__isnull=True).exists(), sprint

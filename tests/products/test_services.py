from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from accounts.models import User
from core import access, clock, events, live
from core.access import Capability, Role
from core.concurrency import Stale
from core.models import Event
from products import services
from products.models import Membership, Product, StatusCategory, Team
from tests.products.factories import MembershipFactory, ProductFactory, TeamFactory

pytestmark = pytest.mark.django_db


# create_product


def test_create_product_gives_it_the_default_workflow(superuser: User) -> None:
    with translation.override("fr"):
        product = services.create_product(actor=superuser, name="Atlas", slug="atlas")
    statuses = list(product.statuses.values_list("name", "category", "position"))
    # In the site's language, not the creator's: status names are data the team renames.
    assert statuses == [
        ("To do", StatusCategory.TODO, 0),
        ("In progress", StatusCategory.IN_PROGRESS, 1),
        ("Review", StatusCategory.IN_PROGRESS, 2),
        ("Done", StatusCategory.DONE, 3),
    ]
    (event,) = Event.objects.filter(product_id=product.pk)
    assert (event.verb, event.actor, event.after) == (
        "product.created",
        superuser,
        {"name": "Atlas"},
    )


@pytest.mark.parametrize("role", ["pm", "po", "stakeholder", "outsider"])
def test_create_product_is_for_the_head_of_product_only(
    request: pytest.FixtureRequest, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.create_product(actor=request.getfixturevalue(role), name="No", slug="no")
    assert not Product.objects.filter(slug="no").exists()


def test_create_product_refuses_a_slug_already_taken(superuser: User, product: Product) -> None:
    with pytest.raises(ValidationError):
        services.create_product(actor=superuser, name="Copy", slug=product.slug)


# update_product


def test_update_product_records_the_before_and_after(pm: User, product: Product) -> None:
    services.update_product(
        actor=pm,
        product=product,
        version=1,
        vision="Calm sprints",
        business_case="",
        research_notes="n",
    )
    product.refresh_from_db()
    assert (product.vision, product.research_notes, product.version) == ("Calm sprints", "n", 2)
    (event,) = Event.objects.filter(verb="product.updated")
    assert event.before == {"vision": "", "business_case": "", "research_notes": ""}
    assert event.after == {"vision": "Calm sprints", "business_case": "", "research_notes": "n"}


@pytest.mark.parametrize(
    ("role", "error"),
    [("po", PermissionDenied), ("stakeholder", PermissionDenied), ("outsider", Http404)],
)
def test_update_product_is_for_the_pm(
    request: pytest.FixtureRequest, product: Product, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.update_product(
            actor=request.getfixturevalue(role),
            product=product,
            version=1,
            vision="Mine",
            business_case="",
            research_notes="",
        )
    product.refresh_from_db()
    assert product.vision == ""


def test_an_edit_of_an_old_version_of_the_vision_is_refused(pm: User, product: Product) -> None:
    # Two PMs open the vision at version 1; the second save is told, not written over.
    texts = {"business_case": "", "research_notes": ""}
    services.update_product(actor=pm, product=product, version=1, vision="First", **texts)
    with pytest.raises(Stale) as conflict:
        services.update_product(actor=pm, product=product, version=1, vision="Second", **texts)
    current = conflict.value.current
    assert isinstance(current, Product)
    assert current.vision == "First"
    product.refresh_from_db()
    assert (product.vision, product.version) == ("First", 2)
    assert Event.objects.filter(verb="product.updated").count() == 1


# create_team


def test_create_team_for_the_pm(pm: User, product: Product) -> None:
    team = services.create_team(
        actor=pm,
        product=product,
        name="Herons",
        slug="herons",
        timezone="America/New_York",
        daily_time=dt.time(10, 0),
        working_days=[7, 1, 2, 3, 4],
        sprint_weeks=3,
    )
    assert (team.timezone, team.working_days, team.sprint_weeks) == (
        "America/New_York",
        [7, 1, 2, 3, 4],
        3,
    )
    assert Event.objects.filter(verb="team.created", team_id=team.pk).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"sprint_weeks": 5}, "sprint_weeks"),
        ({"working_days": [0, 8]}, "working_days"),
        ({"slug": "falcons"}, "__all__"),
    ],
)
def test_create_team_refuses_invalid_settings(
    pm: User, team: Team, kwargs: dict[str, object], field: str
) -> None:
    kwargs = {"name": "Herons", "slug": "herons", **kwargs}
    with pytest.raises(ValidationError) as excinfo:
        services.create_team(actor=pm, product=team.product, **kwargs)  # type: ignore[arg-type]
    assert field in excinfo.value.message_dict
    assert not Team.objects.filter(name="Herons").exists()


@pytest.mark.parametrize(("role", "error"), [("po", PermissionDenied), ("outsider", Http404)])
def test_create_team_is_for_the_pm(
    request: pytest.FixtureRequest, product: Product, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.create_team(
            actor=request.getfixturevalue(role), product=product, name="H", slug="h"
        )


# add_member


def test_add_member_gives_the_right_at_once(
    pm: User, outsider: User, product: Product, team: Team
) -> None:
    assert not access.can(outsider, Capability.MOVE_CARDS, team)  # grants now cached
    services.add_member(actor=pm, product=product, user=outsider, role=Role.DEVELOPER, team=team)
    assert access.can(outsider, Capability.MOVE_CARDS, team)
    (event,) = Event.objects.filter(verb="membership.added")
    assert event.after == {"user": outsider.pk, "role": "dev"}


def test_add_member_twice_keeps_one_membership(pm: User, outsider: User, product: Product) -> None:
    first = services.add_member(actor=pm, product=product, user=outsider, role=Role.STAKEHOLDER)
    again = services.add_member(actor=pm, product=product, user=outsider, role=Role.STAKEHOLDER)
    assert first == again
    assert Event.objects.filter(verb="membership.added").count() == 1


@pytest.mark.parametrize(
    ("role", "in_team"),
    [(Role.PM, True), (Role.STAKEHOLDER, True), (Role.PO, False), (Role.DEVELOPER, False)],
)
def test_add_member_refuses_a_role_at_the_wrong_level(
    pm: User, outsider: User, team: Team, role: Role, in_team: bool
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.add_member(
            actor=pm,
            product=team.product,
            user=outsider,
            role=role,
            team=team if in_team else None,
        )
    assert "team" in excinfo.value.message_dict
    assert not Membership.objects.filter(user=outsider).exists()


def test_add_member_refuses_a_team_of_another_product(
    pm: User, outsider: User, product: Product
) -> None:
    foreign = TeamFactory(product=ProductFactory())
    with pytest.raises(ValidationError):
        services.add_member(
            actor=pm, product=product, user=outsider, role=Role.DEVELOPER, team=foreign
        )


@pytest.mark.parametrize(
    ("role", "error"), [("po", PermissionDenied), ("developer", PermissionDenied)]
)
def test_add_member_is_for_the_pm(
    request: pytest.FixtureRequest,
    outsider: User,
    team: Team,
    role: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        services.add_member(
            actor=request.getfixturevalue(role),
            product=team.product,
            user=outsider,
            role=Role.PO,
            team=team,
        )


def test_membership_clean_refuses_a_team_of_another_product(
    outsider: User, product: Product
) -> None:
    membership = Membership(
        user=outsider,
        product=product,
        team=TeamFactory(product=ProductFactory()),
        role=Role.DEVELOPER,
    )
    with pytest.raises(ValidationError):
        membership.clean()


# Product.objects.for_user


def test_products_for_a_user_are_those_they_belong_to(
    developer: User, superuser: User, outsider: User, product: Product
) -> None:
    other = ProductFactory()
    MembershipFactory(product=other, team=None, role=Role.STAKEHOLDER)
    assert list(Product.objects.for_user(developer)) == [product]
    assert set(Product.objects.for_user(superuser)) == {product, other}
    assert not Product.objects.for_user(outsider).exists()
    assert not Product.objects.for_user(AnonymousUser()).exists()


# events and the clock


def test_a_lost_live_update_never_fails_the_write(
    product: Product, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenLayer:
        async def group_send(self, group: str, message: dict[str, object]) -> None:
            raise ConnectionError("redis is down")

    monkeypatch.setattr(events, "get_channel_layer", BrokenLayer)
    event = Event.objects.get(product_id=product.pk)
    events.publish(event)  # no exception
    assert "Could not publish event" in caplog.text


def test_an_event_reaches_its_product_team_and_sprint_groups() -> None:
    assert live.group_names(product_id=1, team_id=2, sprint_id=3) == [
        "product-1",
        "team-1-2",
        "sprint-1-3",
    ]
    assert live.group_names(product_id=1, team_id=None, sprint_id=None) == ["product-1"]


def test_the_clock_can_be_pinned_to_an_aware_moment_only() -> None:
    moment = dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.UTC)
    with clock.at(moment):
        assert clock.now() == moment
        assert clock.today() == dt.date(2026, 3, 29)
    assert clock.now() != moment
    with pytest.raises(ValueError), clock.at(dt.datetime(2026, 3, 29)):  # noqa: DTZ001
        pass

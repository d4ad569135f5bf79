from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from core import access
from core.access import Capability, Role
from products.models import Product, Team
from tests.conftest import MakeStory
from tests.products.factories import MembershipFactory, ProductFactory

pytestmark = pytest.mark.django_db

C = Capability
Y, N = True, False

ROLES = (
    "pm",
    "po",
    "scrum_master",
    "developer",
    "stakeholder",
    "outsider",
    "other_team_developer",
    "other_team_po",
    "superuser",
)

# DESIGN.md's permission table, one column per role fixture. A PO's, Scrum Master's or
# Developer's rights reach the stories, sprints and ceremonies of their own team only, so
# the members of other_team keep what reaches the whole product (viewing, the workflow,
# creating stories, review feedback). Capabilities in ON_PRODUCT are asked about the
# product; the others about a story of `team`.
MATRIX: dict[Capability, tuple[bool, ...]] = {
    #                        pm po sm dev stk out odev opo super
    C.VIEW:                 (Y, Y, Y, Y, Y, N, Y, Y, Y),
    C.EDIT_VISION:          (Y, N, N, N, N, N, N, N, Y),
    C.MANAGE_TEAMS:         (Y, N, N, N, N, N, N, N, Y),
    C.EDIT_WORKFLOW:        (Y, Y, N, N, N, N, N, Y, Y),
    C.EDIT_EPICS:           (Y, N, N, N, N, N, N, N, Y),
    C.CREATE_STORY:         (Y, Y, Y, Y, N, N, Y, Y, Y),
    C.EDIT_STORY:           (Y, Y, Y, Y, N, N, N, N, Y),
    C.ORDER_BACKLOG:        (N, Y, N, N, N, N, N, N, Y),
    C.ACCEPT_STORY:         (N, Y, N, N, N, N, N, N, Y),
    C.PLAN_SPRINTS:         (N, Y, Y, N, N, N, N, N, Y),
    C.MOVE_CARDS:           (N, Y, Y, Y, N, N, N, N, Y),
    C.SCHEDULE_CEREMONIES:  (N, Y, Y, N, N, N, N, N, Y),
    C.WRITE_DAILY:          (N, Y, Y, Y, N, N, N, N, Y),
    C.GIVE_FEEDBACK:        (Y, Y, Y, Y, Y, N, Y, Y, Y),
    C.CONVERT_TO_STORY:     (N, Y, N, N, N, N, N, N, Y),
    C.ARCHIVE_PRODUCT:      (Y, N, N, N, N, N, N, N, Y),
    C.ESTIMATE:             (N, Y, Y, Y, N, N, N, N, Y),
    C.EDIT_OWN:             (N, Y, Y, Y, N, N, N, N, Y),
    C.CREATE_PRODUCT:       (N, N, N, N, N, N, N, N, Y),
}  # fmt: skip
ON_PRODUCT = frozenset(
    {
        C.EDIT_VISION,
        C.MANAGE_TEAMS,
        C.EDIT_WORKFLOW,
        C.EDIT_EPICS,
        C.CREATE_STORY,
        C.ARCHIVE_PRODUCT,
    }
)
# EDIT_OWN is asked about something of `team` the user wrote; CREATE_PRODUCT of the site.
TARGETS = {C.EDIT_OWN: "own", C.CREATE_PRODUCT: "site"}
# Viewing is asked about both: the product's pages and a story's.
CASES = [(c, TARGETS.get(c, "product" if c in ON_PRODUCT else "story")) for c in Capability] + [
    (C.VIEW, "product")
]


class Written:
    """Something written in a team (a daily entry, a retrospective card) by ``author_id``."""

    def __init__(self, product: Product, team: Team, author_id: int | None) -> None:
        self.access_scope = (product.pk, team.pk)
        self.author_id = author_id


def test_the_matrix_covers_every_capability() -> None:
    assert set(MATRIX) == set(Capability)
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("capability", "target"), CASES, ids=[f"{c}-on-{t}" for c, t in CASES])
def test_each_role_holds_exactly_its_capabilities(
    request: pytest.FixtureRequest,
    role: str,
    capability: Capability,
    target: str,
    product: Product,
    team: Team,
    make_story: MakeStory,
) -> None:
    user: User = request.getfixturevalue(role)
    targets: dict[str, Callable[[], access.Scoped]] = {
        "product": lambda: product,
        "story": make_story,
        "own": lambda: Written(product, team, user.pk),
        "site": lambda: access.SITE,
    }
    expected = MATRIX[capability][ROLES.index(role)]
    assert access.can(user, capability, targets[target]()) is expected


@pytest.mark.parametrize("role", ROLES)
def test_nobody_edits_what_someone_else_wrote(
    request: pytest.FixtureRequest, role: str, product: Product, team: Team, po: User
) -> None:
    user: User = request.getfixturevalue(role)
    author = po if user != po else request.getfixturevalue("developer")
    assert access.can(user, C.EDIT_OWN, Written(product, team, author.pk)) is False


def test_an_archived_product_keeps_its_way_back(pm: User, po: User, product: Product) -> None:
    product.archived_at = product.created_at
    product.save(update_fields=["archived_at"])
    assert access.can(pm, C.ARCHIVE_PRODUCT, product)
    assert not access.can(pm, C.EDIT_VISION, product)
    assert not access.can(po, C.ARCHIVE_PRODUCT, product)


# A story with no team yet: every PO of the product may order, edit or assign it; the
# other team-level roles may not.
NO_TEAM_CASES = [
    ("po", C.EDIT_STORY, Y),
    ("po", C.ORDER_BACKLOG, Y),
    ("other_team_po", C.EDIT_STORY, Y),
    ("other_team_po", C.ORDER_BACKLOG, Y),
    ("developer", C.EDIT_STORY, N),
    ("developer", C.ORDER_BACKLOG, N),
    ("other_team_developer", C.EDIT_STORY, N),
    ("scrum_master", C.EDIT_STORY, N),
    ("stakeholder", C.EDIT_STORY, N),
    ("pm", C.EDIT_STORY, Y),
    ("pm", C.ORDER_BACKLOG, N),
    ("outsider", C.VIEW, N),
]


@pytest.mark.parametrize(("role", "capability", "expected"), NO_TEAM_CASES)
def test_a_story_with_no_team_is_in_every_pos_reach(
    request: pytest.FixtureRequest,
    role: str,
    capability: Capability,
    expected: bool,
    make_story: MakeStory,
) -> None:
    user: User = request.getfixturevalue(role)
    story = make_story(team=None)
    assert access.can(user, capability, story) is expected


def test_require_lets_a_member_with_the_right_through(po: User, make_story: MakeStory) -> None:
    access.require(po, C.ORDER_BACKLOG, make_story())


def test_require_answers_404_to_an_outsider(outsider: User, make_story: MakeStory) -> None:
    with pytest.raises(Http404):
        access.require(outsider, C.VIEW, make_story())


def test_require_answers_404_to_an_anonymous_visitor(make_story: MakeStory) -> None:
    with pytest.raises(Http404):
        access.require(AnonymousUser(), C.VIEW, make_story())


def test_require_answers_404_to_a_member_of_another_product(
    make_story: MakeStory, team: Team
) -> None:
    elsewhere = MembershipFactory(product=ProductFactory(), team=None, role=Role.PM).user
    with pytest.raises(Http404):
        access.require(elsewhere, C.VIEW, make_story())
    with pytest.raises(Http404):
        access.require(elsewhere, C.VIEW, team)


@pytest.mark.parametrize(
    ("role", "capability"),
    [
        ("developer", C.ORDER_BACKLOG),
        ("stakeholder", C.CREATE_STORY),
        ("other_team_developer", C.MOVE_CARDS),
        ("other_team_po", C.PLAN_SPRINTS),
        ("pm", C.PLAN_SPRINTS),
    ],
)
def test_require_answers_403_to_a_member_without_the_right(
    request: pytest.FixtureRequest, role: str, capability: Capability, make_story: MakeStory
) -> None:
    user: User = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        access.require(user, capability, make_story())


@pytest.mark.parametrize("role", ["po", "pm", "superuser"])
def test_an_inactive_user_gets_nothing(
    request: pytest.FixtureRequest, role: str, product: Product, make_story: MakeStory
) -> None:
    user: User = request.getfixturevalue(role)
    user.is_active = False
    user.save(update_fields=["is_active"])
    story = make_story()
    assert access.capabilities(user, story) == frozenset()
    assert access.capabilities(user, product) == frozenset()
    with pytest.raises((PermissionDenied, Http404)):
        access.require(user, C.VIEW, story)


def test_grants_cost_one_query_per_user_object(
    po: User,
    product: Product,
    make_story: MakeStory,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    story, teamless = make_story(), make_story(team=None)
    user = User.objects.get(pk=po.pk)
    with django_assert_num_queries(1):
        for _ in range(3):
            for capability in Capability:
                access.can(user, capability, story)
                access.can(user, capability, teamless)
                access.can(user, capability, product)


def test_forget_drops_the_cached_grants(outsider: User, product: Product, team: Team) -> None:
    assert not access.can(outsider, C.VIEW, product)
    MembershipFactory(user=outsider, product=product, team=team, role=Role.DEVELOPER)
    assert not access.can(outsider, C.VIEW, product)  # still cached
    access.forget(outsider)
    assert access.can(outsider, C.VIEW, product)


def test_a_user_with_roles_in_two_teams_holds_each_only_in_its_team(
    developer: User, product: Product, team: Team, other_team: Team, make_story: MakeStory
) -> None:
    MembershipFactory(user=developer, product=product, team=other_team, role=Role.PO)
    ours, theirs = make_story(team=team), make_story(team=other_team)
    assert access.can(developer, C.MOVE_CARDS, ours)
    assert not access.can(developer, C.ORDER_BACKLOG, ours)
    assert access.can(developer, C.ORDER_BACKLOG, theirs)
    assert access.roles_in(developer, product.pk) == [
        (team.pk, Role.DEVELOPER),
        (other_team.pk, Role.PO),
    ]


def test_capabilities_lists_what_a_stakeholder_may_do(
    stakeholder: User, make_story: MakeStory
) -> None:
    assert access.capabilities(stakeholder, make_story()) == {"view", "give_feedback"}

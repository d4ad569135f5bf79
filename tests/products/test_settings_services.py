"""The settings' rules: guard rails on members, the workflow and its checklists, archiving."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from backlog import services as backlog_services
from backlog.models import Story
from core.access import Role
from core.models import Event
from products import services, workflow
from products.models import (
    ChecklistItem,
    ChecklistKind,
    Membership,
    Product,
    Status,
    StatusCategory,
    Team,
)
from sprints.services import create_sprint
from tests.conftest import violates
from tests.products.factories import MembershipFactory, UserFactory, status_of

# The workflow's statuses are a backlog page (they hold stories); the rest of the settings
# are the products app's.
STATUS_PAGES = {"settings_statuses", "status_edit", "status_move", "status_delete"}


def _ns(name: str) -> str:
    return f"backlog:{name}" if name in STATUS_PAGES else f"products:{name}"


def _membership(user: Any, role: Role) -> Membership:
    return Membership.objects.get(user=user, role=role)


# Guard rails ------------------------------------------------------------------------------


def test_the_last_pm_can_not_be_removed(pm: Any) -> None:
    with pytest.raises(ValidationError, match="at least one Product Manager"):
        services.remove_member(actor=pm, membership=_membership(pm, Role.PM))
    assert Membership.objects.filter(user=pm, role=Role.PM).exists()


def test_the_last_pm_can_not_be_demoted(pm: Any) -> None:
    with pytest.raises(ValidationError, match="at least one Product Manager"):
        services.change_role(actor=pm, membership=_membership(pm, Role.PM), role=Role.STAKEHOLDER)


def test_a_pm_can_leave_once_another_pm_is_named(pm: Any, product: Product) -> None:
    other = UserFactory()
    services.add_member(actor=pm, product=product, user=other, role=Role.PM)
    services.remove_member(actor=other, membership=_membership(pm, Role.PM))
    assert not Membership.objects.filter(user=pm).exists()
    assert Event.objects.filter(verb="membership.removed").count() == 1


def test_a_team_can_not_have_two_product_owners(pm: Any, po: Any, team: Team) -> None:
    with pytest.raises(ValidationError, match="already has a Product Owner"):
        services.add_member(
            actor=pm, product=team.product, user=UserFactory(), role=Role.PO, team=team
        )


def test_a_developer_can_not_be_promoted_to_a_second_po(pm: Any, po: Any, developer: Any) -> None:
    with pytest.raises(ValidationError, match="already has a Product Owner"):
        services.change_role(
            actor=pm, membership=_membership(developer, Role.DEVELOPER), role=Role.PO
        )


def test_the_database_refuses_a_second_po_too(po: Any, team: Team) -> None:
    with violates("products_membership_one_po_per_team"):
        Membership.objects.create(user=UserFactory(), product=team.product, team=team, role=Role.PO)


def test_a_role_changes_within_its_level_only(pm: Any, developer: Any) -> None:
    with pytest.raises(ValidationError):
        services.change_role(
            actor=pm, membership=_membership(developer, Role.DEVELOPER), role=Role.PM
        )


def test_a_changed_role_applies_on_the_next_request(
    client: Client, pm: Any, developer: Any, product: Product
) -> None:
    client.force_login(developer)
    url = reverse("backlog:settings_statuses", args=[product.slug])
    assert client.post(url, {"new-name": "QA", "new-category": "todo"}).status_code == 403
    services.change_role(actor=pm, membership=_membership(developer, Role.DEVELOPER), role=Role.PO)
    assert client.post(url, {"new-name": "QA", "new-category": "todo"}).status_code == 302


def test_a_removed_member_gets_404_at_once(
    client: Client, pm: Any, developer: Any, product: Product
) -> None:
    client.force_login(developer)
    url = reverse("sprints:product_overview", args=[product.slug])
    assert client.get(url).status_code == 200
    services.remove_member(actor=pm, membership=_membership(developer, Role.DEVELOPER))
    assert client.get(url).status_code == 404


def test_the_guard_rails_answer_422_with_the_message_on_the_page(
    client: Client, pm: Any, product: Product
) -> None:
    client.force_login(pm)
    membership = _membership(pm, Role.PM)
    response = client.post(reverse("products:member_remove", args=[product.slug, membership.pk]))
    assert response.status_code == 422
    assert "at least one Product Manager" in response.content.decode()


# Workflow -------------------------------------------------------------------------------


def test_the_po_adds_renames_and_limits_a_status(po: Any, product: Product) -> None:
    status = workflow.create_status(actor=po, product=product, name="QA", category="in_progress")
    assert list(product.statuses.values_list("name", flat=True))[-1] == "QA"
    workflow.update_status(
        actor=po, status=status, name="Testing", category="in_progress", wip_limit=3
    )
    status.refresh_from_db()
    assert (status.name, status.wip_limit) == ("Testing", 3)
    assert Event.objects.filter(verb__startswith="status.").count() == 2


def test_a_status_name_is_unique_in_a_product(po: Any, product: Product) -> None:
    with pytest.raises(ValidationError, match="already has a status"):
        workflow.create_status(actor=po, product=product, name="done", category="done")


def test_statuses_move_left_and_right(po: Any, product: Product) -> None:
    review = product.statuses.get(name="Review")
    workflow.move_status(actor=po, status=review, up=True)
    assert list(product.statuses.values_list("name", flat=True)) == [
        "To do", "Review", "In progress", "Done"
    ]  # fmt: skip
    workflow.move_status(actor=po, status=review, up=False)
    workflow.move_status(actor=po, status=review, up=False)
    assert list(product.statuses.values_list("name", flat=True))[-1] == "Review"


def test_the_statuses_page_lists_them_in_board_order(
    client: Client, po: Any, product: Product
) -> None:
    review = product.statuses.get(name="Review")
    client.force_login(po)
    client.post(reverse("backlog:status_move", args=[product.slug, review.pk]), {"direction": "up"})
    response = client.get(reverse("backlog:settings_statuses", args=[product.slug]))
    names = [s.name for s, _form in response.context["rows"]]
    assert names == ["To do", "Review", "In progress", "Done"]
    fragment = client.post(
        reverse("backlog:status_move", args=[product.slug, review.pk]),
        {"direction": "down"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert b'id="status-list"' in fragment.content
    assert b"<html" not in fragment.content


def test_the_last_status_of_a_category_stays(po: Any, product: Product) -> None:
    done = status_of(product, StatusCategory.DONE)
    with pytest.raises(ValidationError, match="at least one"):
        backlog_services.delete_status(actor=po, status=done)
    with pytest.raises(ValidationError, match="at least one"):
        workflow.update_status(actor=po, status=done, name="Done", category="todo", wip_limit=None)


def test_deleting_a_status_moves_its_stories_with_one_event_each(
    po: Any, product: Product, make_story: Any
) -> None:
    review = product.statuses.get(name="Review")
    progress = product.statuses.get(name="In progress")
    stories = [make_story(status=review) for _ in range(3)]
    with pytest.raises(ValidationError, match="choose where"):
        backlog_services.delete_status(actor=po, status=review)
    review_pk = review.pk
    moved = backlog_services.delete_status(actor=po, status=review, move_to=progress)
    assert moved == 3
    assert not Status.objects.filter(pk=review_pk).exists()
    assert set(
        Story.objects.filter(pk__in=[s.pk for s in stories]).values_list("status", flat=True)
    ) == {progress.pk}
    # A moved story is a new version: a form opened before the deletion gets 409, not a
    # silent overwrite of the status.
    assert set(
        Story.objects.filter(pk__in=[s.pk for s in stories]).values_list("version", flat=True)
    ) == {2}
    events = Event.objects.filter(verb="story.moved", object_type="story")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(s.pk for s in stories)
    assert all(e.before == {"status": review_pk} for e in events)


def test_stories_can_not_move_to_another_products_status(
    po: Any, product: Product, make_story: Any
) -> None:
    from tests.products.factories import ProductFactory

    review = product.statuses.get(name="Review")
    make_story(status=review)
    foreign = ProductFactory().statuses.first()
    with pytest.raises(ValidationError):
        backlog_services.delete_status(actor=po, status=review, move_to=foreign)
    assert Status.objects.filter(pk=review.pk).exists()


def test_the_status_page_deletes_after_asking_where_stories_go(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    review = product.statuses.get(name="Review")
    make_story(status=review)
    client.force_login(po)
    url = reverse("backlog:status_delete", args=[product.slug, review.pk])
    page = client.get(url).content.decode()
    assert "It holds 1 story" in page
    assert client.post(url).status_code == 422
    done = status_of(product, StatusCategory.DONE)
    review_pk = review.pk
    assert client.post(url, {"move_to": done.pk}).status_code == 302
    assert not Status.objects.filter(pk=review_pk).exists()


def test_checklist_items_are_added_edited_reordered_and_removed(po: Any, product: Product) -> None:
    item = workflow.create_checklist_item(actor=po, product=product, kind="done", text="Demo given")

    def done_items() -> list[str]:
        return list(
            product.checklist.filter(kind=ChecklistKind.DONE).values_list("text", flat=True)
        )

    assert done_items()[-1] == "Demo given"
    workflow.move_checklist_item(actor=po, item=item, up=True)
    assert done_items()[-2] == "Demo given"
    workflow.update_checklist_item(actor=po, item=item, text="Demo to the PO", rule="")
    assert "Demo to the PO" in done_items()
    workflow.delete_checklist_item(actor=po, item=item)
    assert not ChecklistItem.objects.filter(pk=item.pk).exists()


def test_the_readiness_check_reads_the_edited_definition_of_ready(
    po: Any, product: Product, make_story: Any
) -> None:
    from backlog import readiness

    story = make_story(points=None, acceptance_criteria="")
    for item in product.checklist.filter(kind=ChecklistKind.READY):
        workflow.delete_checklist_item(actor=po, item=item)
    workflow.create_checklist_item(
        actor=po, product=product, kind="ready", text="Estimated", rule="is_estimated"
    )
    checks = readiness.check_ready(story)
    assert [(c.item.text, c.met) for c in checks] == [("Estimated", False)]


# Archive --------------------------------------------------------------------------------


def test_an_archived_product_is_read_only_for_every_service(
    pm: Any, po: Any, superuser: Any, product: Product, team: Team, make_story: Any
) -> None:
    from backlog.services import create_story

    services.archive_product(actor=pm, product=product)
    product.refresh_from_db()
    for actor in (pm, po, superuser):
        actor = type(actor).objects.get(pk=actor.pk)  # a new request: fresh grants
        with pytest.raises(PermissionDenied):
            create_story(actor=actor, product=product, title="Late idea")
        with pytest.raises(PermissionDenied):
            workflow.create_status(actor=actor, product=product, name="QA", category="todo")
        with pytest.raises(PermissionDenied):
            services.create_team(actor=actor, product=product, name="X", slug="x")


def test_an_archived_product_is_still_readable_and_can_be_restored(
    client: Client, pm: Any, product: Product
) -> None:
    services.archive_product(actor=pm, product=product)
    client.force_login(pm)
    page = client.get(reverse("backlog:backlog", args=[product.slug]))
    assert page.status_code == 200
    assert reverse("backlog:story_create", args=[product.slug]) not in page.content.decode()
    settings_page = client.get(reverse("products:settings", args=[product.slug])).content.decode()
    assert "Restore the product" in settings_page
    assert 'name="estimation_scale"' not in settings_page
    client.post(reverse("products:settings_archive", args=[product.slug]), {"archived": "0"})
    product.refresh_from_db()
    assert not product.is_archived


def test_an_outsider_gets_404_on_an_archived_product(
    outsider: Any, pm: Any, product: Product
) -> None:
    services.archive_product(actor=pm, product=product)
    with pytest.raises(Http404):
        workflow.create_status(actor=outsider, product=product, name="QA", category="todo")


def test_only_the_pm_archives(po: Any, product: Product) -> None:
    with pytest.raises(PermissionDenied):
        services.archive_product(actor=po, product=product)


def test_an_archived_team_plans_no_sprint_and_leaves_the_nav(
    client: Client, pm: Any, po: Any, product: Product, team: Team
) -> None:
    import datetime as dt

    services.archive_team(actor=pm, team=team)
    team.refresh_from_db()
    with pytest.raises(PermissionDenied):
        create_sprint(
            actor=po,
            team=team,
            name="S9",
            start_date=dt.date(2027, 1, 4),
            end_date=dt.date(2027, 1, 17),
        )
    client.force_login(po)
    html = client.get(reverse("backlog:backlog", args=[product.slug])).content.decode()
    assert reverse("sprints:team", args=[product.slug, team.slug]) not in html


def test_team_settings_are_validated(pm: Any, team: Team) -> None:
    import datetime as dt

    with pytest.raises(ValidationError):
        services.update_team(
            actor=pm, team=team, name="Falcons", slug="falcons", timezone="Mars/Olympus",
            daily_time=dt.time(9), working_days=[1, 2], sprint_weeks=2,
        )  # fmt: skip
    services.update_team(
        actor=pm, team=team, name="Falcons", slug="falcons", timezone="America/New_York",
        daily_time=dt.time(10), working_days=[1, 2, 3, 4], sprint_weeks=3,
    )  # fmt: skip
    team.refresh_from_db()
    assert (team.timezone, team.sprint_weeks, team.working_days) == (
        "America/New_York",
        3,
        [1, 2, 3, 4],
    )


def test_the_pm_switches_to_t_shirt_sizes(pm: Any, product: Product) -> None:
    points = {"XS": 1, "S": 2, "M": 4, "L": 8, "XL": 16, "XXL": 32}
    services.update_product_settings(
        actor=pm,
        product=product,
        name="Cadence",
        slug="cadence",
        estimation_scale="tshirt",
        tshirt_points=points,
    )
    product.refresh_from_db()
    assert product.estimation_cards()[:3] == [("XS", 1), ("S", 2), ("M", 4)]
    with pytest.raises(ValidationError):
        services.update_product_settings(
            actor=pm, product=product, name="Cadence", slug="cadence", estimation_scale="tshirt",
            tshirt_points=points | {"M": 1},
        )  # fmt: skip


def test_t_shirt_points_are_checked_in_the_sizes_order_not_the_mappings(
    pm: Any, product: Product
) -> None:
    # PostgreSQL's jsonb gives the keys back by length: XL came before XS, and renaming a
    # product (its points passed back as read) was refused.
    as_jsonb_gives_them = {"L": 5, "M": 3, "S": 2, "XL": 8, "XS": 1, "XXL": 13}
    services.update_product_settings(
        actor=pm, product=product, name="Renamed", slug="cadence", estimation_scale="tshirt",
        tshirt_points=as_jsonb_gives_them,
    )  # fmt: skip
    product.refresh_from_db()
    assert product.name == "Renamed"
    sizes = [size for size, _ in product.estimation_cards()]
    assert sizes[:6] == ["XS", "S", "M", "L", "XL", "XXL"]
    with pytest.raises(ValidationError):
        services.update_product_settings(
            actor=pm, product=product, name="Renamed", slug="cadence", estimation_scale="tshirt",
            tshirt_points={"XS": 1, "S": 2},
        )  # fmt: skip


# Query counts ---------------------------------------------------------------------------

PAGES = [
    "settings",
    "settings_statuses",
    "settings_checklists",
    "settings_teams",
    "settings_members",
]


@pytest.mark.parametrize("page", PAGES)
def test_settings_pages_cost_the_same_queries_whatever_their_size(
    client: Client,
    django_assert_num_queries: Any,
    pm: Any,
    po: Any,
    product: Product,
    team: Team,
    make_story: Any,
    page: str,
) -> None:
    from products import invitations

    client.force_login(pm)
    url = reverse(_ns(page), args=[product.slug])
    client.get(url)

    def grow(n: int) -> None:
        for i in range(n):
            workflow.create_status(
                actor=pm, product=product, name=f"S{n}-{i}", category="in_progress"
            )
            workflow.create_checklist_item(
                actor=pm, product=product, kind="ready", text=f"R{n}-{i}"
            )
            t = services.create_team(actor=pm, product=product, name=f"T{n}-{i}", slug=f"t{n}-{i}")
            MembershipFactory(product=product, team=t, role=Role.DEVELOPER)
            invitations.invite(
                actor=pm, product=product, email=f"p{n}{i}@example.com", role="stakeholder"
            )
            make_story()

    grow(1)
    response = client.get(url)
    assert response.status_code == 200
    counts = []
    for n in (2, 5):
        grow(n)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_num_queries(counts[1]):
        client.get(url)


def test_the_team_settings_page_costs_the_same_queries_whatever_its_size(
    client: Client, django_assert_num_queries: Any, pm: Any, po: Any, team: Team
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(pm)
    url = reverse("products:settings_team", args=[team.product.slug, team.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(6):
        MembershipFactory(product=team.product, team=team, role=Role.DEVELOPER)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200

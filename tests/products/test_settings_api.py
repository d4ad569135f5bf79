"""The settings through the API: same services, same rights, same guard rails."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from backlog.models import Story
from core.access import Role
from core.models import Event
from products.models import Invitation, Membership, Product, Status, Team
from tests.products.factories import UserFactory

API = "/api/v1"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _as(api: APIClient, user: Any) -> APIClient:
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize(
    ("role", "code"),
    [("pm", 201), ("superuser", 201), ("po", 403), ("developer", 403), ("stakeholder", 403),
     ("outsider", 403)],
)  # fmt: skip
def test_only_the_pm_gives_roles(
    api: APIClient,
    request: pytest.FixtureRequest,
    product: Product,
    team: Team,
    role: str,
    code: int,
) -> None:
    UserFactory(username="dev9")
    _as(api, request.getfixturevalue(role))
    data = {"product": product.pk, "user": "dev9", "role": "dev", "team": team.pk}
    response = api.post(f"{API}/memberships/", data, format="json")
    # An outsider holds the right nowhere: 403 before the body (which names a product
    # that isn't theirs) is read.
    assert response.status_code == code, response.content


def test_the_api_keeps_the_guard_rails(api: APIClient, pm: Any, po: Any, team: Team) -> None:
    _as(api, pm)
    mine = Membership.objects.get(user=pm)
    assert api.delete(f"{API}/memberships/{mine.pk}/").status_code == 400
    assert api.patch(f"{API}/memberships/{mine.pk}/", {"role": "stakeholder"}).status_code == 400
    UserFactory(username="second")
    data = {"product": team.product_id, "user": "second", "role": "po", "team": team.pk}
    response = api.post(f"{API}/memberships/", data, format="json")
    assert response.status_code == 400
    assert "Product Owner" in str(response.json())


def test_a_member_removed_through_the_api_loses_the_product(
    api: APIClient, pm: Any, developer: Any, product: Product
) -> None:
    membership = Membership.objects.get(user=developer)
    assert _as(api, pm).delete(f"{API}/memberships/{membership.pk}/").status_code == 204
    assert _as(api, developer).get(f"{API}/products/{product.pk}/").status_code == 404


def test_invitations_are_created_resent_and_revoked(
    api: APIClient,
    pm: Any,
    po: Any,
    product: Product,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _as(api, pm)
    data = {"product": product.pk, "email": "x@example.com", "role": "stakeholder"}
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(f"{API}/invitations/", data, format="json")
    assert created.status_code == 201, created.content
    assert "token" not in created.json()
    pk = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        resent = api.post(f"{API}/invitations/{pk}/resend/")
    assert resent.json()["sent_count"] == 2
    assert len(mail.outbox) == 2
    assert api.get(f"{API}/invitations/").json()["count"] == 1
    _as(api, po)
    assert api.get(f"{API}/invitations/").json()["count"] == 0
    assert api.post(f"{API}/invitations/{pk}/revoke/").status_code == 403
    assert _as(api, pm).post(f"{API}/invitations/{pk}/revoke/").json()["state"] == "revoked"


def test_an_archived_products_invitations_are_listed_as_its_settings_page_shows_them(
    api: APIClient, pm: Any, product: Product
) -> None:
    from products import invitations, services

    invitations.invite(
        actor=pm, product=product, email="x@example.com", role=Role.STAKEHOLDER, base_url=""
    )
    _as(api, pm)
    assert api.get(f"{API}/invitations/").json()["count"] == 1
    services.archive_product(actor=pm, product=product)
    # Archived, nobody manages its members: the settings page hides them, and so does the API.
    assert api.get(f"{API}/invitations/").json()["count"] == 0


def test_the_po_edits_the_workflow_through_the_api(
    api: APIClient, po: Any, developer: Any, product: Product, make_story: Any
) -> None:
    _as(api, po)
    data = {"product": product.pk, "name": "QA", "category": "in_progress", "wip_limit": 2}
    created = api.post(f"{API}/statuses/", data, format="json")
    assert created.status_code == 201
    qa = created.json()["id"]
    assert api.patch(f"{API}/statuses/{qa}/", {"wip_limit": 4}).json()["wip_limit"] == 4
    assert api.post(f"{API}/statuses/{qa}/move/", {"direction": "up"}).status_code == 200
    story = make_story(status=Status.objects.get(pk=qa))
    assert api.delete(f"{API}/statuses/{qa}/").status_code == 400
    done = product.statuses.get(name="Done")
    assert api.delete(f"{API}/statuses/{qa}/?move_to={done.pk}").status_code == 204
    story.refresh_from_db()
    assert story.status_id == done.pk
    assert Event.objects.filter(verb="story.moved", object_id=story.pk).exists()
    _as(api, developer)
    assert api.post(f"{API}/statuses/", data, format="json").status_code == 403


def test_checklist_items_through_the_api(
    api: APIClient, po: Any, stakeholder: Any, product: Product
) -> None:
    _as(api, po)
    data = {"product": product.pk, "kind": "done", "text": "Demo given", "rule": ""}
    created = api.post(f"{API}/checklist-items/", data, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api.patch(f"{API}/checklist-items/{pk}/", {"text": "Demo"}).json()["text"] == "Demo"
    assert api.post(f"{API}/checklist-items/{pk}/move/", {"direction": "up"}).status_code == 200
    assert _as(api, stakeholder).delete(f"{API}/checklist-items/{pk}/").status_code == 403
    assert _as(api, po).delete(f"{API}/checklist-items/{pk}/").status_code == 204


def test_the_pm_sets_the_estimation_scale(
    api: APIClient, pm: Any, po: Any, product: Product
) -> None:
    points = {"XS": 1, "S": 2, "M": 3, "L": 5, "XL": 8, "XXL": 13}
    data = {"estimation_scale": "tshirt", "tshirt_points": points}
    assert (
        _as(api, po).patch(f"{API}/products/{product.pk}/", data, format="json").status_code == 403
    )
    response = _as(api, pm).patch(f"{API}/products/{product.pk}/", data, format="json")
    assert response.status_code == 200
    assert response.json()["estimation_scale"] == "tshirt"


def test_an_archived_product_refuses_writes_through_the_api(
    api: APIClient, pm: Any, product: Product
) -> None:
    from products import services

    services.archive_product(actor=pm, product=product)
    data = {"product": product.pk, "name": "QA", "category": "todo"}
    assert _as(api, pm).post(f"{API}/statuses/", data, format="json").status_code == 403
    assert not Story.objects.exists()


@pytest.mark.parametrize("endpoint", ["memberships", "invitations", "statuses", "checklist-items"])
def test_settings_lists_cost_the_same_queries_whatever_their_size(
    api: APIClient, pm: Any, product: Product, django_assert_num_queries: Any, endpoint: str
) -> None:
    from products import invitations, workflow

    _as(api, pm)
    url = f"{API}/{endpoint}/?product={product.pk}"

    def grow(n: int) -> None:
        for i in range(n):
            workflow.create_status(actor=pm, product=product, name=f"S{n}{i}", category="todo")
            workflow.create_checklist_item(actor=pm, product=product, kind="done", text=f"{n}{i}")
            invitations.invite(
                actor=pm, product=product, email=f"{n}{i}@example.com", role="stakeholder"
            )
            Membership.objects.create(user=UserFactory(), product=product, role=Role.STAKEHOLDER)

    grow(1)
    api.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        api.get(url)
    grow(6)
    with django_assert_num_queries(len(small.captured_queries)):
        assert api.get(url).status_code == 200
    assert Invitation.objects.count() == 7


# Found by the schemathesis run (tests/api/test_schemathesis.py).


def test_an_unknown_automatic_check_is_refused_not_a_crash(
    api: APIClient, po: Any, product: Product
) -> None:
    # The edit passed the raw "rule" to ChecklistRule(): a 500.
    item = product.checklist.get(text="Is estimated")
    response = _as(api, po).patch(f"{API}/checklist-items/{item.pk}/", {"rule": "-58800"})
    assert response.status_code == 400 and "rule" in response.json()
    response = api.patch(f"{API}/checklist-items/{item.pk}/", {"text": " "}, format="json")
    assert response.status_code == 400 and "text" in response.json()
    item.refresh_from_db()
    assert (item.text, item.rule) == ("Is estimated", "is_estimated")


@pytest.mark.parametrize("pk", ["null,null", "abc", "99999999999999999999"])
def test_an_invitation_id_that_is_no_number_is_not_found(api: APIClient, pm: Any, pk: str) -> None:
    # resend and revoke looked the id up as given: "null,null" raised ValueError, a 500.
    for verb in ("resend", "revoke"):
        assert _as(api, pm).post(f"{API}/invitations/{pk}/{verb}/").status_code == 404


def test_a_move_to_that_is_no_id_is_refused(api: APIClient, po: Any, product: Product) -> None:
    # "²".isdigit() is true but int("²") raises; a huge id overflowed SQLite: both 500s.
    # Neither names a status, and deleting as if none were named would move the stories
    # elsewhere than asked: 400, and the status stays.
    status = product.statuses.create(name="QA", category="in_progress", position=9)
    _as(api, po)
    for value in ("99999999999999999999", "²"):
        response = api.delete(f"{API}/statuses/{status.pk}/?move_to={value}")
        assert response.status_code == 400
    assert product.statuses.filter(pk=status.pk).exists()

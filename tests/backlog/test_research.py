"""User research: the PM records insights and links them to the epics and stories acting on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from backlog import services
from backlog.models import Insight
from core.concurrency import Stale
from core.models import Event
from products.models import Product
from tests.backlog.factories import EpicFactory
from tests.products.factories import ProductFactory

ROLES = [
    ("pm", 302),
    ("superuser", 302),
    ("po", 403),
    ("scrum_master", 403),
    ("developer", 403),
    ("stakeholder", 403),
    ("other_team_po", 403),
    ("outsider", 404),
]
MEMBERS = ["pm", "po", "scrum_master", "developer", "stakeholder", "other_team_po", "superuser"]


def _insight(product: Product, pm: Any, **kwargs: Any) -> Insight:
    kwargs.setdefault("title", "Exports take too long")
    return services.create_insight(actor=pm, product=product, **kwargs)


# Services


def test_an_insight_is_recorded_with_an_event(product: Product, pm: Any) -> None:
    insight = _insight(
        product,
        pm,
        date=dt.date(2026, 3, 4),
        source="Interview, finance lead",
        finding="They export **every Friday**.",
        evidence_url="https://example.com/notes/12",
    )
    assert insight.created_by == pm and insight.product == product
    event = Event.objects.get(verb="insight.created")
    assert event.object_id == insight.pk and event.actor == pm
    assert event.after["date"] == "2026-03-04" and event.after["title"] == "Exports take too long"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"title": "  "}, "title"), ({"evidence_url": "not a link"}, "evidence_url")],
)
def test_it_refuses_a_blank_title_and_an_evidence_link_that_is_not_a_url(
    product: Product, pm: Any, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _insight(product, pm, **changes)
    assert field in excinfo.value.message_dict
    assert not Insight.objects.exists()


def test_links_and_unlinks_are_events_and_linking_twice_changes_nothing(
    product: Product, pm: Any, make_story: Any
) -> None:
    insight = _insight(product, pm)
    epic, story = EpicFactory(product=product), make_story()
    services.link_insight(actor=pm, insight=insight, epic=epic)
    services.link_insight(actor=pm, insight=insight, story=story)
    services.link_insight(actor=pm, insight=insight, epic=epic)
    assert list(insight.epics.all()) == [epic] and list(insight.stories.all()) == [story]
    linked = Event.objects.filter(verb="insight.linked").order_by("id")
    assert [e.after for e in linked] == [{"epic": epic.pk}, {"story": story.pk}]

    services.unlink_insight(actor=pm, insight=insight, epic=epic)
    assert not insight.epics.exists() and insight.stories.exists()
    assert Event.objects.get(verb="insight.unlinked").before == {"epic": epic.pk}


def test_it_refuses_to_link_an_epic_or_a_story_of_another_product(
    product: Product, pm: Any, make_story: Any
) -> None:
    insight = _insight(product, pm)
    elsewhere = ProductFactory()
    foreign_epic = EpicFactory(product=elsewhere)
    foreign_story = make_story(product=elsewhere)
    with pytest.raises(ValidationError) as excinfo:
        services.link_insight(actor=pm, insight=insight, epic=foreign_epic)
    assert "epic" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.link_insight(actor=pm, insight=insight, story=foreign_story)
    assert "story" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        services.unlink_insight(actor=pm, insight=insight, story=foreign_story)
    assert not insight.epics.exists() and not insight.stories.exists()
    assert not Event.objects.filter(verb="insight.linked").exists()


def test_an_edit_based_on_an_old_version_is_refused(product: Product, pm: Any) -> None:
    insight = _insight(product, pm)
    services.update_insight(actor=pm, insight=insight, version=1, title="Exports are slow")
    assert insight.version == 2
    stale = Insight.objects.get(pk=insight.pk)
    with pytest.raises(Stale) as excinfo:
        services.update_insight(actor=pm, insight=stale, version=1, title="Mine")
    current = excinfo.value.current
    assert isinstance(current, Insight)
    assert current.title == "Exports are slow"
    event = Event.objects.get(verb="insight.updated")
    assert event.before == {"title": "Exports take too long"}
    assert event.after == {"title": "Exports are slow"}


def test_a_developer_may_not_record_research(product: Product, developer: Any) -> None:
    with pytest.raises(PermissionDenied):
        _insight(product, developer)


# Pages


def test_the_research_page_lists_insights_newest_first_and_those_no_epic_addresses(
    client: Client, pm: Any, stakeholder: Any, product: Product, make_story: Any
) -> None:
    epic = EpicFactory(product=product, title="Faster exports")
    old = _insight(product, pm, title="Old finding", date=dt.date(2026, 1, 5))
    new = _insight(product, pm, title="New finding", date=dt.date(2026, 3, 5))
    only_story = _insight(product, pm, title="Story-only finding", date=dt.date(2026, 2, 5))
    services.link_insight(actor=pm, insight=old, epic=epic)
    services.link_insight(actor=pm, insight=only_story, story=make_story(title="CSV in 1 s"))
    client.force_login(stakeholder)
    html = client.get(reverse("backlog:research", args=[product.slug])).content.decode()
    listing = html[html.index('class="card insight"') :]
    assert listing.index("New finding") < listing.index("Story-only finding")
    assert listing.index("Story-only finding") < listing.index("Old finding")
    assert "Faster exports" in listing and "CSV in 1 s" in listing
    gap = html[html.index("Not addressed by any epic yet") : html.index('class="card insight"')]
    assert "New finding" in gap and "Story-only finding" in gap and "Old finding" not in gap
    assert new.title in html
    assert "New insight" not in html  # a stakeholder reads


def test_the_pm_records_an_insight_and_lands_on_its_page(
    client: Client, pm: Any, product: Product
) -> None:
    client.force_login(pm)
    response = client.post(
        reverse("backlog:research", args=[product.slug]),
        {"title": "Admins want SSO", "date": "2026-03-01", "source": "Survey", "finding": "x"},
    )
    insight = Insight.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backlog:insight", args=[product.slug, insight.pk])
    assert insight.source == "Survey" and insight.date == dt.date(2026, 3, 1)


def test_an_invalid_insight_is_422_with_its_errors(
    client: Client, pm: Any, product: Product
) -> None:
    client.force_login(pm)
    response = client.post(
        reverse("backlog:research", args=[product.slug]),
        {"title": "", "date": "2026-03-01", "evidence_url": "nope"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html and "Enter a valid URL." in html
    assert not Insight.objects.exists()


def test_a_stale_edit_is_409_and_keeps_the_current_values(
    client: Client, pm: Any, product: Product
) -> None:
    insight = _insight(product, pm)
    services.update_insight(actor=pm, insight=insight, version=1, title="Changed meanwhile")
    client.force_login(pm)
    response = client.post(
        reverse("backlog:insight", args=[product.slug, insight.pk]),
        {"title": "My title", "date": "2026-03-01", "version": "1"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this insight" in html and "My title" in html
    assert Insight.objects.get().title == "Changed meanwhile"


def test_the_pm_links_a_story_by_its_number_or_link_through_htmx(
    client: Client, pm: Any, product: Product, make_story: Any
) -> None:
    insight = _insight(product, pm)
    first, second = make_story(title="Stream the CSV"), make_story(title="Zip the CSV")
    client.force_login(pm)
    url = reverse("backlog:insight_link", args=[product.slug, insight.pk])
    response = client.post(url, {"story": f"#{first.pk}"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert 'id="insight-links"' in fragment and "<html" not in fragment
    assert "Stream the CSV" in fragment
    story_url = f"http://testserver{reverse('backlog:story', args=[product.slug, second.pk])}"
    assert client.post(url, {"story": story_url}).status_code == 302
    assert set(insight.stories.all()) == {first, second}


def test_a_story_of_another_product_is_not_found_by_the_link_form(
    client: Client, pm: Any, product: Product, make_story: Any
) -> None:
    insight = _insight(product, pm)
    foreign = make_story(product=ProductFactory())
    client.force_login(pm)
    response = client.post(
        reverse("backlog:insight_link", args=[product.slug, insight.pk]),
        {"story": str(foreign.pk)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert f"There is no story #{foreign.pk} in this product." in response.content.decode()
    assert not insight.stories.exists()


def test_the_pm_unlinks_an_epic_through_htmx(client: Client, pm: Any, product: Product) -> None:
    insight = _insight(product, pm)
    epic = EpicFactory(product=product, title="Billing")
    services.link_insight(actor=pm, insight=insight, epic=epic)
    client.force_login(pm)
    response = client.post(
        reverse("backlog:insight_unlink", args=[product.slug, insight.pk]),
        {"epic": epic.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "No epic addresses this insight yet." in response.content.decode()
    assert not insight.epics.exists()


def test_the_epic_page_lists_the_research_behind_it(
    client: Client, pm: Any, developer: Any, product: Product
) -> None:
    epic = EpicFactory(product=product)
    linked, _other = _insight(product, pm, title="Linked one"), _insight(product, pm, title="Other")
    services.link_insight(actor=pm, insight=linked, epic=epic)
    client.force_login(developer)
    html = client.get(reverse("backlog:epic", args=[product.slug, epic.pk])).content.decode()
    section = html[html.index("Research behind this epic") :]
    assert "Linked one" in section and "Other" not in section


def test_a_finding_with_a_script_is_shown_inert(
    client: Client, pm: Any, developer: Any, product: Product
) -> None:
    _insight(product, pm, finding='<script>alert(1)</script><img src=x onerror="alert(2)">')
    client.force_login(developer)
    html = client.get(reverse("backlog:research", args=[product.slug])).content.decode()
    assert "<script>alert" not in html and "onerror" not in html


# The capability matrix: only the PM (and the Head of Product) write user research.


@pytest.mark.parametrize("role", MEMBERS)
def test_every_member_reads_the_research(
    client: Client, request: pytest.FixtureRequest, product: Product, pm: Any, role: str
) -> None:
    insight = _insight(product, pm)
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(reverse("backlog:research", args=[product.slug]))
    detail = client.get(reverse("backlog:insight", args=[product.slug, insight.pk]))
    assert page.status_code == detail.status_code == 200
    can_write = role in {"pm", "superuser"}
    assert ("New insight" in page.content.decode()) is can_write
    assert ("Edit the insight" in detail.content.decode()) is can_write


def test_an_outsider_gets_404_on_the_research_pages(
    client: Client, outsider: Any, pm: Any, product: Product
) -> None:
    insight = _insight(product, pm)
    client.force_login(outsider)
    assert client.get(reverse("backlog:research", args=[product.slug])).status_code == 404
    url = reverse("backlog:insight", args=[product.slug, insight.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_records_an_insight(
    client: Client, request: pytest.FixtureRequest, product: Product, role: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("backlog:research", args=[product.slug]), {"title": "SSO", "date": "2026-03-01"}
    )
    assert response.status_code == status
    assert Insight.objects.filter(title="SSO").exists() is (status == 302)


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_edits_an_insight(
    client: Client, request: pytest.FixtureRequest, product: Product, pm: Any, role: str,
    status: int,
) -> None:  # fmt: skip
    insight = _insight(product, pm)
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("backlog:insight", args=[product.slug, insight.pk]),
        {"title": "Renamed", "date": "2026-03-01", "version": "1"},
    )
    assert response.status_code == status
    assert (Insight.objects.get().title == "Renamed") is (status == 302)


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_links_an_insight(
    client: Client, request: pytest.FixtureRequest, product: Product, pm: Any, role: str,
    status: int,
) -> None:  # fmt: skip
    insight = _insight(product, pm)
    epic = EpicFactory(product=product)
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("backlog:insight_link", args=[product.slug, insight.pk]), {"epic": epic.pk}
    )
    assert response.status_code == status
    assert insight.epics.exists() is (status == 302)


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_unlinks_an_insight(
    client: Client, request: pytest.FixtureRequest, product: Product, pm: Any, role: str,
    status: int,
) -> None:  # fmt: skip
    insight = _insight(product, pm)
    epic = EpicFactory(product=product)
    services.link_insight(actor=pm, insight=insight, epic=epic)
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("backlog:insight_unlink", args=[product.slug, insight.pk]), {"epic": epic.pk}
    )
    assert response.status_code == status
    assert insight.epics.exists() is (status != 302)


# Query counts: the same whatever the number of insights and links.


@pytest.mark.parametrize("size", [2, 12])
def test_the_research_page_costs_the_same_queries_whatever_its_size(
    client: Client, pm: Any, product: Product, make_story: Any,
    django_assert_num_queries: Any, size: int,
) -> None:  # fmt: skip
    for i in range(size):
        insight = _insight(product, pm, title=f"Finding {i}")
        if i % 2:
            services.link_insight(actor=pm, insight=insight, epic=EpicFactory(product=product))
        services.link_insight(actor=pm, insight=insight, story=make_story())
    client.force_login(pm)
    url = reverse("backlog:research", args=[product.slug])
    # Session, user, product, insights, their epics, their stories, teams, the user's roles.
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.content.decode().count('class="card insight"') == size


@pytest.mark.parametrize("size", [1, 8])
def test_the_epic_page_costs_the_same_queries_whatever_its_research(
    client: Client, pm: Any, product: Product, django_assert_num_queries: Any, size: int
) -> None:
    epic = EpicFactory(product=product)
    for i in range(size):
        services.link_insight(actor=pm, insight=_insight(product, pm, title=f"F{i}"), epic=epic)
    client.force_login(pm)
    url = reverse("backlog:epic", args=[product.slug, epic.pk])
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.content.decode().count("/research/") >= size

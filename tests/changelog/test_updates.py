"""Product updates: the PM's drafts, release notes from done stories, and the public
changelog and its Atom feed, which must never show anything internal."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from backlog.models import StoryKind
from changelog import services
from changelog.models import ProductUpdate, UpdateStatus, UpdateVisibility
from changelog.notes import escape_markdown
from core import clock
from core.concurrency import Stale
from core.models import Event
from products.models import Product, StatusCategory
from tests.backlog.factories import ReleaseFactory
from tests.conftest import violates
from tests.products.factories import ProductFactory, TeamFactory, status_of
from tests.sprints.factories import SprintFactory

ATOM = "{http://www.w3.org/2005/Atom}"
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


def _update(product: Product, pm: Any, publish: bool = False, **kwargs: Any) -> ProductUpdate:
    kwargs.setdefault("title", "Faster exports")
    kwargs.setdefault("body", "Exports now take **one second**.")
    update = services.create_update(actor=pm, product=product, **kwargs)
    if publish:
        services.publish_update(actor=pm, update=update)
    return update


def _public_and_internal(product: Product, pm: Any) -> None:
    """One of each kind an outsider must or must not see."""
    _update(product, pm, True, title="Public news", body="Dark mode is here.", visibility="public")
    _update(product, pm, True, title="Internal news", body="Churn is up 4 %.")
    _update(product, pm, title="Public draft", body="Pricing changes soon.", visibility="public")
    _update(product, pm, title="Internal draft", body="Layoffs rumour.")


# Services


def test_an_update_starts_as_an_internal_draft(product: Product, pm: Any) -> None:
    update = _update(product, pm)
    assert update.status == UpdateStatus.DRAFT and update.published_at is None
    assert update.visibility == UpdateVisibility.INTERNAL
    event = Event.objects.get(verb="update.created")
    assert event.object_type == "productupdate" and event.object_id == update.pk


def test_publishing_dates_the_update_once_and_unpublishing_takes_it_back(
    product: Product, pm: Any
) -> None:
    update = _update(product, pm, visibility="public")
    moment = dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC)
    with clock.at(moment):
        services.publish_update(actor=pm, update=update)
        services.publish_update(actor=pm, update=update)  # a double click
    # A tuple: mypy would keep the narrowed status after unpublish_update and call the
    # next check unreachable.
    assert (update.status, update.published_at) == (UpdateStatus.PUBLISHED, moment)
    assert Event.objects.filter(verb="update.published").count() == 1
    services.unpublish_update(actor=pm, update=update)
    assert update.status == UpdateStatus.DRAFT and update.published_at is None
    assert Event.objects.get(verb="update.unpublished").before["published_at"] == moment.isoformat()


def test_an_empty_update_is_not_published(product: Product, pm: Any) -> None:
    update = _update(product, pm, body="  ")
    with pytest.raises(ValidationError) as excinfo:
        services.publish_update(actor=pm, update=update)
    assert "body" in excinfo.value.message_dict
    assert ProductUpdate.objects.get().status == UpdateStatus.DRAFT


def test_an_edit_based_on_an_old_version_is_refused(product: Product, pm: Any) -> None:
    update = _update(product, pm)
    services.edit_update(actor=pm, update=update, version=1, body="New text", visibility="public")
    assert update.version == 2 and update.visibility == UpdateVisibility.PUBLIC
    with pytest.raises(Stale) as excinfo:
        services.edit_update(
            actor=pm, update=ProductUpdate.objects.get(), version=1, body="Old text"
        )
    current = excinfo.value.current
    assert isinstance(current, ProductUpdate)
    assert current.body == "New text"
    event = Event.objects.get(verb="update.edited")
    assert event.after == {"visibility": "public", "fields": ["body", "visibility"]}


def test_it_refuses_an_unknown_visibility(product: Product, pm: Any) -> None:
    with pytest.raises(ValidationError):
        _update(product, pm, visibility="secret")


def test_published_at_is_set_if_and_only_if_the_update_is_published(
    product: Product, pm: Any
) -> None:
    update = _update(product, pm)
    rows = ProductUpdate.objects.filter(pk=update.pk)
    with violates("changelog_productupdate_published_at_iff_published"):
        rows.update(status=UpdateStatus.PUBLISHED)
    with violates("changelog_productupdate_published_at_iff_published"):
        rows.update(published_at=clock.now())
    with violates("changelog_productupdate_visibility_valid"):
        rows.update(visibility="secret")


def test_a_developer_may_not_write_an_update(product: Product, developer: Any) -> None:
    with pytest.raises(PermissionDenied):
        _update(product, developer)


# Release notes


def test_release_notes_list_the_stories_done_in_a_sprint_by_kind(
    product: Product, pm: Any, team: Any, sprint: Any, make_story: Any
) -> None:
    done = status_of(product, StatusCategory.DONE)
    make_story(sprint=sprint, status=done, title="Export to CSV")
    make_story(sprint=sprint, status=done, title="Crash on *empty* names", kind=StoryKind.BUG)
    make_story(sprint=sprint, status=done, title="Import from Excel")
    make_story(sprint=sprint, title="Not finished yet")
    make_story(status=done, title="Done in no sprint")
    other = SprintFactory(team=team, name="Sprint 2", start_date=dt.date(2026, 3, 16))
    make_story(sprint=other, status=done, title="Done in another sprint")

    update = services.draft_release_notes(actor=pm, product=product, sprint_id=sprint.pk)
    assert update.status == UpdateStatus.DRAFT
    assert update.visibility == UpdateVisibility.INTERNAL
    assert update.title == "Release notes: Sprint 1"
    assert update.body == (
        "### Stories\n\n- Export to CSV\n- Import from Excel\n\n"
        "### Bugs\n\n- Crash on \\*empty\\* names\n"
    )
    event = Event.objects.get(verb="update.created")
    assert event.after["sprint"] == sprint.pk and event.after["stories"] == 3


def test_release_notes_list_the_stories_done_in_a_release(
    product: Product, pm: Any, make_story: Any
) -> None:
    done = status_of(product, StatusCategory.DONE)
    release, other = ReleaseFactory(product=product, name="2.0"), ReleaseFactory(product=product)
    make_story(release=release, status=done, title="Single sign-on", kind=StoryKind.STORY)
    make_story(release=release, status=done, title="Upgrade Django", kind=StoryKind.CHORE)
    make_story(release=release, title="Still in progress")
    make_story(release=other, status=done, title="Other release")
    update = services.draft_release_notes(actor=pm, product=product, release=release)
    assert update.title == "Release notes: 2.0"
    assert update.body == "### Stories\n\n- Single sign-on\n\n### Chores\n\n- Upgrade Django\n"


def test_release_notes_refuse_a_sprint_or_release_of_another_product(
    product: Product, pm: Any
) -> None:
    elsewhere = ProductFactory()
    foreign_sprint = SprintFactory(team=TeamFactory(product=elsewhere))
    with pytest.raises(ValidationError) as excinfo:
        services.draft_release_notes(actor=pm, product=product, sprint_id=foreign_sprint.pk)
    assert "sprint" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.draft_release_notes(
            actor=pm, product=product, release=ReleaseFactory(product=elsewhere)
        )
    assert "release" in excinfo.value.message_dict
    assert not ProductUpdate.objects.exists()


def test_release_notes_need_one_source_with_done_stories(
    product: Product, pm: Any, sprint: Any, make_story: Any
) -> None:
    make_story(sprint=sprint, title="Not done")
    with pytest.raises(ValidationError, match="nothing to announce"):
        services.draft_release_notes(actor=pm, product=product, sprint_id=sprint.pk)
    with pytest.raises(ValidationError, match="Choose a sprint or a release"):
        services.draft_release_notes(actor=pm, product=product)
    with pytest.raises(ValidationError, match="Choose a sprint or a release"):
        services.draft_release_notes(
            actor=pm, product=product, sprint_id=sprint.pk, release=ReleaseFactory(product=product)
        )


@pytest.mark.parametrize(
    ("title", "escaped"),
    [
        ("Plain title", "Plain title"),
        ("# Not a heading", "\\# Not a heading"),
        ("1. Not a list", "\\1. Not a list"),
        ("[link](javascript:x)", "\\[link\\](javascript:x)"),
        ("<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
        ("snake_case `code`", "snake\\_case \\`code\\`"),
    ],
)
def test_story_titles_are_text_in_the_release_notes(title: str, escaped: str) -> None:
    assert escape_markdown(title) == escaped


# Members' pages


def test_the_pm_sees_drafts_and_members_only_published_updates(
    client: Client, pm: Any, developer: Any, product: Product
) -> None:
    _public_and_internal(product, pm)
    url = reverse("changelog:updates", args=[product.slug])
    client.force_login(pm)
    html = client.get(url).content.decode()
    assert all(
        t in html for t in ("Public news", "Internal news", "Public draft", "Internal draft")
    )
    client.force_login(developer)
    html = client.get(url).content.decode()
    assert "Public news" in html and "Internal news" in html
    assert "Public draft" not in html and "Internal draft" not in html
    assert "Write an update" not in html


def test_a_member_gets_404_for_a_draft(
    client: Client, pm: Any, stakeholder: Any, product: Product
) -> None:
    draft = _update(product, pm)
    client.force_login(stakeholder)
    assert client.get(reverse("changelog:update", args=[product.slug, draft.pk])).status_code == 404


def test_the_pm_writes_an_update_and_publishes_it_through_htmx(
    client: Client, pm: Any, product: Product
) -> None:
    client.force_login(pm)
    response = client.post(
        reverse("changelog:updates", args=[product.slug]),
        {"title": "Dark mode", "visibility": "public", "body": "Easy on the eyes."},
    )
    update = ProductUpdate.objects.get()
    assert response["Location"] == reverse("changelog:update", args=[product.slug, update.pk])
    response = client.post(
        reverse("changelog:update_publish", args=[product.slug, update.pk]),
        headers={"HX-Request": "true"},
    )
    fragment = response.content.decode()
    assert response.status_code == 200 and "<html" not in fragment
    assert 'id="update-status"' in fragment and "Unpublish" in fragment
    assert ProductUpdate.objects.get().is_public


def test_publishing_an_empty_update_is_422_with_the_reason(
    client: Client, pm: Any, product: Product
) -> None:
    update = _update(product, pm, body="")
    client.force_login(pm)
    response = client.post(
        reverse("changelog:update_publish", args=[product.slug, update.pk]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Write the update before publishing it." in response.content.decode()


def test_a_stale_edit_is_409_and_shows_the_text_typed(
    client: Client, pm: Any, product: Product
) -> None:
    update = _update(product, pm)
    services.edit_update(actor=pm, update=update, version=1, body="Theirs")
    client.force_login(pm)
    response = client.post(
        reverse("changelog:update", args=[product.slug, update.pk]),
        {"title": "T", "visibility": "internal", "body": "Mine, typed for an hour", "version": "1"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this update" in html and "Mine, typed for an hour" in html
    assert ProductUpdate.objects.get().body == "Theirs"


def test_the_pm_drafts_release_notes_from_a_sprint(
    client: Client, pm: Any, product: Product, sprint: Any, make_story: Any
) -> None:
    make_story(sprint=sprint, status=status_of(product, StatusCategory.DONE), title="SSO")
    client.force_login(pm)
    page = client.get(reverse("changelog:updates", args=[product.slug])).content.decode()
    assert "Sprint 1 · Falcons" in page
    response = client.post(
        reverse("changelog:release_notes", args=[product.slug]), {"sprint": sprint.pk}
    )
    update = ProductUpdate.objects.get()
    assert response["Location"] == reverse("changelog:update", args=[product.slug, update.pk])
    assert "- SSO" in update.body


def test_release_notes_from_nothing_done_are_422(
    client: Client, pm: Any, product: Product, sprint: Any
) -> None:
    client.force_login(pm)
    response = client.post(
        reverse("changelog:release_notes", args=[product.slug]), {"sprint": sprint.pk}
    )
    assert response.status_code == 422
    assert "nothing to announce" in response.content.decode()


# The public changelog and its feed


def _anonymous_get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert not response.cookies, "a public page must not set a session or CSRF cookie"
    return response


def test_the_changelog_shows_only_published_public_updates_without_login(
    client: Client, pm: Any, product: Product, make_story: Any
) -> None:
    _public_and_internal(product, pm)
    make_story(title="Secret roadmap story")
    response = _anonymous_get(client, reverse("changelog:changelog", args=[product.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Public news" in html and "Dark mode is here." in html
    for secret in ("Internal news", "Churn", "Public draft", "Pricing", "Internal draft",
                   "Layoffs", "Secret roadmap story"):  # fmt: skip
        assert secret not in html
    feed = reverse("changelog:changelog_feed", args=[product.slug])
    assert '<link rel="alternate" type="application/atom+xml"' in html and feed in html


def test_the_feed_is_atom_with_stable_ids_and_dates_and_nothing_internal(
    client: Client, pm: Any, product: Product, make_story: Any
) -> None:
    _public_and_internal(product, pm)
    make_story(title="Secret roadmap story")
    update = ProductUpdate.objects.get(title="Public news")
    url = reverse("changelog:changelog_feed", args=[product.slug])
    response = _anonymous_get(client, url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    for secret in ("Internal news", "Churn", "Public draft", "Pricing", "Internal draft",
                   "Layoffs", "Secret roadmap story", pm.username):  # fmt: skip
        assert secret not in body

    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext(f"{ATOM}id") == f"urn:uuid:{update.uuid}"
    assert entry.findtext(f"{ATOM}title") == "Public news"
    assert dt.datetime.fromisoformat(entry.findtext(f"{ATOM}published", "")) == update.published_at
    assert entry.find(f"{ATOM}updated") is not None
    assert "Dark mode is here." in entry.findtext(f"{ATOM}summary", "")

    # An edit changes the entry's update date, never its id.
    services.edit_update(actor=pm, update=update, version=update.version, body="Dark mode, v2.")
    again = ET.fromstring(client.get(url).content).find(f"{ATOM}entry")
    assert again is not None
    assert again.findtext(f"{ATOM}id") == f"urn:uuid:{update.uuid}"
    updated_before = entry.findtext(f"{ATOM}updated")
    updated_after = again.findtext(f"{ATOM}updated")
    assert updated_before is not None and updated_after is not None
    assert updated_after > updated_before


def test_a_story_title_appears_publicly_only_in_a_public_update_s_body(
    client: Client, pm: Any, product: Product, sprint: Any, make_story: Any
) -> None:
    done = status_of(product, StatusCategory.DONE)
    make_story(sprint=sprint, status=done, title="Export to CSV")
    notes = services.draft_release_notes(actor=pm, product=product, sprint_id=sprint.pk)
    _update(product, pm, True, title="Hello", body="Welcome.", visibility="public")
    page_url = reverse("changelog:changelog", args=[product.slug])
    feed_url = reverse("changelog:changelog_feed", args=[product.slug])
    assert "Export to CSV" not in client.get(page_url).content.decode()
    assert "Export to CSV" not in client.get(feed_url).content.decode()
    services.publish_update(actor=pm, update=notes)  # published, but internal
    assert "Export to CSV" not in client.get(page_url).content.decode()
    notes.refresh_from_db()
    services.edit_update(actor=pm, update=notes, version=notes.version, visibility="public")
    assert "Export to CSV" in client.get(page_url).content.decode()
    assert "Export to CSV" in client.get(feed_url).content.decode()


def test_markdown_in_a_public_update_is_rendered_inert(
    client: Client, pm: Any, product: Product
) -> None:
    body = '**Bold** <script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:y)'
    _update(product, pm, True, title="Safe", body=body, visibility="public")
    html = client.get(reverse("changelog:changelog", args=[product.slug])).content.decode()
    assert "<strong>Bold</strong>" in html
    assert "<script>alert" not in html and "onerror" not in html and "javascript:" not in html
    feed = client.get(reverse("changelog:changelog_feed", args=[product.slug])).content.decode()
    assert "&lt;strong&gt;Bold&lt;/strong&gt;" in feed
    assert "script" not in feed and "onerror" not in feed and "javascript:" not in feed


@pytest.mark.parametrize("name", ["changelog:changelog", "changelog:changelog_feed"])
def test_an_unknown_product_or_one_without_public_news_is_404(
    client: Client, pm: Any, product: Product, name: str
) -> None:
    assert client.get(reverse(name, args=["no-such-product"])).status_code == 404
    _update(product, pm, True, title="Internal only")
    _update(product, pm, title="Public draft", visibility="public")
    response = client.get(reverse(name, args=[product.slug]))
    assert response.status_code == 404
    assert "Internal only" not in response.content.decode()
    assert "Public draft" not in response.content.decode()


def test_a_logged_in_member_reads_the_same_public_changelog(
    client: Client, pm: Any, product: Product
) -> None:
    _public_and_internal(product, pm)
    client.force_login(pm)
    html = client.get(reverse("changelog:changelog", args=[product.slug])).content.decode()
    assert "Public news" in html and "Internal news" not in html and "Public draft" not in html


# The capability matrix: only the PM (and the Head of Product) write updates.


@pytest.mark.parametrize("role", MEMBERS)
def test_every_member_reads_the_published_updates(
    client: Client, request: pytest.FixtureRequest, product: Product, pm: Any, role: str
) -> None:
    update = _update(product, pm, True)
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("changelog:updates", args=[product.slug]))
    detail = client.get(reverse("changelog:update", args=[product.slug, update.pk]))
    assert page.status_code == detail.status_code == 200
    assert ("Write an update" in page.content.decode()) is (role in {"pm", "superuser"})


def test_an_outsider_gets_404_on_the_updates_pages(
    client: Client, outsider: Any, pm: Any, product: Product
) -> None:
    update = _update(product, pm, True)
    client.force_login(outsider)
    assert client.get(reverse("changelog:updates", args=[product.slug])).status_code == 404
    url = reverse("changelog:update", args=[product.slug, update.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_writes_an_update(
    client: Client, request: pytest.FixtureRequest, product: Product, role: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("changelog:updates", args=[product.slug]),
        {"title": "News", "visibility": "internal", "body": "x"},
    )
    assert response.status_code == status
    assert ProductUpdate.objects.filter(title="News").exists() is (status == 302)


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_edits_an_update(
    client: Client, request: pytest.FixtureRequest, product: Product, pm: Any, role: str,
    status: int,
) -> None:  # fmt: skip
    update = _update(product, pm, True)  # published, so every member may read it
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("changelog:update", args=[product.slug, update.pk]),
        {"title": "Renamed", "visibility": "internal", "body": "x", "version": "1"},
    )
    assert response.status_code == status
    assert (ProductUpdate.objects.get().title == "Renamed") is (status == 302)


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_publishes_an_update(
    client: Client, request: pytest.FixtureRequest, product: Product, pm: Any, role: str,
    status: int,
) -> None:  # fmt: skip
    update = _update(product, pm)
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("changelog:update_publish", args=[product.slug, update.pk]))
    assert response.status_code == status
    assert ProductUpdate.objects.get().is_published is (status == 302)


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_unpublishes_an_update(
    client: Client, request: pytest.FixtureRequest, product: Product, pm: Any, role: str,
    status: int,
) -> None:  # fmt: skip
    update = _update(product, pm, True)
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("changelog:update_unpublish", args=[product.slug, update.pk]))
    assert response.status_code == status
    assert ProductUpdate.objects.get().is_published is (status != 302)


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_only_the_pm_drafts_release_notes(
    client: Client, request: pytest.FixtureRequest, product: Product, sprint: Any,
    make_story: Any, role: str, status: int,
) -> None:  # fmt: skip
    make_story(sprint=sprint, status=status_of(product, StatusCategory.DONE))
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("changelog:release_notes", args=[product.slug]), {"sprint": sprint.pk}
    )
    assert response.status_code == status
    assert ProductUpdate.objects.exists() is (status == 302)


# Query counts: the same whatever the number of updates.


@pytest.mark.parametrize("size", [2, 12])
def test_the_updates_page_costs_the_same_queries_whatever_its_size(
    client: Client, pm: Any, product: Product, sprint: Any, django_assert_num_queries: Any,
    size: int,
) -> None:  # fmt: skip
    for i in range(size):
        _update(product, pm, publish=bool(i % 2), title=f"News {i}")
    client.force_login(pm)
    # Session, user, product, updates with authors, teams, roles, sprints, releases.
    with django_assert_num_queries(8):
        response = client.get(reverse("changelog:updates", args=[product.slug]))
    assert response.content.decode().count('class="card update"') == size


@pytest.mark.parametrize("size", [2, 12])
def test_the_changelog_and_its_feed_cost_one_query_whatever_their_size(
    client: Client, pm: Any, product: Product, django_assert_num_queries: Any, size: int
) -> None:
    for i in range(size):
        _update(product, pm, True, title=f"News {i}", visibility="public")
    # An anonymous visitor: no session row, no user row; one query for the updates.
    with django_assert_num_queries(1):
        page = client.get(reverse("changelog:changelog", args=[product.slug]))
    assert page.content.decode().count('class="card changelog-entry"') == size
    with django_assert_num_queries(1):
        feed = client.get(reverse("changelog:changelog_feed", args=[product.slug]))
    assert len(ET.fromstring(feed.content).findall(f"{ATOM}entry")) == size

"""The sprint review: accepting and sending back done stories, feedback from everyone,
feedback turned into stories by the PO, notes, and the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog.models import Sprint, SprintState, Story
from core.access import Role
from core.concurrency import Stale
from core.models import Event
from products.models import Product, StatusCategory, Team
from sprints import services
from sprints import services as sprints
from sprints.models import Acceptance, Ceremony, CeremonyKind, ReviewFeedback
from sprints.services.acceptance import done_items
from tests.conftest import MakeStory
from tests.products.factories import MembershipFactory, UserFactory, status_of
from tests.sprints.factories import CeremonyFactory

ALL_ROLES = [
    "pm", "po", "scrum_master", "developer", "stakeholder", "other_team_po",
    "other_team_developer", "superuser",
]  # fmt: skip


def make_review(team: Team, sprint: Sprint | None) -> Ceremony:
    return CeremonyFactory(
        team=team,
        sprint=sprint,
        kind=CeremonyKind.REVIEW,
        duration_minutes=120,
        starts_at=dt.datetime(2026, 3, 13, 14, 0, tzinfo=team.tzinfo),
    )


@pytest.fixture
def review(team: Team, sprint: Sprint) -> Ceremony:
    Sprint.objects.filter(pk=sprint.pk).update(state=SprintState.ACTIVE)
    sprint.refresh_from_db()
    return make_review(team, sprint)


@pytest.fixture
def done_story(product: Product, sprint: Sprint, make_story: MakeStory) -> Story:
    return make_story(sprint=sprint, points=5, status=status_of(product, StatusCategory.DONE))


def tick_all(user: User, story: Story) -> None:
    for item in done_items(story):
        sprints.tick_done_item(actor=user, story=story, item=item)


def user_of(request: pytest.FixtureRequest, role: str) -> User:
    user: User = request.getfixturevalue(role)
    return user


# Feedback


@pytest.mark.parametrize("role", ALL_ROLES)
def test_everyone_in_the_product_gives_feedback(
    request: pytest.FixtureRequest, review: Ceremony, role: str
) -> None:
    user = user_of(request, role)
    feedback = services.add_review_feedback(actor=user, ceremony=review, text=" Nice demo ")
    assert (feedback.text, feedback.author) == ("Nice demo", user)
    assert Event.objects.filter(verb="review_feedback.added", object_id=feedback.pk).exists()


def test_an_outsider_gives_no_feedback(outsider: User, review: Ceremony) -> None:
    with pytest.raises(Http404):
        services.add_review_feedback(actor=outsider, ceremony=review, text="x")


def test_feedback_is_about_a_story_of_the_sprint_or_none(
    stakeholder: User, review: Ceremony, done_story: Story, make_story: MakeStory
) -> None:
    feedback = services.add_review_feedback(
        actor=stakeholder, ceremony=review, text="Faster please", about=done_story
    )
    assert feedback.about == done_story
    with pytest.raises(ValidationError):
        services.add_review_feedback(
            actor=stakeholder, ceremony=review, text="x", about=make_story()
        )
    with pytest.raises(ValidationError):
        services.add_review_feedback(actor=stakeholder, ceremony=review, text=" ")


def test_feedback_goes_only_to_a_review(stakeholder: User, team: Team) -> None:
    with pytest.raises(ValidationError):
        services.add_review_feedback(
            actor=stakeholder, ceremony=CeremonyFactory(team=team), text="x"
        )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("po", True), ("superuser", True), ("scrum_master", False), ("developer", False),
     ("pm", False), ("stakeholder", False), ("other_team_po", False)],
)  # fmt: skip
def test_only_the_po_turns_feedback_into_a_story(
    request: pytest.FixtureRequest,
    stakeholder: User,
    review: Ceremony,
    done_story: Story,
    role: str,
    allowed: bool,
) -> None:
    feedback = services.add_review_feedback(
        actor=stakeholder, ceremony=review, text="Export to PDF\nFor the board", about=done_story
    )
    before = Story.objects.count()
    user = user_of(request, role)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.convert_feedback_to_story(actor=user, feedback=feedback)
        assert Story.objects.count() == before
        return
    story = services.convert_feedback_to_story(actor=user, feedback=feedback)
    feedback.refresh_from_db()
    assert feedback.story == story
    assert story.title == "Export to PDF"
    assert story.team == review.team and story.sprint is None
    assert "stakeholder" in story.description and "> For the board" in story.description
    assert reverse("sprints:review", args=["cadence", review.pk]) in story.description
    assert f"#{done_story.pk}" in story.description
    assert list(story.review_feedback.all()) == [feedback]


def test_feedback_is_turned_into_a_story_once(po: User, review: Ceremony) -> None:
    feedback = services.add_review_feedback(actor=po, ceremony=review, text="x")
    services.convert_feedback_to_story(actor=po, feedback=feedback)
    with pytest.raises(ValidationError):
        services.convert_feedback_to_story(actor=po, feedback=feedback)


# Accepting and sending back


def test_the_po_accepts_a_done_story_of_the_sprint(
    po: User, developer: User, review: Ceremony, done_story: Story, make_story: MakeStory
) -> None:
    tick_all(developer, done_story)
    services.accept_story_in_review(actor=po, ceremony=review, story=done_story)
    assert Acceptance.objects.filter(story=done_story).exists()
    with pytest.raises(ValidationError):
        services.accept_story_in_review(actor=po, ceremony=review, story=make_story())


@pytest.mark.parametrize("role", ["scrum_master", "developer", "pm", "stakeholder"])
def test_only_the_po_accepts(
    request: pytest.FixtureRequest, developer: User, review: Ceremony, done_story: Story, role: str
) -> None:
    tick_all(developer, done_story)
    with pytest.raises(PermissionDenied):
        services.accept_story_in_review(
            actor=user_of(request, role), ceremony=review, story=done_story
        )


def test_a_rejected_story_returns_to_the_backlog_with_the_reason(
    po: User, review: Ceremony, done_story: Story
) -> None:
    story = services.reject_story_in_review(
        actor=po, ceremony=review, story=done_story, comment="Missing the empty state"
    )
    story.refresh_from_db()
    assert story.sprint is None
    assert story.status.category == StatusCategory.TODO
    event = Event.objects.get(verb="story.rejected", object_id=story.pk)
    assert event.after["comment"] == "Missing the empty state"
    assert Event.objects.filter(verb="story.removed_from_sprint", object_id=story.pk).exists()


def test_sending_back_needs_a_reason(po: User, review: Ceremony, done_story: Story) -> None:
    with pytest.raises(ValidationError):
        services.reject_story_in_review(actor=po, ceremony=review, story=done_story, comment="")
    done_story.refresh_from_db()
    assert done_story.sprint_id == review.sprint_id


# Notes


def test_notes_are_versioned(developer: User, po: User, review: Ceremony) -> None:
    version = review.version
    services.update_ceremony_notes(
        actor=developer, ceremony=review, notes="# Demo", version=version
    )
    review.refresh_from_db()
    assert (review.notes, review.version) == ("# Demo", version + 1)
    with pytest.raises(Stale) as stale:
        services.update_ceremony_notes(actor=po, ceremony=review, notes="late", version=version)
    current = stale.value.current
    assert isinstance(current, Ceremony)
    assert current.notes == "# Demo"


@pytest.mark.parametrize("role", ["pm", "stakeholder", "other_team_po"])
def test_only_the_team_writes_the_notes(
    request: pytest.FixtureRequest, review: Ceremony, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.update_ceremony_notes(
            actor=user_of(request, role), ceremony=review, notes="x", version=review.version
        )


# The page


def _url(review: Ceremony) -> str:
    return reverse("sprints:review", args=[review.team.product.slug, review.pk])


@pytest.mark.parametrize("role", [*ALL_ROLES, "outsider"])
def test_everyone_in_the_product_sees_the_page_and_may_give_feedback(
    client: Client, request: pytest.FixtureRequest, review: Ceremony, role: str
) -> None:
    client.force_login(user_of(request, role))
    response = client.get(_url(review))
    if role == "outsider":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert "Give feedback" in response.content.decode()
    url = reverse("sprints:review_feedback_add", args=["cadence", review.pk])
    assert client.post(url, {"text": f"From {role}"}).status_code == 302
    assert ReviewFeedback.objects.filter(text=f"From {role}").exists()


def test_the_page_shows_done_stories_their_acceptance_and_the_goal_met(
    client: Client, po: User, developer: User, review: Ceremony, done_story: Story
) -> None:
    sprint = review.sprint
    assert sprint is not None
    Sprint.objects.filter(pk=sprint.pk).update(goal="Ship search", goal_met=True)
    client.force_login(po)
    html = client.get(_url(review)).content.decode()
    assert done_story.title in html and "Awaiting acceptance" in html
    assert f'id="accept-{done_story.pk}" disabled' in html  # the DoD isn't ticked
    tick_all(developer, done_story)
    url = reverse("sprints:review_story_accept", args=["cadence", review.pk, done_story.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Accepted" in response.content.decode()
    Sprint.objects.filter(pk=sprint.pk).update(state=SprintState.CLOSED)
    html = client.get(_url(review)).content.decode()
    assert "Ship search" in html and "Goal met" in html


def test_sending_back_from_the_page_lists_the_story_with_its_reason(
    client: Client, po: User, review: Ceremony, done_story: Story
) -> None:
    client.force_login(po)
    url = reverse("sprints:review_story_reject", args=["cadence", review.pk, done_story.pk])
    response = client.post(url, {"comment": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    response = client.post(url, {"comment": "No tests"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sent back" in html and "No tests" in html


@pytest.mark.parametrize(("role", "status"), [("developer", 403), ("stakeholder", 403)])
def test_the_accept_and_reject_forms_are_for_the_po(
    client: Client,
    request: pytest.FixtureRequest,
    review: Ceremony,
    done_story: Story,
    role: str,
    status: int,
) -> None:
    client.force_login(user_of(request, role))
    for name in ("review_story_accept", "review_story_reject"):
        url = reverse(f"sprints:{name}", args=["cadence", review.pk, done_story.pk])
        assert client.post(url, {"comment": "x"}).status_code == status


def test_the_po_makes_a_story_of_feedback_from_the_page(
    client: Client, po: User, stakeholder: User, review: Ceremony
) -> None:
    feedback = services.add_review_feedback(actor=stakeholder, ceremony=review, text="Dark mode")
    client.force_login(stakeholder)
    assert "Make a story" not in client.get(_url(review)).content.decode()
    url = reverse("sprints:review_feedback_convert", args=["cadence", review.pk, feedback.pk])
    assert client.post(url).status_code == 403
    client.force_login(po)
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    feedback.refresh_from_db()
    assert feedback.story is not None
    assert f"Story #{feedback.story.pk}: Dark mode" in response.content.decode()


def test_stale_notes_get_409_with_the_notes_as_they_are(
    client: Client, developer: User, po: User, review: Ceremony
) -> None:
    version = review.version
    services.update_ceremony_notes(actor=po, ceremony=review, notes="**First**", version=version)
    client.force_login(developer)
    url = reverse("sprints:review_notes", args=["cadence", review.pk])
    response = client.post(
        url, {"notes": "Mine", "version": version}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "<strong>First</strong>" in html and "Mine" in html
    response = client.post(url, {"notes": "Mine", "version": version + 1})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.notes == "Mine"


def test_notes_are_rendered_as_sanitised_markdown(
    client: Client, po: User, review: Ceremony
) -> None:
    services.update_ceremony_notes(
        actor=po, ceremony=review, notes="*nice*<script>alert(1)</script>", version=review.version
    )
    client.force_login(po)
    html = client.get(_url(review)).content.decode()
    assert "<em>nice</em>" in html and "<script>alert(1)" not in html


@pytest.mark.parametrize("size", [5, 50])
def test_the_page_takes_the_same_queries_whatever_the_size(
    client: Client,
    django_assert_num_queries: Any,
    product: Product,
    team: Team,
    po: User,
    review: Ceremony,
    make_story: MakeStory,
    size: int,
) -> None:
    done = status_of(product, StatusCategory.DONE)
    for i in range(size):
        user = UserFactory(username=f"member{i}")
        MembershipFactory(user=user, product=product, team=team, role=Role.DEVELOPER)
        story = make_story(sprint=review.sprint, points=3, status=done, assignee=user)
        if i % 3 == 0:
            tick_all(user, story)
            services.accept_story_in_review(actor=po, ceremony=review, story=story)
        elif i % 3 == 1:
            services.reject_story_in_review(actor=po, ceremony=review, story=story, comment="no")
        services.add_review_feedback(actor=user, ceremony=review, text=f"f{i}", about=story)
        if i % 2:
            feedback = services.add_review_feedback(actor=user, ceremony=review, text=f"g{i}")
            services.convert_feedback_to_story(actor=po, feedback=feedback)
    client.force_login(po)
    with django_assert_num_queries(12):
        assert client.get(_url(review)).status_code == 200


def test_the_review_header_says_how_many_done_points_are_accepted(
    client: Client, po: User, review: Ceremony, done_story: Story, make_story: MakeStory
) -> None:
    """The points the close will count as completed, beside the points done."""
    waiting = make_story(
        sprint=review.sprint, points=3, status=status_of(done_story.product, StatusCategory.DONE)
    )
    for item in done_items(done_story):
        services.tick_done_item(actor=po, story=done_story, item=item)
    services.accept_story(actor=po, story=done_story)
    client.force_login(po)
    response = client.get(_url(review))
    assert (response.context["points_done"], response.context["points_accepted"]) == (8, 5)
    assert waiting.pk in {r.story.pk for r in response.context["done_stories"]}
    html = response.content.decode()
    assert "<strong>5</strong><span>points accepted</span>" in html

"""The sprint review: the PO accepts or sends back the sprint's done stories, everyone in the
product gives feedback, the PO turns feedback into backlog stories, and notes are kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from backlog import services as backlog
from backlog.models import Story
from core import access, clock, events
from core.access import Capability
from sprints import services as sprints
from sprints.models import Acceptance, Ceremony, CeremonyKind, ReviewFeedback
from sprints.services.retro import _title

if TYPE_CHECKING:
    from accounts.models import User


def _check_review(ceremony: Ceremony) -> None:
    if ceremony.kind != CeremonyKind.REVIEW:
        raise ValidationError(_("This ceremony is not a sprint review."))


def _check_sprint_story(ceremony: Ceremony, story: Story | None, field: str = "story") -> None:
    if story is not None and (ceremony.sprint_id is None or story.sprint_id != ceremony.sprint_id):
        raise ValidationError({field: _("The story must be one of the reviewed sprint's.")})


def review_url(ceremony: Ceremony) -> str:
    return reverse("sprints:review", args=[ceremony.team.product.slug, ceremony.pk])


@transaction.atomic
def add_review_feedback(
    *, actor: User, ceremony: Ceremony, text: str, about: Story | None = None
) -> ReviewFeedback:
    """Open to everyone in the product, stakeholders included. Refuses an empty text and a
    story outside the reviewed sprint."""
    access.require(actor, Capability.GIVE_FEEDBACK, ceremony)
    _check_review(ceremony)
    _check_sprint_story(ceremony, about, "about")
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the feedback first.")})
    feedback = ReviewFeedback.objects.create(
        ceremony=ceremony, text=text, about=about, author=actor, created_at=clock.now()
    )
    events.record(
        feedback,
        "review_feedback.added",
        actor=actor,
        after={"text": text, "about": about.pk if about else None},
    )
    return feedback


@transaction.atomic
def convert_feedback_to_story(*, actor: User, feedback: ReviewFeedback) -> Story:
    """Turns feedback into a story of the team, at the bottom of the product backlog; the
    story quotes the feedback and links to the review. Refuses anyone but the team's PO and
    feedback converted already."""
    ceremony = feedback.ceremony
    access.require(actor, Capability.CONVERT_TO_STORY, ceremony)
    feedback = (
        ReviewFeedback.objects.select_for_update(of=("self",))
        .select_related("author", "about")
        .get(pk=feedback.pk)
    )
    if feedback.story_id is not None:
        raise ValidationError(_("This feedback is already a story."))
    team = ceremony.team
    author = feedback.author.display_name if feedback.author else _("someone")
    description = _(
        "Feedback from %(author)s in the [%(ceremony)s of %(date)s](%(url)s):\n\n%(text)s"
    ) % {
        "author": author,
        "ceremony": ceremony,
        "date": ceremony.starts_at.astimezone(team.tzinfo).date().isoformat(),
        "url": review_url(ceremony),
        "text": "\n".join(f"> {line}" for line in feedback.text.splitlines()),
    }
    if feedback.about is not None:
        description += "\n\n" + _("About the story #%(id)d, %(title)s.") % {
            "id": feedback.about.pk,
            "title": feedback.about.title,
        }
    story = backlog.create_story(
        actor=actor,
        product=team.product,
        team=team,
        title=_title(feedback.text),
        description=description,
    )
    feedback.story = story
    feedback.save(update_fields=["story"])
    events.record(
        feedback,
        "review_feedback.converted",
        actor=actor,
        after={"story": story.pk},
    )
    return story


def accept_story_in_review(*, actor: User, ceremony: Ceremony, story: Story) -> Acceptance:
    """``sprints.services.accept_story`` for a story of the reviewed sprint."""
    _check_review(ceremony)
    _check_sprint_story(ceremony, story)
    return sprints.accept_story(actor=actor, story=story)


@transaction.atomic
def reject_story_in_review(*, actor: User, ceremony: Ceremony, story: Story, comment: str) -> Story:
    """``sprints.services.reject_story`` (which records the reason), then the story leaves
    the sprint for the product backlog, where the PO orders it with the rest."""
    _check_review(ceremony)
    _check_sprint_story(ceremony, story)
    story = sprints.reject_story(actor=actor, story=story, comment=comment)
    return sprints.remove_story_from_sprint(actor=actor, story=story)

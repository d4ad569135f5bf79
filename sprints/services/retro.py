"""The retrospective: cards in three columns, dot votes, grouping, and action items that the
PO may turn into backlog stories.

Cards, votes and actions are written by the team (``WRITE_DAILY`` on the ceremony's team);
the facilitators (``SCHEDULE_CEREMONIES``: PO, Scrum Master) set the dots and reveal them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from backlog import services as backlog
from backlog.models import Story
from core import access, clock, events
from core.access import Capability
from core.fields import check_days
from products.models import Membership
from sprints.models import Ceremony, CeremonyKind, RetroAction, RetroCard, RetroColumn, RetroVote

if TYPE_CHECKING:
    from accounts.models import User

MAX_VOTES = 20
TITLE_LENGTH = 200


def _check_retro(ceremony: Ceremony) -> None:
    if ceremony.kind != CeremonyKind.RETROSPECTIVE:
        raise ValidationError(_("This ceremony is not a retrospective."))


def _text(text: str, field: str = "text") -> str:
    text = text.strip()
    if not text:
        raise ValidationError({field: _("Write something first.")})
    return text


def _check_owner(ceremony: Ceremony, owner: User | None) -> None:
    if owner is None:
        return
    if not Membership.objects.filter(team_id=ceremony.team_id, user=owner).exists():
        raise ValidationError({"owner": _("The owner must be a member of the team.")})


def retro_url(ceremony: Ceremony) -> str:
    return reverse("sprints:retro", args=[ceremony.team.product.slug, ceremony.pk])


# Cards


@transaction.atomic
def add_retro_card(*, actor: User, ceremony: Ceremony, column: str, text: str) -> RetroCard:
    """Refuses anyone outside the team, other ceremonies than a retrospective, unknown
    columns and empty cards."""
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    _check_retro(ceremony)
    if column not in RetroColumn.values:
        raise ValidationError({"column": _("Choose one of the three columns.")})
    card = RetroCard.objects.create(
        ceremony=ceremony, column=column, text=_text(text), author=actor, created_at=clock.now()
    )
    events.record(
        card, "retro_card.added", actor=actor, after={"column": column, "text": card.text}
    )
    return card


def _check_author(actor: User, card: RetroCard) -> None:
    if not access.can(actor, Capability.EDIT_OWN, card):
        raise PermissionDenied(_("Only the card's author may change it."))


@transaction.atomic
def edit_retro_card(
    *, actor: User, card: RetroCard, text: str, column: str | None = None
) -> RetroCard:
    """Refuses anyone but the card's author (in the team), empty text and unknown columns."""
    access.require(actor, Capability.WRITE_DAILY, card.ceremony)
    _check_author(actor, card)
    column = column or card.column
    if column not in RetroColumn.values:
        raise ValidationError({"column": _("Choose one of the three columns.")})
    before = {"text": card.text, "column": card.column}
    card.text, card.column = _text(text), column
    card.save(update_fields=["text", "column"])
    events.record(
        card,
        "retro_card.edited",
        actor=actor,
        before=before,
        after={"text": card.text, "column": card.column},
    )
    return card


@transaction.atomic
def delete_retro_card(*, actor: User, card: RetroCard) -> None:
    """Refuses anyone but the card's author or a facilitator. Cards grouped under it stand
    alone again; its votes go with it (their dots come back)."""
    ceremony = card.ceremony
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    if not access.can(actor, Capability.SCHEDULE_CEREMONIES, ceremony):
        _check_author(actor, card)
    events.record(
        card, "retro_card.deleted", actor=actor, before={"text": card.text, "column": card.column}
    )
    card.delete()


@transaction.atomic
def group_retro_card(*, actor: User, card: RetroCard, under: RetroCard | None) -> RetroCard:
    """Put a card under another one of the same retrospective, or alone again (``under`` is
    None). Groups are one level deep: a card put under another brings the cards grouped
    under it along, and a card can't go under one that is itself grouped."""
    ceremony = card.ceremony
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    if under is not None:
        if under.ceremony_id != card.ceremony_id:
            raise ValidationError({"under": _("Both cards must be in this retrospective.")})
        if under.pk == card.pk:
            raise ValidationError({"under": _("A card can't be grouped under itself.")})
        if under.group_id is not None:
            raise ValidationError(
                {"under": _("That card is grouped under another one; choose the group's card.")}
            )
    before = card.group_id
    if under is not None:
        RetroCard.objects.filter(group=card).update(group=under)
    card.group = under
    card.save(update_fields=["group"])
    events.record(
        card,
        "retro_card.grouped" if under else "retro_card.ungrouped",
        actor=actor,
        before={"group": before},
        after={"group": under.pk if under else None},
    )
    return card


# Votes


def votes_used(ceremony: Ceremony, voter: User) -> int:
    return RetroVote.objects.filter(card__ceremony=ceremony, voter=voter).count()


def _locked_ceremony(ceremony: Ceremony) -> Ceremony:
    # Two votes of one member at once must not both pass the limit: they queue on the row.
    return Ceremony.objects.select_for_update().get(pk=ceremony.pk)


@transaction.atomic
def vote_retro_card(*, actor: User, card: RetroCard) -> RetroVote:
    """Refuses anyone outside the team and a member who has used all their dots."""
    access.require(actor, Capability.WRITE_DAILY, card.ceremony)
    ceremony = _locked_ceremony(card.ceremony)
    _check_retro(ceremony)
    if votes_used(ceremony, actor) >= ceremony.votes_per_member:
        raise ValidationError(
            _("You have used your %(count)d dots; take one back to vote elsewhere.")
            % {"count": ceremony.votes_per_member}
        )
    vote = RetroVote.objects.create(card=card, voter=actor, created_at=clock.now())
    # Neither the card nor the dots' count: the votes are hidden, and anyone who reads the
    # event log (the API, the activity page, the live channel) could otherwise count who
    # put their dots where. The event says only that the member voted.
    events.record(vote, "retro_vote.cast", actor=actor)
    return vote


@transaction.atomic
def unvote_retro_card(*, actor: User, card: RetroCard, vote: RetroVote | None = None) -> None:
    """Takes back one of the member's dots from the card (``vote``, or their latest there);
    refuses when there is none."""
    access.require(actor, Capability.WRITE_DAILY, card.ceremony)
    _locked_ceremony(card.ceremony)  # the row lock serialises the votes
    mine = RetroVote.objects.filter(card=card, voter=actor)
    vote = mine.filter(pk=vote.pk).first() if vote else mine.order_by("-id").first()
    if vote is None:
        raise ValidationError(_("You have no dot on this card."))
    events.record(vote, "retro_vote.withdrawn", actor=actor)  # no card: see vote_retro_card
    vote.delete()


@transaction.atomic
def set_retro_votes(*, actor: User, ceremony: Ceremony, votes_per_member: int) -> Ceremony:
    """Refuses anyone but the team's PO and Scrum Master, numbers outside 1–20, and fewer
    dots than a member has already put down."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, ceremony)
    ceremony = _locked_ceremony(ceremony)
    _check_retro(ceremony)
    if not 1 <= votes_per_member <= MAX_VOTES:
        raise ValidationError(
            {"votes_per_member": _("Give each member from 1 to %(max)d dots.") % {"max": MAX_VOTES}}
        )
    used = (
        RetroVote.objects.filter(card__ceremony=ceremony)
        .values("voter")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("n", flat=True)
        .first()
    ) or 0
    if votes_per_member < used:
        raise ValidationError(
            {
                "votes_per_member": _(
                    "A member has already put down %(count)d dots; give at least that many."
                )
                % {"count": used}
            }
        )
    before = ceremony.votes_per_member
    ceremony.votes_per_member = votes_per_member
    ceremony.save(update_fields=["votes_per_member"])
    events.record(
        ceremony,
        "retro.votes_set",
        actor=actor,
        before={"votes_per_member": before},
        after={"votes_per_member": votes_per_member},
    )
    return ceremony


@transaction.atomic
def reveal_retro_votes(*, actor: User, ceremony: Ceremony, revealed: bool = True) -> Ceremony:
    """Shows (or hides again) every card's dots. Refuses anyone but the PO and Scrum Master."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, ceremony)
    ceremony = _locked_ceremony(ceremony)
    _check_retro(ceremony)
    if ceremony.votes_revealed == revealed:
        return ceremony
    ceremony.votes_revealed = revealed
    ceremony.save(update_fields=["votes_revealed"])
    events.record(
        ceremony,
        "retro.votes_revealed" if revealed else "retro.votes_hidden",
        actor=actor,
        before={"revealed": not revealed},
        after={"revealed": revealed},
    )
    return ceremony


# Actions


def _check_card(ceremony: Ceremony, card: RetroCard | None) -> None:
    if card is not None and card.ceremony_id != ceremony.pk:
        raise ValidationError({"card": _("The card must be in this retrospective.")})


def _action_values(action: RetroAction) -> dict[str, object]:
    return {
        "text": action.text,
        "owner": action.owner_id,
        "due_date": action.due_date.isoformat() if action.due_date else None,
    }


@transaction.atomic
def add_retro_action(
    *,
    actor: User,
    ceremony: Ceremony,
    text: str,
    owner: User | None = None,
    due_date: dt.date | None = None,
    card: RetroCard | None = None,
) -> RetroAction:
    """Refuses anyone outside the team, an owner outside the team and an empty text."""
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    _check_retro(ceremony)
    _check_owner(ceremony, owner)
    _check_card(ceremony, card)
    check_days(due_date=due_date)
    action = RetroAction.objects.create(
        ceremony=ceremony,
        card=card,
        text=_text(text),
        owner=owner,
        due_date=due_date,
        created_by=actor,
        created_at=clock.now(),
    )
    events.record(action, "retro_action.added", actor=actor, after=_action_values(action))
    return action


@transaction.atomic
def edit_retro_action(
    *,
    actor: User,
    action: RetroAction,
    text: str,
    owner: User | None = None,
    due_date: dt.date | None = None,
) -> RetroAction:
    """Refuses anyone outside the team, an owner outside the team and an empty text."""
    ceremony = action.ceremony
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    _check_owner(ceremony, owner)
    before = _action_values(action)
    check_days(due_date=due_date)
    action.text, action.owner, action.due_date = _text(text), owner, due_date
    action.save(update_fields=["text", "owner", "due_date"])
    events.record(
        action, "retro_action.edited", actor=actor, before=before, after=_action_values(action)
    )
    return action


@transaction.atomic
def delete_retro_action(*, actor: User, action: RetroAction) -> None:
    """Refuses anyone outside the team. A story made from it stays in the backlog."""
    ceremony = action.ceremony
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    events.record(action, "retro_action.deleted", actor=actor, before=_action_values(action))
    action.delete()


@transaction.atomic
def set_retro_action_done(*, actor: User, action: RetroAction, done: bool) -> RetroAction:
    """Ticks an action done, or not done again. Refuses anyone outside the team."""
    ceremony = action.ceremony
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    if action.done_at is not None and done:
        return action
    if action.done_at is None and not done:
        return action
    action.done_at = clock.now() if done else None
    action.save(update_fields=["done_at"])
    events.record(
        action,
        "retro_action.done" if done else "retro_action.reopened",
        actor=actor,
        before={"done": not done},
        after={"done": done},
    )
    return action


def _title(text: str) -> str:
    first_line = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(first_line) > TITLE_LENGTH:
        first_line = first_line[: TITLE_LENGTH - 1].rstrip() + "…"
    return first_line


@transaction.atomic
def convert_action_to_story(*, actor: User, action: RetroAction) -> Story:
    """Turns an action into a story of the team, at the bottom of the product backlog, whose
    description links back to the retrospective. Refuses anyone but the team's PO and an
    action converted already."""
    ceremony = action.ceremony
    access.require(actor, Capability.CONVERT_TO_STORY, ceremony)
    action = RetroAction.objects.select_for_update().get(pk=action.pk)
    if action.story_id is not None:
        raise ValidationError(_("This action is already a story."))
    team = ceremony.team
    description = _("From an action of the [%(ceremony)s of %(date)s](%(url)s):\n\n%(text)s") % {
        "ceremony": ceremony,
        "date": ceremony.starts_at.astimezone(team.tzinfo).date().isoformat(),
        "url": retro_url(ceremony),
        "text": "\n".join(f"> {line}" for line in action.text.splitlines()),
    }
    story = backlog.create_story(
        actor=actor,
        product=team.product,
        team=team,
        title=_title(action.text),
        description=description,
        assignee=action.owner,
    )
    action.story = story
    action.save(update_fields=["story"])
    events.record(action, "retro_action.converted", actor=actor, after={"story": story.pk})
    return story

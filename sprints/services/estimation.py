"""Planning poker: a facilitator opens a round on a story, the team votes hidden cards,
the facilitator reveals, then the team re-votes or agrees and the points reach the story.

The facilitator is whoever may schedule the team's ceremonies (its PO or Scrum Master);
voters are the team's members who write its daily (PO, Scrum Master, developers). A round
is live while voting or revealed, and a team has one live round at a time (a partial
unique constraint); a re-vote closes the round as cancelled and opens a fresh one on the
same story, so every round keeps the votes it was revealed with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backlog import services as backlog
from backlog.models import Story
from core import access, clock, events
from core.access import Capability
from products.models import StatusCategory, Team
from sprints.models import Ceremony, CeremonyKind, EstimationRound, EstimationVote, RoundState

if TYPE_CHECKING:
    from accounts.models import User

LIVE = (RoundState.VOTING, RoundState.REVEALED)


def _locked(round: EstimationRound) -> EstimationRound:
    """The round's row as it is now, locked for this transaction: two facilitators pressing
    at once act one after the other, on the state the first one left."""
    current = (
        EstimationRound.objects.select_for_update()
        .select_related("team__product", "story")
        .get(pk=round.pk)
    )
    return current


def _record(actor: User, verb: str, round: EstimationRound, **after: object) -> None:
    events.record(
        round,
        verb,
        actor=actor,
        after={"story": round.story_id, "state": round.state, **after},
    )


def _check_story(actor: User, team: Team, story: Story) -> None:
    if story.product_id != team.product_id or story.team_id not in (None, team.pk):
        raise ValidationError({"story": _("Only the team's stories and unassigned ones.")})
    if Story.objects.filter(pk=story.pk, status__category=StatusCategory.DONE).exists():
        raise ValidationError({"story": _("This story is done: there is nothing to estimate.")})
    # Agreeing writes the points through the story's edit, which a Scrum Master may not
    # make on a story no team has taken yet: refuse now rather than after the votes.
    if not access.can(actor, Capability.EDIT_STORY, story):
        raise PermissionDenied(
            _("Only a Product Owner may estimate a story that no team has taken yet.")
        )


def _open(*, actor: User, team: Team, story: Story, ceremony: Ceremony | None) -> EstimationRound:
    try:
        # A savepoint: the unique constraint settles two rounds opened at the same moment.
        with transaction.atomic():
            round = EstimationRound.objects.create(
                team=team, story=story, ceremony=ceremony, opened_by=actor, opened_at=clock.now()
            )
    except IntegrityError as error:
        raise ValidationError(
            _("Another estimation round is live for this team: close it first.")
        ) from error
    return round


@transaction.atomic
def open_round(
    *, actor: User, team: Team, story: Story, ceremony: Ceremony | None = None
) -> EstimationRound:
    """Refuses anyone but the team's PO or Scrum Master, another team's or a done story,
    a ceremony of another team, and a second live round for the team."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, team)
    _check_story(actor, team, story)
    if ceremony is not None and (
        ceremony.team_id != team.pk
        or ceremony.kind not in (CeremonyKind.REFINEMENT, CeremonyKind.PLANNING)
    ):
        raise ValidationError(
            {"ceremony": _("Rounds belong to a refinement or planning of the same team.")}
        )
    if EstimationRound.objects.filter(team=team, state__in=LIVE).exists():
        raise ValidationError(_("Another estimation round is live for this team: close it first."))
    round = _open(actor=actor, team=team, story=story, ceremony=ceremony)
    _record(actor, "estimation.round_opened", round, ceremony=getattr(ceremony, "pk", None))
    return round


@transaction.atomic
def cast_vote(*, actor: User, round: EstimationRound, card: str) -> EstimationVote:
    """Refuses anyone outside the team, a card that isn't on the product's deck, and votes
    once the round is revealed or closed. Voting again while voting replaces the vote."""
    access.require(actor, Capability.ESTIMATE, round)
    round = _locked(round)
    deck = dict(round.team.product.estimation_cards())
    if card not in deck:
        raise ValidationError({"card": _("This card is not in the product's deck.")})
    if round.state != RoundState.VOTING:
        raise ValidationError(_("The votes of this round are closed."))
    now = clock.now()
    changes = {"card": card, "points": deck[card], "voted_at": now}
    vote = EstimationVote.objects.filter(round=round, voter=actor).first()
    if vote is None:
        vote = EstimationVote.objects.create(round=round, voter=actor, **changes)
    else:
        EstimationVote.objects.filter(pk=vote.pk).update(**changes)
        vote.card, vote.points, vote.voted_at = card, deck[card], now
    # The card stays out of the log until the reveal: the votes are hidden.
    _record(actor, "estimation.voted", round, voter=actor.pk)
    return vote


@transaction.atomic
def reveal_round(*, actor: User, round: EstimationRound) -> EstimationRound:
    """Refuses anyone but the facilitators, a round no one voted in, and one not voting."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, round)
    round = _locked(round)
    if round.state != RoundState.VOTING:
        raise ValidationError(_("Only a round being voted can be revealed."))
    votes = list(round.votes.order_by("voted_at", "id").values_list("voter_id", "card"))
    if not votes:
        raise ValidationError(_("Nobody has voted yet."))
    round.state, round.revealed_at = RoundState.REVEALED, clock.now()
    round.save(update_fields=["state", "revealed_at"])
    _record(actor, "estimation.revealed", round, votes={str(v): c for v, c in votes})
    return round


def _close(round: EstimationRound, state: RoundState, points: int | None = None) -> None:
    round.state, round.closed_at, round.agreed_points = state, clock.now(), points
    round.save(update_fields=["state", "closed_at", "agreed_points"])


@transaction.atomic
def revote(*, actor: User, round: EstimationRound) -> EstimationRound:
    """Close the live round as cancelled (its votes stay with it) and open a new one on
    the same story and ceremony. Refuses anyone but the facilitators and closed rounds."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, round)
    round = _locked(round)
    if round.state not in LIVE:
        raise ValidationError(_("This round is closed."))
    _check_story(actor, round.team, round.story)
    _close(round, RoundState.CANCELLED)
    new = _open(actor=actor, team=round.team, story=round.story, ceremony=round.ceremony)
    _record(actor, "estimation.cancelled", round, superseded_by=new.pk)
    _record(actor, "estimation.round_opened", new, ceremony=new.ceremony_id, revote_of=round.pk)
    return new


@transaction.atomic
def agree_round(*, actor: User, round: EstimationRound, points: int) -> EstimationRound:
    """Close a revealed round with the points the team agreed on and write them to the
    story (its edit records the estimate). Refuses anyone but the facilitators, a round
    not revealed, and points that are not on the product's deck."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, round)
    round = _locked(round)
    if round.state != RoundState.REVEALED:
        raise ValidationError(_("Reveal the votes before agreeing."))
    deck_points = {p for _label, p in round.team.product.estimation_cards() if p is not None}
    if points not in deck_points:
        raise ValidationError({"points": _("These points are not on the product's deck.")})
    # The round speaks for the team, not for a form someone filled in: the story's current
    # version, read under a lock, is the one this edit is based on.
    story = Story.objects.select_for_update().get(pk=round.story_id)
    backlog.update_story(actor=actor, story=story, version=story.version, points=points)
    _close(round, RoundState.AGREED, points)
    _record(actor, "estimation.agreed", round, points=points)
    return round


@transaction.atomic
def cancel_round(*, actor: User, round: EstimationRound) -> EstimationRound:
    """Refuses anyone but the facilitators, and a round already closed."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, round)
    round = _locked(round)
    if round.state not in LIVE:
        raise ValidationError(_("This round is closed."))
    _close(round, RoundState.CANCELLED)
    _record(actor, "estimation.cancelled", round)
    return round

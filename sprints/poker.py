"""What the planning-poker table shows: a read of one round for one viewer.

The cards of a round stay on the server until the reveal: before it, the table carries
who voted and the viewer's own card, never anyone's value.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backlog.models import POINTS
from core import access
from core.access import Capability
from products.models import Membership
from sprints.models import EstimationRound, EstimationVote, RoundState

if TYPE_CHECKING:
    from accounts.models import User

VOTING_ROLES = access.roles_with(Capability.ESTIMATE)
LIVE_STATES = (RoundState.VOTING, RoundState.REVEALED)


@dataclass(frozen=True)
class Stats:
    low: int
    high: int
    median: float
    suggested: int | None


@dataclass
class Table:
    round: EstimationRound
    deck: list[tuple[str, int | None]]
    # The points a round can agree on: on the deck and accepted by a story.
    agreeable: list[int]
    # (name, voted) for each member who may vote, then anyone else who voted.
    voters: list[tuple[str, bool]]
    my_card: str | None
    can_vote: bool
    can_facilitate: bool
    # Agreeing edits the story: on a story of no team, only a PO may.
    can_agree: bool
    # Filled only once the round is revealed.
    votes: list[EstimationVote] = field(default_factory=list)
    stats: Stats | None = None

    @property
    def revealed(self) -> bool:
        return self.round.revealed_at is not None

    @property
    def live(self) -> bool:
        return self.round.state in LIVE_STATES

    @property
    def signature(self) -> str:
        """What the table looks like, in short: a poll that finds it unchanged swaps
        nothing, so the card a keyboard user is on keeps its focus."""
        return f"{self.round.pk}-{self.round.state}-{self.vote_count}-{self.my_card or ''}"

    @property
    def vote_count(self) -> int:
        return sum(voted for _name, voted in self.voters)


def suggest(points: list[int], agreeable: list[int]) -> int | None:
    """The most common value when one leads; else the median rounded up to the deck."""
    if not points or not agreeable:
        return None
    ranked = Counter(points).most_common()
    if (len(ranked) == 1 or ranked[0][1] > ranked[1][1]) and ranked[0][0] in agreeable:
        return ranked[0][0]
    median = statistics.median(points)
    return next((p for p in sorted(agreeable) if p >= median), max(agreeable))


def stats(points: list[int], agreeable: list[int]) -> Stats | None:
    if not points:
        return None
    return Stats(
        low=min(points),
        high=max(points),
        median=statistics.median(points),
        suggested=suggest(points, agreeable),
    )


def table(round: EstimationRound, user: User) -> Table:
    """Two queries: the round's votes with their voters, and the team's members."""
    deck = round.team.product.estimation_cards()
    agreeable = [p for _label, p in deck if p is not None and p in POINTS]
    votes = list(round.votes.select_related("voter").order_by("voted_at", "id"))
    voted = {v.voter_id for v in votes}
    members = Membership.objects.filter(
        team_id=round.team_id, role__in=VOTING_ROLES
    ).select_related("user")
    seen: set[int] = set()
    voters: list[tuple[str, bool]] = []
    for membership in members:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            voters.append((membership.user.display_name, membership.user_id in voted))
    voters += [(v.voter.display_name, True) for v in votes if v.voter_id not in seen]
    voters.sort(key=lambda voter: voter[0].casefold())
    mine = next((v.card for v in votes if v.voter_id == user.pk), None)
    result = Table(
        round=round,
        deck=deck,
        agreeable=agreeable,
        voters=voters,
        my_card=mine,
        can_vote=round.state == RoundState.VOTING and access.can(user, Capability.ESTIMATE, round),
        can_facilitate=access.can(user, Capability.SCHEDULE_CEREMONIES, round),
        can_agree=access.can(user, Capability.SCHEDULE_CEREMONIES, round)
        and access.can(user, Capability.EDIT_STORY, round.story),
    )
    if result.revealed:
        result.votes = votes
        result.stats = stats([v.points for v in votes if v.points is not None], agreeable)
    return result

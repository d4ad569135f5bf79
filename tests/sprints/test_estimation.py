"""Planning poker through its services: who may open, vote, reveal, re-vote, agree and
cancel; hidden votes; the product's deck; the points written to the story."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import User
from backlog.models import Story
from core.models import Event
from products.models import EstimationScale, Product, StatusCategory, Team
from sprints import services
from sprints.models import CeremonyKind, EstimationRound, EstimationVote, RoundState
from sprints.poker import stats, suggest
from sprints.services import estimation
from tests.conftest import MakeStory, violates
from tests.products.factories import status_of
from tests.sprints.factories import CeremonyFactory

# Facilitators: whoever schedules the team's ceremonies (its PO and Scrum Master).
FACILITATORS = [
    ("po", None),
    ("scrum_master", None),
    ("superuser", None),
    ("developer", PermissionDenied),
    ("pm", PermissionDenied),
    ("stakeholder", PermissionDenied),
    ("other_team_po", PermissionDenied),
    ("other_team_developer", PermissionDenied),
    ("outsider", Http404),
]
# Voters: the team's members (those who write its daily).
VOTERS = [
    ("po", None),
    ("scrum_master", None),
    ("developer", None),
    ("superuser", None),
    ("pm", PermissionDenied),
    ("stakeholder", PermissionDenied),
    ("other_team_po", PermissionDenied),
    ("other_team_developer", PermissionDenied),
    ("outsider", Http404),
]


@pytest.fixture
def story(make_story: MakeStory) -> Story:
    return make_story(title="Pay by card", acceptance_criteria="- [ ] Visa\n- [ ] Mastercard")


@pytest.fixture
def live(scrum_master: User, team: Team, story: Story) -> EstimationRound:
    return services.open_round(actor=scrum_master, team=team, story=story)


@pytest.fixture
def revealed(live: EstimationRound, developer: User, po: User) -> EstimationRound:
    services.cast_vote(actor=developer, round=live, card="5")
    services.cast_vote(actor=po, round=live, card="8")
    return services.reveal_round(actor=po, round=live)


def _outcome(call: Any, refusal: type[Exception] | None) -> Any:
    if refusal is None:
        return call()
    with pytest.raises(refusal):
        call()
    return None


@pytest.mark.parametrize(("role", "refusal"), FACILITATORS)
def test_only_the_teams_po_and_scrum_master_open_a_round(
    request: pytest.FixtureRequest,
    role: str,
    refusal: type[Exception] | None,
    team: Team,
    story: Story,
) -> None:
    user = request.getfixturevalue(role)
    round = _outcome(lambda: services.open_round(actor=user, team=team, story=story), refusal)
    if refusal is None:
        assert round.state == RoundState.VOTING
        assert round.opened_by == user
        assert Event.objects.filter(verb="estimation.round_opened", object_id=round.pk).exists()
    else:
        assert not EstimationRound.objects.exists()


@pytest.mark.parametrize(("role", "refusal"), VOTERS)
def test_only_team_members_vote(
    request: pytest.FixtureRequest,
    role: str,
    refusal: type[Exception] | None,
    live: EstimationRound,
) -> None:
    user = request.getfixturevalue(role)
    _outcome(lambda: services.cast_vote(actor=user, round=live, card="3"), refusal)
    assert EstimationVote.objects.filter(voter=user).exists() == (refusal is None)


@pytest.mark.parametrize(("role", "refusal"), FACILITATORS)
def test_only_facilitators_reveal(
    request: pytest.FixtureRequest,
    role: str,
    refusal: type[Exception] | None,
    live: EstimationRound,
    developer: User,
) -> None:
    services.cast_vote(actor=developer, round=live, card="3")
    user = request.getfixturevalue(role)
    _outcome(lambda: services.reveal_round(actor=user, round=live), refusal)
    live.refresh_from_db()
    assert (live.state == RoundState.REVEALED) == (refusal is None)


@pytest.mark.parametrize(("role", "refusal"), FACILITATORS)
def test_only_facilitators_agree(
    request: pytest.FixtureRequest,
    role: str,
    refusal: type[Exception] | None,
    revealed: EstimationRound,
    story: Story,
) -> None:
    user = request.getfixturevalue(role)
    _outcome(lambda: services.agree_round(actor=user, round=revealed, points=5), refusal)
    story.refresh_from_db()
    assert story.points == (5 if refusal is None else None)


@pytest.mark.parametrize(("role", "refusal"), FACILITATORS)
def test_only_facilitators_call_a_revote(
    request: pytest.FixtureRequest,
    role: str,
    refusal: type[Exception] | None,
    revealed: EstimationRound,
) -> None:
    user = request.getfixturevalue(role)
    _outcome(lambda: services.revote(actor=user, round=revealed), refusal)
    assert EstimationRound.objects.count() == (2 if refusal is None else 1)


@pytest.mark.parametrize(("role", "refusal"), FACILITATORS)
def test_only_facilitators_cancel(
    request: pytest.FixtureRequest,
    role: str,
    refusal: type[Exception] | None,
    live: EstimationRound,
) -> None:
    user = request.getfixturevalue(role)
    _outcome(lambda: services.cancel_round(actor=user, round=live), refusal)
    live.refresh_from_db()
    assert (live.state == RoundState.CANCELLED) == (refusal is None)


def test_voting_again_replaces_the_vote(live: EstimationRound, developer: User) -> None:
    services.cast_vote(actor=developer, round=live, card="3")
    services.cast_vote(actor=developer, round=live, card="13")
    vote = EstimationVote.objects.get(round=live, voter=developer)
    assert (vote.card, vote.points) == ("13", 13)


def test_the_voted_event_does_not_tell_the_card(live: EstimationRound, developer: User) -> None:
    services.cast_vote(actor=developer, round=live, card="13")
    event = Event.objects.get(verb="estimation.voted")
    assert "13" not in str(event.after) and "card" not in event.after
    assert event.after["voter"] == developer.pk


def test_the_reveal_records_every_card(revealed: EstimationRound, developer: User) -> None:
    event = Event.objects.get(verb="estimation.revealed")
    assert event.after["votes"][str(developer.pk)] == "5"


def test_it_refuses_votes_after_the_reveal(revealed: EstimationRound, developer: User) -> None:
    with pytest.raises(ValidationError):
        services.cast_vote(actor=developer, round=revealed, card="1")
    assert EstimationVote.objects.get(round=revealed, voter=developer).card == "5"


@pytest.mark.parametrize("card", ["4", "M", "21", "", "☕"])
def test_it_refuses_a_card_outside_the_deck(
    live: EstimationRound, developer: User, card: str
) -> None:
    with pytest.raises(ValidationError):
        services.cast_vote(actor=developer, round=live, card=card)
    assert not EstimationVote.objects.exists()


def test_cards_without_points_are_votes_without_points(
    live: EstimationRound, developer: User, po: User
) -> None:
    services.cast_vote(actor=developer, round=live, card="?")
    services.cast_vote(actor=po, round=live, card="coffee")
    assert set(EstimationVote.objects.values_list("card", "points")) == {
        ("?", None),
        ("coffee", None),
    }


def test_the_tshirt_scale_maps_sizes_to_points(
    product: Product, live: EstimationRound, developer: User, po: User, story: Story
) -> None:
    product.estimation_scale = EstimationScale.TSHIRT
    product.save()
    services.cast_vote(actor=developer, round=live, card="M")
    assert EstimationVote.objects.get(voter=developer).points == 3
    with pytest.raises(ValidationError):
        services.cast_vote(actor=developer, round=live, card="5")
    services.cast_vote(actor=po, round=live, card="XL")
    services.reveal_round(actor=po, round=live)
    with pytest.raises(ValidationError):
        services.agree_round(actor=po, round=live, points=4)  # no size is 4 points
    services.agree_round(actor=po, round=live, points=8)
    story.refresh_from_db()
    assert story.points == 8


def test_a_custom_tshirt_mapping_is_the_deck(
    product: Product, live: EstimationRound, developer: User
) -> None:
    product.estimation_scale = EstimationScale.TSHIRT
    product.tshirt_points = {"S": 1, "M": 2, "L": 5}
    product.save()
    services.cast_vote(actor=developer, round=live, card="M")
    assert EstimationVote.objects.get(voter=developer).points == 2
    with pytest.raises(ValidationError):
        services.cast_vote(actor=developer, round=live, card="XL")


def test_agreeing_writes_the_points_and_records_the_estimate(
    revealed: EstimationRound, po: User, story: Story
) -> None:
    version = story.version
    services.agree_round(actor=po, round=revealed, points=8)
    story.refresh_from_db()
    revealed.refresh_from_db()
    assert story.points == 8 and story.version == version + 1
    assert revealed.state == RoundState.AGREED and revealed.agreed_points == 8
    assert revealed.closed_at is not None
    edit = Event.objects.get(verb="story.updated", object_id=story.pk)
    assert edit.before == {"points": None} and edit.after == {"points": 8}
    agreed = Event.objects.get(verb="estimation.agreed")
    assert agreed.after["points"] == 8 and agreed.actor == po


def test_agreeing_writes_over_an_edit_made_during_the_round(
    revealed: EstimationRound, po: User, developer: User, story: Story
) -> None:
    from backlog import services as backlog

    backlog.update_story(actor=developer, story=story, version=story.version, title="Pay by card!")
    services.agree_round(actor=po, round=revealed, points=3)
    story.refresh_from_db()
    assert (story.title, story.points) == ("Pay by card!", 3)


@pytest.mark.parametrize("points", [4, 21, 34])
def test_it_refuses_to_agree_on_points_off_the_deck(
    revealed: EstimationRound, po: User, story: Story, points: int
) -> None:
    # The deck rounds Fibonacci above 13 (20, 40, 100), as a story's points do.
    with pytest.raises(ValidationError):
        services.agree_round(actor=po, round=revealed, points=points)
    revealed.refresh_from_db()
    assert revealed.state == RoundState.REVEALED


def test_it_refuses_to_agree_before_the_reveal(
    live: EstimationRound, po: User, developer: User
) -> None:
    services.cast_vote(actor=developer, round=live, card="5")
    with pytest.raises(ValidationError):
        services.agree_round(actor=po, round=live, points=5)


def test_it_refuses_to_reveal_an_empty_round(live: EstimationRound, po: User) -> None:
    with pytest.raises(ValidationError):
        services.reveal_round(actor=po, round=live)


def test_a_revote_closes_the_round_and_opens_a_new_one_on_the_story(
    revealed: EstimationRound, po: User, developer: User, story: Story
) -> None:
    new = services.revote(actor=po, round=revealed)
    revealed.refresh_from_db()
    assert revealed.state == RoundState.CANCELLED and revealed.votes.count() == 2
    assert new.state == RoundState.VOTING and new.story == story and new.pk != revealed.pk
    assert not new.votes.exists()
    services.cast_vote(actor=developer, round=new, card="8")


def test_one_live_round_per_team(
    live: EstimationRound, po: User, team: Team, make_story: MakeStory
) -> None:
    with pytest.raises(ValidationError):
        services.open_round(actor=po, team=team, story=make_story())
    services.cancel_round(actor=po, round=live)
    services.open_round(actor=po, team=team, story=make_story())


def test_a_round_opened_at_the_same_moment_is_refused_not_a_500(
    live: EstimationRound, po: User, team: Team, make_story: MakeStory
) -> None:
    # The race: the check passed in both transactions; the constraint decides.
    with pytest.raises(ValidationError):
        estimation._open(actor=po, team=team, story=make_story(), ceremony=None)
    with violates("sprints_round_one_live_per_team"):
        EstimationRound.objects.create(team=team, story=live.story, opened_by=po)


def test_other_teams_have_their_own_round(
    live: EstimationRound, other_team_po: User, other_team: Team, make_story: MakeStory
) -> None:
    services.open_round(actor=other_team_po, team=other_team, story=make_story(team=other_team))


def test_it_refuses_another_teams_story(
    po: User, team: Team, other_team: Team, make_story: MakeStory
) -> None:
    with pytest.raises(ValidationError):
        services.open_round(actor=po, team=team, story=make_story(team=other_team))


def test_it_refuses_a_done_story(
    po: User, team: Team, product: Product, make_story: MakeStory
) -> None:
    done = make_story(status=status_of(product, StatusCategory.DONE))
    with pytest.raises(ValidationError):
        services.open_round(actor=po, team=team, story=done)


def test_unassigned_stories_are_estimated_with_their_po(
    po: User, scrum_master: User, team: Team, make_story: MakeStory
) -> None:
    # Agreeing edits the story, which only a PO may do before a team takes it.
    loose = make_story(team=None)
    with pytest.raises(PermissionDenied):
        services.open_round(actor=scrum_master, team=team, story=loose)
    round = services.open_round(actor=po, team=team, story=loose)
    services.cast_vote(actor=scrum_master, round=round, card="2")
    services.reveal_round(actor=po, round=round)
    services.agree_round(actor=po, round=round, points=2)
    loose.refresh_from_db()
    assert loose.points == 2 and loose.team is None


def test_a_round_joins_a_refinement_of_its_team_only(
    po: User, team: Team, other_team: Team, story: Story
) -> None:
    elsewhere = CeremonyFactory(team=other_team, kind=CeremonyKind.REFINEMENT)
    with pytest.raises(ValidationError):
        services.open_round(actor=po, team=team, story=story, ceremony=elsewhere)
    daily = CeremonyFactory(team=team, kind=CeremonyKind.DAILY)
    with pytest.raises(ValidationError):
        services.open_round(actor=po, team=team, story=story, ceremony=daily)
    refinement = CeremonyFactory(team=team, kind=CeremonyKind.REFINEMENT)
    round = services.open_round(actor=po, team=team, story=story, ceremony=refinement)
    assert round.ceremony == refinement
    assert services.revote(actor=po, round=round).ceremony == refinement


def test_closed_rounds_refuse_everything(live: EstimationRound, po: User, developer: User) -> None:
    services.cancel_round(actor=po, round=live)
    for call in (
        lambda: services.cast_vote(actor=developer, round=live, card="3"),
        lambda: services.reveal_round(actor=po, round=live),
        lambda: services.revote(actor=po, round=live),
        lambda: services.cancel_round(actor=po, round=live),
        lambda: services.agree_round(actor=po, round=live, points=3),
    ):
        with pytest.raises(ValidationError):
            call()


AGREEABLE = [0, 1, 2, 3, 5, 8, 13]


@pytest.mark.parametrize(
    ("points", "suggested"),
    [
        ([5, 5, 8], 5),  # the most common
        ([3, 8], 8),  # a tie: the median 5.5 rounded up to the deck
        ([2, 3, 5, 8], 5),  # median 4 -> 5
        ([1, 2, 3], 2),  # no leader: the median is on the deck
        ([13, 13, 20], 13),
        ([], None),
    ],
)
def test_the_suggestion_is_the_most_common_or_the_median_rounded_up(
    points: list[int], suggested: int | None
) -> None:
    assert suggest(points, AGREEABLE) == suggested


def test_the_stats_of_a_round() -> None:
    result = stats([3, 5, 13], AGREEABLE)
    assert result is not None
    assert (result.low, result.high, result.median) == (3, 13, 5)

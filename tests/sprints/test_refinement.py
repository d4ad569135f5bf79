"""The refinement page and the poker table: who sees and does what, votes hidden in the
HTML until the reveal, marking stories ready with the Definition of Ready, the no-JS and
htmx paths, and query counts that don't grow with stories or voters."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog.models import Story
from core.access import Role
from core.models import Event
from products.models import ChecklistKind, ChecklistRule, Product, StatusCategory, Team
from sprints import services
from sprints import services as sprints
from sprints.models import CeremonyKind, EstimationRound, RoundState
from tests.conftest import MakeStory
from tests.products.factories import MembershipFactory, UserFactory, status_of
from tests.sprints.factories import CeremonyFactory, SprintFactory

VIEWERS = [
    ("pm", 200),
    ("po", 200),
    ("scrum_master", 200),
    ("developer", 200),
    ("stakeholder", 200),
    ("other_team_po", 200),
    ("other_team_developer", 200),
    ("superuser", 200),
    ("outsider", 404),
]
FACILITATORS = [
    ("po", 302),
    ("scrum_master", 302),
    ("superuser", 302),
    ("developer", 403),
    ("pm", 403),
    ("stakeholder", 403),
    ("other_team_po", 403),
    ("other_team_developer", 403),
    ("outsider", 404),
]
VOTERS = [
    ("po", 302),
    ("scrum_master", 302),
    ("developer", 302),
    ("superuser", 302),
    ("pm", 403),
    ("stakeholder", 403),
    ("other_team_po", 403),
    ("other_team_developer", 403),
    ("outsider", 404),
]


def _url(product: Product, team: Team, **query: Any) -> str:
    url = reverse("sprints:refinement", args=[product.slug, team.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _round_url(product: Product, round: EstimationRound, action: str = "") -> str:
    name = f"sprints:estimation_{action}" if action else "sprints:estimation_round"
    return reverse(name, args=[product.slug, round.pk])


@pytest.fixture
def story(make_story: MakeStory) -> Story:
    return make_story(
        title="Pay by card",
        description="Customers pay with **Visa**.",
        acceptance_criteria="- [ ] Visa accepted\n- [x] Errors shown",
    )


@pytest.fixture
def live(scrum_master: User, team: Team, story: Story) -> EstimationRound:
    return services.open_round(actor=scrum_master, team=team, story=story)


@pytest.fixture
def voted(live: EstimationRound, developer: User, po: User) -> EstimationRound:
    services.cast_vote(actor=developer, round=live, card="13")
    services.cast_vote(actor=po, round=live, card="coffee")
    return live


@pytest.mark.parametrize(("role", "status"), VIEWERS)
def test_every_member_of_the_product_sees_the_refinement_page(
    request: pytest.FixtureRequest,
    client: Client,
    role: str,
    status: int,
    product: Product,
    team: Team,
    live: EstimationRound,
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(product, team)).status_code == status
    assert client.get(_round_url(product, live)).status_code == status


def test_it_lists_unready_stories_of_the_team_and_unassigned_ones_in_rank_order(
    client: Client,
    po: User,
    product: Product,
    team: Team,
    other_team: Team,
    make_story: MakeStory,
) -> None:
    make_story(title="First")
    make_story(title="Loose", team=None)
    make_story(title="Ready already", ready=True)
    make_story(title="Theirs", team=other_team)
    make_story(title="Finished", status=status_of(product, StatusCategory.DONE))
    make_story(title="In a sprint", sprint=SprintFactory(team=team))
    make_story(title="Last")
    client.force_login(po)
    response = client.get(_url(product, team))
    assert [s.title for s in response.context["rows"]] == ["First", "Loose", "Last"]
    assert response.context["total"] == 3


def test_each_row_names_what_the_definition_of_ready_lacks(
    client: Client, po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    make_story(title="Bare")
    make_story(title="Good", points=3, acceptance_criteria="- [ ] works")
    client.force_login(po)
    response = client.get(_url(product, team))
    rows = {s.title: s for s in response.context["rows"]}
    missing = {c.item.rule for c in rows["Bare"].missing}
    assert ChecklistRule.IS_ESTIMATED in missing
    assert ChecklistRule.HAS_ACCEPTANCE_CRITERIA in missing
    assert not rows["Good"].missing


def test_the_buttons_follow_the_roles(
    client: Client,
    po: User,
    scrum_master: User,
    developer: User,
    product: Product,
    team: Team,
    make_story: MakeStory,
) -> None:
    story = make_story(title="Ours")
    loose = make_story(title="Loose", team=None)
    estimate = reverse("sprints:estimation_open", args=[product.slug, team.slug])
    ready = reverse("sprints:refinement_ready", args=[product.slug, team.slug, story.pk])
    client.force_login(po)
    html = client.get(_url(product, team)).content.decode()
    assert html.count(f'action="{estimate}"') == 2 and f'action="{ready}"' in html
    client.force_login(scrum_master)
    html = client.get(_url(product, team)).content.decode()
    # A Scrum Master can't write points on a story no team has taken yet.
    assert html.count(f'action="{estimate}"') == 1 and f'action="{ready}"' not in html
    assert f'value="{loose.pk}"' not in html
    client.force_login(developer)
    html = client.get(_url(product, team)).content.decode()
    assert f'action="{estimate}"' not in html and f'action="{ready}"' not in html


@pytest.mark.parametrize(("role", "status"), FACILITATORS)
def test_only_facilitators_open_a_round_from_the_page(
    request: pytest.FixtureRequest,
    client: Client,
    role: str,
    status: int,
    product: Product,
    team: Team,
    story: Story,
) -> None:
    client.force_login(request.getfixturevalue(role))
    url = reverse("sprints:estimation_open", args=[product.slug, team.slug])
    response = client.post(url, {"story": story.pk})
    assert response.status_code == status
    assert EstimationRound.objects.exists() == (status == 302)


def test_opening_a_second_round_shows_the_refusal(
    client: Client,
    po: User,
    product: Product,
    team: Team,
    live: EstimationRound,
    make_story: MakeStory,
) -> None:
    client.force_login(po)
    url = reverse("sprints:estimation_open", args=[product.slug, team.slug])
    response = client.post(url, {"story": make_story().pk})
    assert response.status_code == 422
    assert "Another estimation round is live" in response.content.decode()


def test_a_round_opened_from_a_refinement_is_attached_to_it(
    client: Client, po: User, product: Product, team: Team, story: Story
) -> None:
    ceremony = CeremonyFactory(team=team, kind=CeremonyKind.REFINEMENT)
    client.force_login(po)
    page = client.get(_url(product, team, ceremony=ceremony.pk))
    assert f'name="ceremony" value="{ceremony.pk}"' in page.content.decode()
    url = reverse("sprints:estimation_open", args=[product.slug, team.slug])
    response = client.post(url, {"story": story.pk, "ceremony": ceremony.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(_url(product, team, ceremony=ceremony.pk))
    assert EstimationRound.objects.get().ceremony == ceremony


@pytest.mark.parametrize(("role", "status"), VOTERS)
def test_only_team_members_vote_from_the_table(
    request: pytest.FixtureRequest,
    client: Client,
    role: str,
    status: int,
    product: Product,
    live: EstimationRound,
) -> None:
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.post(_round_url(product, live, "vote"), {"card": "5"})
    assert response.status_code == status
    assert live.votes.filter(voter=user).exists() == (status == 302)


@pytest.mark.parametrize(("role", "status"), FACILITATORS)
@pytest.mark.parametrize("action", ["reveal", "revote", "agree", "cancel"])
def test_only_facilitators_drive_the_round(
    request: pytest.FixtureRequest,
    client: Client,
    role: str,
    status: int,
    action: str,
    product: Product,
    voted: EstimationRound,
    po: User,
) -> None:
    if action in ("revote", "agree"):
        services.reveal_round(actor=po, round=voted)
    before = list(Event.objects.values_list("pk", flat=True))
    client.force_login(request.getfixturevalue(role))
    response = client.post(_round_url(product, voted, action), {"points": "8"})
    assert response.status_code == status
    changed = Event.objects.exclude(pk__in=before).exists()
    assert changed == (status == 302)


def test_votes_stay_out_of_the_html_until_the_reveal(
    client: Client, developer: User, scrum_master: User, product: Product, team: Team, voted: Any
) -> None:
    client.force_login(scrum_master)
    for url in (_url(product, team), _round_url(product, voted)):
        html = client.get(url).content.decode()
        assert "Developer" in html or "developer" in html
        # Nothing tells 13 or coffee: not a chosen card, not a value, not a hidden field.
        assert "chosen" not in html
        assert "☕" in html  # the deck's coffee card, which the Scrum Master may play
        assert not re.search(r">\s*13\s*</span>", html)
        assert 'value="13" aria-pressed="true"' not in html
    # The developer sees their own card chosen, and no one else's.
    client.force_login(developer)
    html = client.get(_url(product, team)).content.decode()
    assert 'value="13" aria-pressed="true"' in html
    assert 'value="coffee" aria-pressed="true"' not in html


def test_the_reveal_shows_every_vote_and_the_numbers(
    client: Client, po: User, developer: User, scrum_master: User, product: Product, voted: Any
) -> None:
    services.cast_vote(actor=scrum_master, round=voted, card="8")
    services.reveal_round(actor=po, round=voted)
    client.force_login(developer)
    response = client.get(_round_url(product, voted))
    table = response.context["table"]
    assert {(v.voter.username, v.card) for v in table.votes} == {
        ("developer", "13"),
        ("po", "coffee"),
        ("scrum_master", "8"),
    }
    assert (table.stats.low, table.stats.high, table.stats.median) == (8, 13, 10.5)
    assert table.stats.suggested == 13


def test_the_table_shows_the_story(
    client: Client, developer: User, product: Product, team: Team, live: EstimationRound
) -> None:
    client.force_login(developer)
    html = client.get(_url(product, team)).content.decode()
    assert "<strong>Visa</strong>" in html  # the description through the markdown filter
    assert "Visa accepted" in html and "Errors shown" in html


def test_the_no_js_path_from_open_to_agreed(
    client: Client,
    scrum_master: User,
    developer: User,
    product: Product,
    team: Team,
    story: Story,
) -> None:
    client.force_login(scrum_master)
    url = reverse("sprints:estimation_open", args=[product.slug, team.slug])
    assert client.post(url, {"story": story.pk}).status_code == 302
    round = EstimationRound.objects.get()
    client.force_login(developer)
    response = client.post(_round_url(product, round, "vote"), {"card": "5"})
    assert response["Location"] == _url(product, team)
    client.force_login(scrum_master)
    client.post(_round_url(product, round, "vote"), {"card": "3"})
    client.post(_round_url(product, round, "reveal"))
    back = _round_url(product, round)
    response = client.post(_round_url(product, round, "agree"), {"points": "5", "next": back})
    assert response["Location"] == back
    story.refresh_from_db()
    round.refresh_from_db()
    assert story.points == 5 and round.state == RoundState.AGREED
    html = client.get(_url(product, team)).content.decode()
    assert "The team agreed on 5 points" in html


def test_htmx_actions_answer_with_the_table(
    client: Client, developer: User, po: User, product: Product, live: EstimationRound
) -> None:
    client.force_login(developer)
    response = client.post(_round_url(product, live, "vote"), {"card": "8"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card poker" id="poker-table"')
    assert 'hx-trigger="every 3s"' in html
    client.force_login(po)
    response = client.post(
        _round_url(product, live, "agree"), {"points": "8"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "Reveal the votes before agreeing." in response.content.decode()


def test_a_card_outside_the_deck_is_refused_with_422(
    client: Client, developer: User, product: Product, live: EstimationRound
) -> None:
    client.force_login(developer)
    response = client.post(_round_url(product, live, "vote"), {"card": "4"})
    assert response.status_code == 422
    assert not live.votes.exists()


def test_a_revote_from_the_table_shows_the_new_round(
    client: Client, po: User, product: Product, voted: EstimationRound
) -> None:
    services.reveal_round(actor=po, round=voted)
    client.force_login(po)
    response = client.post(_round_url(product, voted, "revote"), HTTP_HX_REQUEST="true")
    new = EstimationRound.objects.get(state=RoundState.VOTING)
    assert response.context["table"].round == new
    assert new.story_id == voted.story_id


def test_the_poll_answers_the_table_only(
    client: Client, developer: User, product: Product, team: Team, live: EstimationRound
) -> None:
    client.force_login(developer)
    response = client.get(_url(product, team), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="poker-table")
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card poker"') and "<html" not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("po", 302),
        ("superuser", 302),
        ("scrum_master", 403),
        ("developer", 403),
        ("pm", 403),
        ("stakeholder", 403),
        ("other_team_po", 403),
        ("outsider", 404),
    ],
)
def test_only_the_po_marks_ready_from_the_page(
    request: pytest.FixtureRequest,
    client: Client,
    role: str,
    status: int,
    product: Product,
    team: Team,
    story: Story,
) -> None:
    client.force_login(request.getfixturevalue(role))
    url = reverse("sprints:refinement_ready", args=[product.slug, team.slug, story.pk])
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == status
    story.refresh_from_db()
    assert story.ready == (status == 302)


def test_marking_ready_asks_to_confirm_what_the_definition_of_ready_lacks(
    client: Client, po: User, product: Product, team: Team, story: Story
) -> None:
    assert product.checklist.filter(kind=ChecklistKind.READY).exists()
    client.force_login(po)
    url = reverse("sprints:refinement_ready", args=[product.slug, team.slug, story.pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert "This story doesn't meet the Definition of Ready yet" in html
    assert "Mark ready anyway" in html
    # Read from the table, not refreshed: a narrowed ``story.ready`` would make mypy skip
    # the rest of the test.
    assert not Story.objects.get(pk=story.pk).ready

    response = client.post(url)  # without JavaScript: the whole page, the warning in place
    assert response.status_code == 422 and "Mark ready anyway" in response.content.decode()
    response = client.post(url, {"confirm": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Ready" in response.content.decode()
    story.refresh_from_db()
    assert story.ready
    assert Event.objects.filter(verb="story.ready", object_id=story.pk).exists()


def test_a_story_meeting_the_definition_of_ready_is_marked_at_once(
    client: Client, po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    story = make_story(points=3, acceptance_criteria="- [ ] works")
    client.force_login(po)
    url = reverse("sprints:refinement_ready", args=[product.slug, team.slug, story.pk])
    assert client.post(url).status_code == 302
    story.refresh_from_db()
    assert story.ready


def test_the_list_is_paged_by_keyset(
    client: Client, po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    from sprints.views import refinement

    stories = [make_story(title=f"S{i}") for i in range(refinement.PAGE_SIZE + 5)]
    client.force_login(po)
    first = client.get(_url(product, team))
    assert len(first.context["rows"]) == refinement.PAGE_SIZE
    more = first.context["more"]
    assert more == stories[refinement.PAGE_SIZE - 1]
    rest = client.get(_url(product, team, after=more.pk), HTTP_HX_REQUEST="true")
    assert [s.title for s in rest.context["rows"]] == [s.title for s in stories[-5:]]


def _crowd(product: Product, team: Team, live: EstimationRound, voters: int) -> None:
    for i in range(voters):
        user = UserFactory(username=f"voter{i}")
        MembershipFactory(user=user, product=product, team=team, role=Role.DEVELOPER)
        services.cast_vote(actor=user, round=live, card="3")


@pytest.mark.parametrize(("stories", "voters"), [(10, 3), (200, 30)])
def test_the_page_costs_the_same_queries_whatever_its_size(
    client: Client,
    po: User,
    product: Product,
    team: Team,
    live: EstimationRound,
    make_story: MakeStory,
    django_assert_num_queries: Any,
    stories: int,
    voters: int,
) -> None:
    for i in range(stories):
        story = make_story(title=f"S{i}", team=team if i % 3 else None)
        if i % 10 == 1 and story.team_id:
            sprints.flag_impediment(actor=po, story=story, reason="Blocked")
    _crowd(product, team, live, voters)
    client.force_login(po)
    with django_assert_num_queries(12):
        response = client.get(_url(product, team))
    assert len(response.context["rows"]) == min(stories + 1, 100)
    assert response.context["table"].vote_count == voters


@pytest.mark.parametrize("voters", [3, 30])
def test_the_revealed_table_costs_the_same_queries_whatever_the_voters(
    client: Client,
    po: User,
    product: Product,
    live: EstimationRound,
    django_assert_num_queries: Any,
    voters: int,
) -> None:
    _crowd(product, live.team, live, voters)
    services.reveal_round(actor=po, round=live)
    client.force_login(po)
    with django_assert_num_queries(8):
        response = client.get(_round_url(product, live))
    assert len(response.context["table"].votes) == voters


def test_a_scrum_master_does_not_get_agree_buttons_on_a_story_of_no_team(
    client: Client, po: User, scrum_master: User, product: Product, team: Team, make_story: Any
) -> None:
    loose = make_story(team=None)
    round = services.open_round(actor=po, team=team, story=loose)
    services.cast_vote(actor=scrum_master, round=round, card="3")
    services.reveal_round(actor=scrum_master, round=round)
    agree = _round_url(product, round, "agree")
    client.force_login(scrum_master)
    assert f'action="{agree}"' not in client.get(_round_url(product, round)).content.decode()
    assert client.post(agree, {"points": "3"}).status_code == 403
    client.force_login(po)
    assert f'action="{agree}"' in client.get(_round_url(product, round)).content.decode()


def test_marking_ready_twice_is_no_error_but_another_teams_story_is_not_found(
    client: Client, po: User, product: Product, team: Team, other_team: Team, make_story: Any
) -> None:
    story = make_story(points=3, acceptance_criteria="- [ ] works")
    client.force_login(po)
    url = reverse("sprints:refinement_ready", args=[product.slug, team.slug, story.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    theirs = make_story(team=other_team)
    url = reverse("sprints:refinement_ready", args=[product.slug, team.slug, theirs.pk])
    assert client.post(url, {"confirm": "1"}).status_code == 404


def test_an_open_blocker_shows_as_missing_for_the_definition_of_ready(
    client: Client, po: User, product: Product, team: Team, make_story: Any
) -> None:
    blocked = make_story(title="Blocked", points=3, acceptance_criteria="- [ ] works")
    free = make_story(title="Free", points=3, acceptance_criteria="- [ ] works")
    sprints.flag_impediment(actor=po, story=blocked, reason="Waiting for the bank")
    client.force_login(po)
    rows = {s.title: s for s in client.get(_url(product, team)).context["rows"]}
    assert [c.item.rule for c in rows["Blocked"].missing] == [ChecklistRule.NO_OPEN_BLOCKER]
    assert rows[free.title].missing == []


def test_a_poll_that_finds_the_table_unchanged_swaps_nothing(
    client: Client, developer: User, po: User, product: Product, team: Team, live: Any
) -> None:
    client.force_login(developer)
    poll: dict[str, Any] = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "poker-table"}

    first = client.get(_url(product, team), **poll)
    since = first.context["signature"]
    assert f"since={since}" in first.content.decode()
    assert client.get(_url(product, team, since=since), **poll).status_code == 204
    assert client.get(_round_url(product, live) + f"?since={since}", **poll).status_code == 204
    services.cast_vote(actor=po, round=live, card="3")
    changed = client.get(_url(product, team, since=since), **poll)
    assert changed.status_code == 200 and "1 vote" in changed.content.decode()

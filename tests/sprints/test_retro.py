"""The retrospective: cards, dot votes, groups and actions, their rights, and the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog.models import Sprint, Story
from core.access import Role
from core.models import Event
from products.models import Product, Team
from sprints import services
from sprints.models import Ceremony, CeremonyKind, RetroAction, RetroCard, RetroVote
from tests.products.factories import MembershipFactory, UserFactory
from tests.sprints.factories import CeremonyFactory

TEAM_WRITERS = ["po", "scrum_master", "developer", "superuser"]
NOT_WRITERS = [("pm", 403), ("stakeholder", 403), ("other_team_po", 403),
               ("other_team_developer", 403), ("outsider", 404)]  # fmt: skip
ALL_ROLES = [
    "pm", "po", "scrum_master", "developer", "stakeholder", "other_team_po",
    "other_team_developer", "outsider", "superuser",
]  # fmt: skip


def make_retro(team: Team, sprint: Sprint | None = None, **kwargs: Any) -> Ceremony:
    kwargs.setdefault("starts_at", dt.datetime(2026, 3, 13, 15, 0, tzinfo=team.tzinfo))
    return CeremonyFactory(
        team=team, sprint=sprint, kind=CeremonyKind.RETROSPECTIVE, duration_minutes=90, **kwargs
    )


@pytest.fixture
def retro(team: Team, sprint: Sprint) -> Ceremony:
    return make_retro(team, sprint)


def user_of(request: pytest.FixtureRequest, role: str) -> User:
    user: User = request.getfixturevalue(role)
    return user


def refused(role: str) -> type[Exception]:
    return Http404 if role == "outsider" else PermissionDenied


# Cards


@pytest.mark.parametrize("role", TEAM_WRITERS)
def test_team_members_add_cards(request: pytest.FixtureRequest, retro: Ceremony, role: str) -> None:
    user = user_of(request, role)
    card = services.add_retro_card(actor=user, ceremony=retro, column="well", text=" Pairing ")
    assert (card.text, card.column, card.author) == ("Pairing", "well", user)
    assert Event.objects.filter(verb="retro_card.added", object_id=card.pk).exists()


@pytest.mark.parametrize(("role", "status"), NOT_WRITERS)
def test_only_team_members_add_cards(
    request: pytest.FixtureRequest, retro: Ceremony, role: str, status: int
) -> None:
    with pytest.raises(refused(role)):
        services.add_retro_card(
            actor=user_of(request, role), ceremony=retro, column="well", text="x"
        )
    assert not RetroCard.objects.exists()


def test_a_card_needs_text_and_a_known_column(developer: User, retro: Ceremony) -> None:
    with pytest.raises(ValidationError):
        services.add_retro_card(actor=developer, ceremony=retro, column="well", text="  ")
    with pytest.raises(ValidationError):
        services.add_retro_card(actor=developer, ceremony=retro, column="nope", text="x")


def test_cards_go_only_on_a_retrospective(developer: User, team: Team) -> None:
    daily = CeremonyFactory(team=team)
    with pytest.raises(ValidationError):
        services.add_retro_card(actor=developer, ceremony=daily, column="well", text="x")


def test_only_the_author_edits_a_card(developer: User, po: User, retro: Ceremony) -> None:
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    with pytest.raises(PermissionDenied):
        services.edit_retro_card(actor=po, card=card, text="b")
    services.edit_retro_card(actor=developer, card=card, text="b", column="ideas")
    card.refresh_from_db()
    assert (card.text, card.column) == ("b", "ideas")


def test_the_author_or_a_facilitator_deletes_a_card(
    developer: User, scrum_master: User, team: Team, product: Product, retro: Ceremony
) -> None:
    other_dev = UserFactory(username="dev2")
    MembershipFactory(user=other_dev, product=product, team=team, role=Role.DEVELOPER)
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    with pytest.raises(PermissionDenied):
        services.delete_retro_card(actor=other_dev, card=card)
    services.delete_retro_card(actor=scrum_master, card=card)
    assert not RetroCard.objects.exists()


# Votes


def test_a_member_has_votes_per_member_dots_and_may_stack_them(
    developer: User, retro: Ceremony
) -> None:
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    for _ in range(3):
        services.vote_retro_card(actor=developer, card=card)
    with pytest.raises(ValidationError, match="3 dots"):
        services.vote_retro_card(actor=developer, card=card)
    assert RetroVote.objects.filter(card=card, voter=developer).count() == 3


def test_taking_a_dot_back_frees_it(developer: User, retro: Ceremony) -> None:
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    services.vote_retro_card(actor=developer, card=card)
    services.unvote_retro_card(actor=developer, card=card)
    assert not RetroVote.objects.exists()
    with pytest.raises(ValidationError):
        services.unvote_retro_card(actor=developer, card=card)


def test_the_limit_is_per_retrospective(developer: User, team: Team, retro: Ceremony) -> None:
    later = make_retro(team, starts_at=retro.starts_at + dt.timedelta(days=14))
    a = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    b = services.add_retro_card(actor=developer, ceremony=later, column="well", text="b")
    for _ in range(3):
        services.vote_retro_card(actor=developer, card=a)
    services.vote_retro_card(actor=developer, card=b)


@pytest.mark.parametrize(("role", "status"), NOT_WRITERS)
def test_only_team_members_vote(
    request: pytest.FixtureRequest, developer: User, retro: Ceremony, role: str, status: int
) -> None:
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    with pytest.raises(refused(role)):
        services.vote_retro_card(actor=user_of(request, role), card=card)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("po", True), ("scrum_master", True), ("developer", False), ("pm", False),
     ("stakeholder", False), ("other_team_po", False)],
)  # fmt: skip
def test_po_and_scrum_master_set_dots_and_reveal(
    request: pytest.FixtureRequest, retro: Ceremony, role: str, allowed: bool
) -> None:
    user = user_of(request, role)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.set_retro_votes(actor=user, ceremony=retro, votes_per_member=5)
        with pytest.raises(PermissionDenied):
            services.reveal_retro_votes(actor=user, ceremony=retro)
        return
    services.set_retro_votes(actor=user, ceremony=retro, votes_per_member=5)
    services.reveal_retro_votes(actor=user, ceremony=retro)
    retro.refresh_from_db()
    assert (retro.votes_per_member, retro.votes_revealed) == (5, True)


def test_dots_per_member_stay_in_range_and_above_what_is_used(
    po: User, developer: User, retro: Ceremony
) -> None:
    with pytest.raises(ValidationError):
        services.set_retro_votes(actor=po, ceremony=retro, votes_per_member=0)
    with pytest.raises(ValidationError):
        services.set_retro_votes(actor=po, ceremony=retro, votes_per_member=21)
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    services.vote_retro_card(actor=developer, card=card)
    services.vote_retro_card(actor=developer, card=card)
    with pytest.raises(ValidationError):
        services.set_retro_votes(actor=po, ceremony=retro, votes_per_member=1)
    services.set_retro_votes(actor=po, ceremony=retro, votes_per_member=2)


# Grouping


def test_grouping_is_one_level_deep(developer: User, retro: Ceremony) -> None:
    a, b, c = (
        services.add_retro_card(actor=developer, ceremony=retro, column="well", text=t)
        for t in "abc"
    )
    services.group_retro_card(actor=developer, card=b, under=a)
    with pytest.raises(ValidationError):
        services.group_retro_card(actor=developer, card=c, under=b)  # b is grouped
    with pytest.raises(ValidationError):
        services.group_retro_card(actor=developer, card=a, under=a)
    # A whole group goes under another card: its cards come along, one level still.
    services.group_retro_card(actor=developer, card=a, under=c)
    assert set(RetroCard.objects.filter(group=c).values_list("text", flat=True)) == {"a", "b"}
    services.group_retro_card(actor=developer, card=a, under=None)
    a.refresh_from_db()
    assert a.group is None


def test_grouping_stays_within_one_retrospective(
    developer: User, team: Team, retro: Ceremony
) -> None:
    other = make_retro(team, starts_at=retro.starts_at + dt.timedelta(days=14))
    a = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    b = services.add_retro_card(actor=developer, ceremony=other, column="well", text="b")
    with pytest.raises(ValidationError):
        services.group_retro_card(actor=developer, card=a, under=b)


# Actions


def test_team_members_add_actions_with_an_owner_of_the_team(
    developer: User, scrum_master: User, other_team_developer: User, retro: Ceremony
) -> None:
    action = services.add_retro_action(
        actor=developer,
        ceremony=retro,
        text="Shorter dailies",
        owner=scrum_master,
        due_date=dt.date(2026, 3, 20),
    )
    assert action.owner == scrum_master
    with pytest.raises(ValidationError):
        services.add_retro_action(
            actor=developer, ceremony=retro, text="x", owner=other_team_developer
        )
    services.set_retro_action_done(actor=developer, action=action, done=True)
    assert action.done_at is not None
    # The action the service gives back, not ``action``: mypy keeps ``done_at`` narrowed to
    # a datetime on ``action`` and would not check the rest. It is the same row object.
    reopened = services.set_retro_action_done(actor=developer, action=action, done=False)
    assert reopened is action and reopened.done_at is None
    verbs = set(Event.objects.filter(object_type="retroaction").values_list("verb", flat=True))
    assert verbs == {"retro_action.added", "retro_action.done", "retro_action.reopened"}


@pytest.mark.parametrize(("role", "status"), NOT_WRITERS)
def test_only_team_members_add_actions(
    request: pytest.FixtureRequest, retro: Ceremony, role: str, status: int
) -> None:
    with pytest.raises(refused(role)):
        services.add_retro_action(actor=user_of(request, role), ceremony=retro, text="x")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("po", True), ("superuser", True), ("scrum_master", False), ("developer", False),
     ("pm", False), ("stakeholder", False), ("other_team_po", False)],
)  # fmt: skip
def test_only_the_po_converts_an_action_into_a_story(
    request: pytest.FixtureRequest, developer: User, retro: Ceremony, role: str, allowed: bool
) -> None:
    action = services.add_retro_action(actor=developer, ceremony=retro, text="Automate deploys")
    user = user_of(request, role)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.convert_action_to_story(actor=user, action=action)
        assert not Story.objects.exists()
        return
    story = services.convert_action_to_story(actor=user, action=action)
    action.refresh_from_db()
    assert action.story == story
    assert story.title == "Automate deploys"
    assert story.team == retro.team and story.sprint is None
    assert reverse("sprints:retro", args=[retro.team.product.slug, retro.pk]) in (story.description)
    assert list(story.retro_actions.all()) == [action]
    assert Event.objects.filter(verb="retro_action.converted", object_id=action.pk).exists()


def test_an_action_is_converted_once(po: User, retro: Ceremony) -> None:
    action = services.add_retro_action(actor=po, ceremony=retro, text="x")
    services.convert_action_to_story(actor=po, action=action)
    with pytest.raises(ValidationError):
        services.convert_action_to_story(actor=po, action=action)
    assert Story.objects.count() == 1


# The page


def _url(retro: Ceremony) -> str:
    return reverse("sprints:retro", args=[retro.team.product.slug, retro.pk])


@pytest.mark.parametrize("role", ALL_ROLES)
def test_everyone_in_the_product_sees_the_page(
    client: Client, request: pytest.FixtureRequest, retro: Ceremony, role: str
) -> None:
    client.force_login(user_of(request, role))
    assert client.get(_url(retro)).status_code == (404 if role == "outsider" else 200)


def test_a_daily_is_not_a_retrospective_page(
    client: Client, developer: User, team: Team, product: Product
) -> None:
    daily = CeremonyFactory(team=team)
    client.force_login(developer)
    url = reverse("sprints:retro", args=[product.slug, daily.pk])
    assert client.get(url).status_code == 404


def test_before_the_reveal_a_member_sees_only_their_own_dots(
    client: Client, developer: User, scrum_master: User, po: User, retro: Ceremony
) -> None:
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="CI")
    services.vote_retro_card(actor=developer, card=card)
    services.vote_retro_card(actor=scrum_master, card=card)
    services.vote_retro_card(actor=scrum_master, card=card)
    client.force_login(developer)
    html = client.get(_url(retro)).content.decode()
    assert "1 of your dots" in html
    assert "3 dots cast so far" in html
    assert "3 dots</span>" not in html  # no per-card total
    assert "You have 2 dots left of 3." in html
    services.reveal_retro_votes(actor=po, ceremony=retro)
    html = client.get(_url(retro)).content.decode()
    assert "3 dots</span>" in html


def test_revealed_cards_sort_by_their_groups_dots(
    client: Client, developer: User, po: User, retro: Ceremony
) -> None:
    quiet = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="Quiet")
    loud = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="Loud")
    child = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="Kin")
    services.group_retro_card(actor=developer, card=child, under=loud)
    services.vote_retro_card(actor=developer, card=quiet)
    services.vote_retro_card(actor=developer, card=child)
    services.vote_retro_card(actor=po, card=child)
    services.reveal_retro_votes(actor=po, ceremony=retro)
    client.force_login(developer)
    html = client.get(_url(retro) + "?sort=votes").content.decode()

    def at(text: str) -> int:
        return html.index(f'<p class="retro-text">{text}')

    assert at("Loud") < at("Kin") < at("Quiet")
    assert "The group: 2 dots" in html


def test_the_page_opens_with_the_previous_retrospectives_actions(
    client: Client, developer: User, team: Team, retro: Ceremony
) -> None:
    earlier = make_retro(team, starts_at=retro.starts_at - dt.timedelta(days=14))
    done = services.add_retro_action(actor=developer, ceremony=earlier, text="Fix flaky tests")
    services.add_retro_action(actor=developer, ceremony=earlier, text="Pair more")
    services.set_retro_action_done(actor=developer, action=done, done=True)
    client.force_login(developer)
    html = client.get(_url(retro)).content.decode()
    previous = html[html.index('id="previous-actions"') : html.index('id="retro-board"')]
    assert "Fix flaky tests" in previous and "Pair more" in previous
    assert 'aria-pressed="true"' in previous and 'aria-pressed="false"' in previous
    # Ticked from this retrospective's page.
    pending = RetroAction.objects.get(text="Pair more")
    url = reverse("sprints:retro_action_done", args=[team.product.slug, retro.pk, pending.pk])
    response = client.post(url, {"done": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="previous-actions"' in response.content.decode()
    pending.refresh_from_db()
    assert pending.done_at is not None


def test_cards_are_added_with_and_without_javascript(
    client: Client, developer: User, retro: Ceremony
) -> None:
    client.force_login(developer)
    url = reverse("sprints:retro_card_add", args=[retro.team.product.slug, retro.pk])
    response = client.post(url, {"column": "improve", "text": "Too many meetings"})
    assert response.status_code == 302
    response = client.post(
        url, {"column": "ideas", "text": "Demo day"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="retro-board"')
    assert "Too many meetings" in html and "Demo day" in html


def test_an_empty_card_gets_422_with_the_board(
    client: Client, developer: User, retro: Ceremony
) -> None:
    client.force_login(developer)
    url = reverse("sprints:retro_card_add", args=[retro.team.product.slug, retro.pk])
    response = client.post(url, {"column": "well", "text": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "field-error" in response.content.decode() or "errorlist" in response.content.decode()


def test_a_vote_over_the_limit_gets_422_with_the_reason(
    client: Client, developer: User, retro: Ceremony
) -> None:
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    client.force_login(developer)
    url = reverse("sprints:retro_vote", args=[retro.team.product.slug, retro.pk, card.pk])
    for _ in range(3):
        assert client.post(url, headers={"HX-Request": "true"}).status_code == 200
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "used your 3 dots" in response.content.decode()


@pytest.mark.parametrize(("role", "status"), [*NOT_WRITERS, ("developer", 302)])
def test_the_card_form_refuses_those_outside_the_team(
    client: Client, request: pytest.FixtureRequest, retro: Ceremony, role: str, status: int
) -> None:
    client.force_login(user_of(request, role))
    url = reverse("sprints:retro_card_add", args=[retro.team.product.slug, retro.pk])
    assert client.post(url, {"column": "well", "text": "x"}).status_code == status


def test_the_po_converts_an_action_from_the_page(
    client: Client, po: User, developer: User, retro: Ceremony
) -> None:
    action = services.add_retro_action(actor=developer, ceremony=retro, text="Write a runbook")
    client.force_login(developer)
    html = client.get(_url(retro)).content.decode()
    assert "Make a story" not in html
    client.force_login(po)
    assert "Make a story" in client.get(_url(retro)).content.decode()
    url = reverse(
        "sprints:retro_action_convert", args=[retro.team.product.slug, retro.pk, action.pk]
    )
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.story is not None
    assert f"#{action.story.pk} Write a runbook" in response.content.decode()


@pytest.mark.parametrize("size", [5, 50])
def test_the_page_takes_the_same_queries_whatever_the_size(
    client: Client,
    django_assert_num_queries: Any,
    product: Product,
    team: Team,
    po: User,
    retro: Ceremony,
    size: int,
) -> None:
    members = [po]
    for i in range(size):
        user = UserFactory(username=f"member{i}")
        MembershipFactory(user=user, product=product, team=team, role=Role.DEVELOPER)
        members.append(user)
    earlier = make_retro(team, starts_at=retro.starts_at - dt.timedelta(days=14))
    cards: list[RetroCard] = []
    for i, user in enumerate(members):
        card = services.add_retro_card(
            actor=user, ceremony=retro, column=["well", "improve", "ideas"][i % 3], text=f"c{i}"
        )
        services.vote_retro_card(actor=user, card=card)
        if cards and i % 4 == 0:
            services.group_retro_card(actor=user, card=card, under=cards[0])
        else:
            cards.append(card)
        services.add_retro_action(actor=user, ceremony=retro, text=f"a{i}", owner=user)
        services.add_retro_action(actor=user, ceremony=earlier, text=f"p{i}", owner=user)
    services.reveal_retro_votes(actor=po, ceremony=retro)
    client.force_login(po)
    with django_assert_num_queries(11):
        assert client.get(_url(retro) + "?sort=votes").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_votes_at_once_cannot_pass_the_limit(team: Team, developer: User) -> None:
    """The second vote waits for the first one's lock on the ceremony, then counts its dot."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write at a time; the row lock is PostgreSQL's")
    import threading

    retro = make_retro(team)
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    services.vote_retro_card(actor=developer, card=card)
    services.vote_retro_card(actor=developer, card=card)
    voted, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                services.vote_retro_card(actor=developer, card=card)
                voted.set()
                go.wait(5)
        finally:
            connection.close()

    def second() -> None:
        voted.wait(5)
        try:
            services.vote_retro_card(actor=developer, card=card)
            outcome["second"] = "voted"
        except ValidationError:
            outcome["second"] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    voted.wait(5)
    threading.Event().wait(0.3)  # the second vote is now waiting for the lock
    go.set()
    for thread in threads:
        thread.join(10)
    assert outcome["second"] == "refused"
    assert RetroVote.objects.filter(voter=developer).count() == 3


def test_the_page_forms_group_edit_and_delete(
    client: Client, developer: User, scrum_master: User, retro: Ceremony
) -> None:
    slug = retro.team.product.slug
    a = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="a")
    b = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="b")
    action = services.add_retro_action(actor=developer, ceremony=retro, text="old")
    client.force_login(developer)

    def post(name: str, data: dict[str, Any], *args: int) -> int:
        url = reverse(f"sprints:{name}", args=[slug, retro.pk, *args])
        return client.post(url, data, headers={"HX-Request": "true"}).status_code

    assert post("retro_group", {"under": a.pk}, b.pk) == 200
    b.refresh_from_db()
    assert b.group == a
    assert post("retro_group", {"under": b.pk}, a.pk) == 422  # b is in a group
    assert post("retro_group", {"under": ""}, b.pk) == 200
    assert post("retro_card_edit", {"text": "a2"}, a.pk) == 200
    prefix = f"action-{action.pk}"
    data = {f"{prefix}-text": "new", f"{prefix}-owner": scrum_master.pk, f"{prefix}-due_date": ""}
    assert post("retro_action_edit", data, action.pk) == 200
    action.refresh_from_db()
    assert (action.text, action.owner) == ("new", scrum_master)
    assert post("retro_action_delete", {}, action.pk) == 200
    assert post("retro_card_delete", {}, b.pk) == 200
    assert list(RetroCard.objects.values_list("text", flat=True)) == ["a2"]
    # Setting the dots and revealing them is for the PO and Scrum Master.
    assert post("retro_votes", {"revealed": "1"}) == 403
    client.force_login(scrum_master)
    assert post("retro_votes", {"votes_per_member": "5"}) == 200
    assert post("retro_votes", {"votes_per_member": "99"}) == 422
    assert post("retro_votes", {"revealed": "1"}) == 200
    retro.refresh_from_db()
    assert (retro.votes_per_member, retro.votes_revealed) == (5, True)


# Live updates: live.js asks for the part an event changed.


@pytest.mark.parametrize("part", ["retro-board", "retro-actions"])
def test_the_page_answers_live_js_with_the_part_it_asks_for(
    client: Client, developer: User, retro: Ceremony, part: str
) -> None:
    client.force_login(developer)
    response = client.get(_url(retro), headers={"HX-Request": "true", "HX-Target": part})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and f'id="{part}"' in html
    assert "<html" not in html and 'data-live-groups="team-' in html


def test_a_live_redraw_keeps_the_dots_hidden_before_the_reveal(
    client: Client, developer: User, scrum_master: User, retro: Ceremony
) -> None:
    card = services.add_retro_card(actor=developer, ceremony=retro, column="well", text="Pairs")
    services.vote_retro_card(actor=scrum_master, card=card)
    client.force_login(developer)
    headers = {"HX-Request": "true", "HX-Target": "retro-board"}
    html = client.get(_url(retro), headers=headers).content.decode()
    assert "1 dot cast so far" in html and "1 dot</span>" not in html

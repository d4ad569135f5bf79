from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backlog.models import Sprint, Story
from core import clock
from core.fields import DayField, MomentField, markdown_field, text_field
from products.models import Team


class CeremonyKind(models.TextChoices):
    PLANNING = "planning", _("Sprint planning")
    DAILY = "daily", _("Daily meeting")
    REFINEMENT = "refinement", _("Backlog refinement")
    REVIEW = "review", _("Sprint review")
    RETROSPECTIVE = "retrospective", _("Retrospective")


class CeremonyQuerySet(models.QuerySet["Ceremony"]):
    def dailies_of(self, team: Team | int) -> CeremonyQuerySet:
        """The team's daily meetings that take place (not cancelled), in time order."""
        team_id = team if isinstance(team, int) else team.pk
        return self.filter(team_id=team_id, kind=CeremonyKind.DAILY, cancelled=False).order_by(
            "starts_at", "id"
        )

    def previous_daily(self, ceremony: Ceremony) -> Ceremony | None:
        """The team's last daily before this one."""
        earlier = self.dailies_of(ceremony.team_id).filter(starts_at__lt=ceremony.starts_at)
        return earlier.order_by("-starts_at", "-id").first()

    def next_daily(self, ceremony: Ceremony) -> Ceremony | None:
        """The team's first daily after this one."""
        return self.dailies_of(ceremony.team_id).filter(starts_at__gt=ceremony.starts_at).first()


class Ceremony(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="ceremonies")
    sprint = models.ForeignKey(
        Sprint, on_delete=models.CASCADE, null=True, blank=True, related_name="ceremonies"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CeremonyKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = MomentField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    location = models.CharField(_("location"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    notes = markdown_field(_("notes"), blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    # Moved or renamed by hand: rescheduling the sprint leaves it where people put it.
    moved_by_hand = models.BooleanField(default=False)
    # Minutes: when the facilitator pressed start and end (overrunning shows against the
    # timebox), and who was there.
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("attendees")
    )
    # Retrospectives: dots per member (default 3) and whether the votes are shown.
    votes_per_member = models.PositiveSmallIntegerField(_("votes per member"), default=3)
    votes_revealed = models.BooleanField(_("votes revealed"), default=False)
    # Optimistic concurrency for edits (409 on a stale one) and the iCalendar SEQUENCE:
    # every change a calendar should pick up bumps it.
    version = models.PositiveIntegerField(default=1)
    stale_message = _("Someone else changed this ceremony meanwhile.")
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    objects = CeremonyQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("ceremony")
        verbose_name_plural = _("ceremonies")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0, duration_minutes__lte=8 * 60),
                name="sprints_ceremony_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(votes_per_member__gte=1, votes_per_member__lte=20),
                name="sprints_ceremony_votes_range",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(started_at__isnull=False),
                name="sprints_ceremony_ended_after_started",
            ),
        ]
        indexes = [
            # The team calendar and "today's daily": ceremonies of a team from a time on.
            models.Index(fields=["team", "starts_at"], name="sprints_ceremony_team_starts"),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.team.product_id, self.team_id

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def overrun_minutes(self) -> int:
        """Minutes past the timebox between the start and end stamps (0 within it or unended)."""
        if self.started_at is None or self.ended_at is None:
            return 0
        taken = (self.ended_at - self.started_at).total_seconds() / 60
        return max(int(taken - self.duration_minutes + 0.5), 0)

    @property
    def display_title(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def uid(self) -> str:
        """The iCalendar UID: stable for the ceremony's life, so calendars update it in place."""
        return f"ceremony-{self.pk}@cadence"


class TeamCalendar(models.Model):
    """One member's secret address of a team's iCalendar feed. Each member has their own:
    it answers only while its owner may see the team (removed from the product, it is 404)
    and making a new one revokes the old, without touching anyone else's."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="calendar_feeds")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("team calendar")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="sprints_calendar_one_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.team} ({self.user})"

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.team.product_id, self.team_id


class DailyEntry(models.Model):
    """One member's words in one daily meeting."""

    ceremony = models.ForeignKey(Ceremony, on_delete=models.CASCADE, related_name="entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_entries"
    )
    done = text_field(_("done since last time"), blank=True)
    doing = text_field(_("will do"), blank=True)
    blockers = text_field(_("blockers"), blank=True)
    finished = models.BooleanField(_("I'm done"), default=False)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=1)
    stale_message = _("This entry was changed meanwhile; here is what it says now.")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("daily entry")
        verbose_name_plural = _("daily entries")
        constraints = [
            models.UniqueConstraint(
                fields=["ceremony", "author"], name="sprints_dailyentry_one_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} @ {self.ceremony_id}"

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.ceremony.access_scope

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        return self.ceremony.team.product_id, self.ceremony.team_id, self.ceremony.sprint_id


class RetroColumn(models.TextChoices):
    WENT_WELL = "well", _("Went well")
    TO_IMPROVE = "improve", _("To improve")
    IDEAS = "ideas", _("Ideas")


class RetroCard(models.Model):
    ceremony = models.ForeignKey(Ceremony, on_delete=models.CASCADE, related_name="retro_cards")
    column = models.CharField(_("column"), max_length=8, choices=RetroColumn.choices)
    text = text_field(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Grouping: a card put under another one (one level deep; the service checks).
    group = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="grouped"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("retrospective card")
        verbose_name_plural = _("retrospective cards")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.ceremony.access_scope

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        return self.ceremony.team.product_id, self.ceremony.team_id, self.ceremony.sprint_id


class RetroVote(models.Model):
    """One dot. A member may put several of their dots on one card."""

    card = models.ForeignKey(RetroCard, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["voter", "card"], name="sprints_retrovote_voter")]

    def __str__(self) -> str:
        return f"{self.voter_id} -> {self.card_id}"

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.card.access_scope

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        return self.card.event_scope


class RetroAction(models.Model):
    ceremony = models.ForeignKey(Ceremony, on_delete=models.CASCADE, related_name="retro_actions")
    card = models.ForeignKey(
        RetroCard, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    text = text_field(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = DayField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # Converted by the PO into a backlog story: linked both ways (story.retro_actions).
    story = models.ForeignKey(
        Story,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retro_actions",
        verbose_name=_("story"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("retrospective action")
        verbose_name_plural = _("retrospective actions")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.ceremony.access_scope

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        return self.ceremony.team.product_id, self.ceremony.team_id, self.ceremony.sprint_id


class ReviewFeedback(models.Model):
    ceremony = models.ForeignKey(Ceremony, on_delete=models.CASCADE, related_name="feedback_items")
    # What the feedback is about, when it is about one story shown in the review.
    about = models.ForeignKey(
        Story,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about story"),
    )
    text = text_field(_("feedback"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    # Turned by the PO into a backlog story (story.review_feedback links back).
    story = models.ForeignKey(
        Story,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_feedback",
        verbose_name=_("story"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("review feedback")
        verbose_name_plural = _("review feedback")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.ceremony.access_scope

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        return self.ceremony.team.product_id, self.ceremony.team_id, self.ceremony.sprint_id


class RoundState(models.TextChoices):
    VOTING = "voting", _("Voting")
    REVEALED = "revealed", _("Revealed")
    AGREED = "agreed", _("Agreed")
    CANCELLED = "cancelled", _("Cancelled")


class EstimationRound(models.Model):
    """A planning-poker round on one story; a re-vote opens a new round on the same story."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="estimation_rounds")
    ceremony = models.ForeignKey(
        Ceremony,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="estimation_rounds",
    )
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="estimation_rounds")
    state = models.CharField(
        _("state"), max_length=10, choices=RoundState.choices, default=RoundState.VOTING
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=clock.now)
    revealed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    agreed_points = models.PositiveSmallIntegerField(_("agreed points"), null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = _("estimation round")
        verbose_name_plural = _("estimation rounds")
        constraints = [
            # One live round per team at a time: the facilitator's table shows one story.
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(state__in=["voting", "revealed"]),
                name="sprints_round_one_live_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.story_id} ({self.state})"

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.team.product_id, self.team_id


class EstimationVote(models.Model):
    round = models.ForeignKey(EstimationRound, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The card's label on the product's scale ("5", "M", "?", "coffee"); points when it
    # maps to a number.
    card = models.CharField(_("card"), max_length=8)
    points = models.PositiveSmallIntegerField(null=True, blank=True)
    voted_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["voted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="sprints_vote_one_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id}: {self.card}"

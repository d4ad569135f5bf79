from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User, known_timezones
from core import clock
from core.access import PRODUCT_ROLES, TEAM_ROLES, Role
from core.fields import markdown_field


class ProductQuerySet(models.QuerySet["Product"]):
    def for_user(self, user: User | AnonymousUser) -> ProductQuerySet:
        """The products a user may see: all for a superuser, else those they belong to."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(pk__in=Membership.objects.filter(user=user).values("product_id"))


class EstimationScale(models.TextChoices):
    FIBONACCI = "fibonacci", _("Fibonacci-like (1, 2, 3, 5, 8, 13, 20, 40, 100)")
    TSHIRT = "tshirt", _("T-shirt sizes (XS to XXL, mapped to points)")


# The planning-poker deck: Fibonacci rounded above 13, the points a story accepts.
FIBONACCI_CARDS = ["0", "1", "2", "3", "5", "8", "13", "20", "40", "100"]
DEFAULT_TSHIRT_POINTS = {"XS": 1, "S": 2, "M": 3, "L": 5, "XL": 8, "XXL": 13}
# Cards every scale has that carry no points: "no idea" and "let's take a break".
NO_POINTS_CARDS = ["?", "coffee"]


class ReadinessRule(models.TextChoices):
    WARN = "warn", _("Warn: ask before marking ready or planning a story that misses items")
    ENFORCE = "enforce", _("Enforce: refuse to mark ready or plan a story that misses items")


def default_tshirt_points() -> dict[str, int]:
    return dict(DEFAULT_TSHIRT_POINTS)


class Product(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    vision = markdown_field(_("vision"), blank=True)
    business_case = markdown_field(_("business case"), blank=True)
    research_notes = markdown_field(_("user research notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    estimation_scale = models.CharField(
        _("estimation scale"),
        max_length=10,
        choices=EstimationScale.choices,
        default=EstimationScale.FIBONACCI,
    )
    tshirt_points = models.JSONField(
        _("points of each T-shirt size"), default=default_tshirt_points, blank=True
    )
    # What the Definition of Ready holds back: set_story_ready and plan_story read it.
    readiness_rule = models.CharField(
        _("Definition of Ready"),
        max_length=10,
        choices=ReadinessRule.choices,
        default=ReadinessRule.WARN,
    )
    # An archived product is read-only (access.can grants only VIEW); nothing is deleted.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    # The vision, business case and research notes are edited against it (409 when stale).
    version = models.PositiveIntegerField(_("version"), default=1)

    stale_message = _("Someone else changed the vision or the business case meanwhile.")

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    def members(self) -> QuerySet[User]:
        """Everyone who holds a role in the product, by name (assignee choices, filters)."""
        return (
            User.objects.filter(memberships__product=self)
            .distinct()
            .order_by("first_name", "username")
        )

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.pk, None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def estimation_cards(self) -> list[tuple[str, int | None]]:
        """The planning-poker deck: (label, points) in order; "?" and "coffee" carry none."""
        if self.estimation_scale == EstimationScale.TSHIRT:
            points = self.tshirt_points or DEFAULT_TSHIRT_POINTS
            cards = [(size, int(points[size])) for size in DEFAULT_TSHIRT_POINTS if size in points]
        else:
            cards = [(label, int(label)) for label in FIBONACCI_CARDS]
        return cards + [(label, None) for label in NO_POINTS_CARDS]


def default_working_days() -> list[int]:
    return [1, 2, 3, 4, 5]


def validate_working_days(value: list[int]) -> None:
    if not isinstance(value, list) or not value or any(d not in range(1, 8) for d in value):
        raise ValidationError(_("Working days are ISO weekdays from 1 (Monday) to 7 (Sunday)."))


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Team(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )
    daily_time = models.TimeField(_("daily meeting time"), default=dt.time(9, 30))
    working_days = models.JSONField(
        _("working days"), default=default_working_days, validators=[validate_working_days]
    )
    sprint_weeks = models.PositiveSmallIntegerField(
        _("usual sprint length in weeks"), default=2, choices=[(2, "2"), (3, "3"), (4, "4")]
    )
    # Ceremony timeboxes, per sprint week where the Scrum Guide scales them with the sprint:
    # its maxima for a one-month sprint (8 h, 4 h, 3 h) are 120, 60 and 45 minutes a week.
    planning_minutes_per_week = models.PositiveSmallIntegerField(
        _("sprint planning, minutes per sprint week"), default=120
    )
    review_minutes_per_week = models.PositiveSmallIntegerField(
        _("sprint review, minutes per sprint week"), default=60
    )
    retro_minutes_per_week = models.PositiveSmallIntegerField(
        _("retrospective, minutes per sprint week"), default=45
    )
    refinement_minutes = models.PositiveSmallIntegerField(
        _("backlog refinement, minutes per week"), default=60
    )
    # An archived team plans no new sprint and leaves the navigation; its history stays.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["product", "slug"], name="products_team_slug_unique"),
            models.CheckConstraint(
                condition=Q(sprint_weeks__gte=2, sprint_weeks__lte=4),
                name="products_team_sprint_weeks_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    planning_minutes_per_week__gte=15,
                    planning_minutes_per_week__lte=120,
                    review_minutes_per_week__gte=15,
                    review_minutes_per_week__lte=60,
                    retro_minutes_per_week__gte=15,
                    retro_minutes_per_week__lte=45,
                    refinement_minutes__gte=15,
                    refinement_minutes__lte=240,
                ),
                name="products_team_timeboxes_within_scrum_guide",
                violation_error_message=_(
                    "Timeboxes can't exceed the Scrum Guide's: 2 h of planning, 1 h of review "
                    "and 45 min of retrospective per sprint week (refinement at most 4 h)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def members(self) -> QuerySet[User]:
        """Everyone who holds a role in this team, by username."""
        return User.objects.filter(memberships__team=self).distinct().order_by("username")

    def roster(self) -> QuerySet[Membership]:
        """The team's memberships (one per role held) with their users, by name."""
        return self.memberships.select_related("user").order_by(
            "user__first_name", "user__username"
        )

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, self.pk

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product", "team", "role"],
                condition=Q(team__isnull=False),
                name="products_membership_unique_in_team",
            ),
            # NULLs are distinct in a unique index, so product-level roles need their own.
            models.UniqueConstraint(
                fields=["user", "product", "role"],
                condition=Q(team__isnull=True),
                name="products_membership_unique_in_product",
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in PRODUCT_ROLES], team__isnull=True)
                    | Q(role__in=[r.value for r in TEAM_ROLES], team__isnull=False)
                ),
                name="products_membership_role_scope",
                violation_error_message=_(
                    "Product Managers and Stakeholders belong to the product; "
                    "Product Owners, Scrum Masters and Developers to a team."
                ),
            ),
            # The Scrum Guide's Product Owner is one person, not a committee. services
            # add_member/change_role check first and say so; this catches a race.
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(role="po"),
                name="products_membership_one_po_per_team",
                violation_error_message=_("This team already has a Product Owner."),
            ),
        ]

    def __str__(self) -> str:
        where = self.team or self.product
        return f"{self.user} — {self.get_role_display()} ({where})"

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, self.team_id

    def clean(self) -> None:
        if self.team and self.product_id and self.team.product_id != self.product_id:
            raise ValidationError({"team": _("This team belongs to another product.")})


INVITATION_DAYS = 7


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=clock.now()
        )


class Invitation(models.Model):
    """An e-mail invitation to a role; its link works once, for seven days.

    Only a hash of the token is stored: the clear token exists in the e-mail alone."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="invitations")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(
        _("language of the e-mail"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    sent_count = models.PositiveSmallIntegerField(_("times sent"), default=1)
    last_sent_at = models.DateTimeField(_("last sent at"), default=clock.now)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in PRODUCT_ROLES], team__isnull=True)
                    | Q(role__in=[r.value for r in TEAM_ROLES], team__isnull=False)
                ),
                name="products_invitation_role_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} — {self.get_role_display()}"

    @property
    def event_scope(self) -> tuple[int, int | None, int | None]:
        # Managed on the product (access_scope), about a team when it invites into one.
        return self.product_id, self.team_id, None

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, None

    def is_for(self, user: User) -> bool:
        """Only the account of the invited address may accept (e-mail case ignored): a link
        forwarded or opened in someone else's session grants nothing."""
        return bool(user.email) and user.email.strip().casefold() == self.email.strip().casefold()

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= clock.now():
            return "expired"
        return "pending"

    @property
    def is_pending(self) -> bool:
        return self.state == "pending"


class StatusCategory(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Status(models.Model):
    """A column of the product's workflow."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="statuses")
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=16, choices=StatusCategory.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    wip_limit = models.PositiveSmallIntegerField(_("WIP limit"), null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("status")
        verbose_name_plural = _("statuses")
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="products_status_name_unique"),
            models.CheckConstraint(
                condition=Q(wip_limit__isnull=True) | Q(wip_limit__gt=0),
                name="products_status_wip_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, None

    @property
    def is_done(self) -> bool:
        return self.category == StatusCategory.DONE


DEFAULT_STATUSES = [
    (_("To do"), StatusCategory.TODO),
    (_("In progress"), StatusCategory.IN_PROGRESS),
    (_("Review"), StatusCategory.IN_PROGRESS),
    (_("Done"), StatusCategory.DONE),
]


class ChecklistKind(models.TextChoices):
    READY = "ready", _("Definition of Ready")
    DONE = "done", _("Definition of Done")


class ChecklistRule(models.TextChoices):
    """Items Cadence can check by itself; the others are ticked by people."""

    MANUAL = "", _("Checked by the team")
    HAS_ACCEPTANCE_CRITERIA = "has_acceptance_criteria", _("Has acceptance criteria")
    IS_ESTIMATED = "is_estimated", _("Is estimated")
    SMALL_ENOUGH = "small_enough", _("Is small enough (13 points at most)")
    NO_OPEN_BLOCKER = "no_open_blocker", _("Has no open blocker")


class ChecklistItem(models.Model):
    """One line of a product's Definition of Ready or of Done."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="checklist")
    kind = models.CharField(_("checklist"), max_length=8, choices=ChecklistKind.choices)
    text = models.CharField(_("text"), max_length=200)
    rule = models.CharField(
        _("automatic check"), max_length=32, choices=ChecklistRule.choices, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["kind", "position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text

    @property
    def access_scope(self) -> tuple[int, int | None]:
        return self.product_id, None


DEFAULT_READY = [
    (_("Has acceptance criteria"), ChecklistRule.HAS_ACCEPTANCE_CRITERIA),
    (_("Is estimated"), ChecklistRule.IS_ESTIMATED),
    (_("Is small enough (13 points at most)"), ChecklistRule.SMALL_ENOUGH),
    (_("Has no open blocker"), ChecklistRule.NO_OPEN_BLOCKER),
]
DEFAULT_DONE = [
    (_("Acceptance criteria met"), ChecklistRule.MANUAL),
    (_("Code reviewed"), ChecklistRule.MANUAL),
    (_("Tests written and passing"), ChecklistRule.MANUAL),
    (_("Documentation updated"), ChecklistRule.MANUAL),
]

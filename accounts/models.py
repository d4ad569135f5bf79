from __future__ import annotations

import functools
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class AvatarColour(models.TextChoices):
    """Background colours of the initials; each keeps white text readable (CSS avatar-*)."""

    BLUE = "blue", _("Blue")
    GREEN = "green", _("Green")
    PURPLE = "purple", _("Purple")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")
    TEAL = "teal", _("Teal")
    GREY = "grey", _("Grey")


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA zones this machine knows, read once: listing them walks the tz database."""
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def timezone_names() -> list[str]:
    """The zones people pick from: UTC, then the regional ones ("Europe/Paris") in order."""
    return ["UTC", *sorted(z for z in known_timezones() if "/" in z)]


def validate_timezone(value: str) -> None:
    if value and value not in known_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class User(AbstractUser):
    """A person using Cadence; roles live on products.Membership, not here."""

    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Language of pages and e-mails; empty follows the browser."),
    )
    avatar_colour = models.CharField(
        _("initials colour"), max_length=8, choices=AvatarColour.choices, blank=True
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Times are shown in this zone; empty uses the site's."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        if parts:
            return "".join(p[0] for p in parts).upper()
        return self.username[:2].upper()


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once, at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    # The first characters after "cad_", kept in clear so a token is found by an index
    # lookup (ApiTokenAuthentication) before its hash is compared in constant time.
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} (cad_{self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

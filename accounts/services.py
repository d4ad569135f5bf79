"""Every change to a user's own account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from accounts.models import User


def set_language(*, user: User, language: str) -> User:
    """Refuses a language the site doesn't offer."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("This language is not available.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user

"""Every change to a user's own account."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken

if TYPE_CHECKING:
    from accounts.models import User

TOKEN_PREFIX = "cad_"


def set_language(*, user: User, language: str) -> User:
    """Refuses a language the site doesn't offer."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("This language is not available.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Refuses a blank name. Returns the token and its clear text, which is never stored."""
    if not name.strip():
        raise ValidationError({"name": _("Give the token a name, e.g. the script that uses it.")})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=prefix, key_hash=hash_key(secret)
    )
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


def revoke_api_token(*, user: User, token: ApiToken) -> ApiToken:
    """Refuses another user's token (as if it didn't exist)."""
    if token.user_id != user.pk:
        raise ApiToken.DoesNotExist
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token

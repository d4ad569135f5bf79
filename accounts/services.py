"""Every change to a user's own account."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm
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


def revoke_api_tokens(*, user: User) -> int:
    """Revokes every active token of the user; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc


@transaction.atomic
def create_user(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
) -> User:
    """Refuses a username taken and a password the validators reject."""
    from accounts.models import User

    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = User(
        username=username,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        language=language if language in dict(settings.LANGUAGES) else "",
    )
    _check_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    avatar_colour: str = "",
    language: str = "",
    timezone: str = "",
) -> User:
    """Refuses a language or a time zone the site doesn't know."""
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.avatar_colour, user.language, user.timezone = avatar_colour, language, timezone
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=["first_name", "last_name", "avatar_colour", "language", "timezone"])
    return user


@transaction.atomic
def change_password(
    *, user: User, old_password: str, new_password1: str, new_password2: str
) -> int:
    """Refuses a wrong old password, two different new ones and a weak one (Django's
    PasswordChangeForm decides); the caller keeps the session with update_session_auth_hash
    (the user's other sessions end: their hash no longer matches).

    Revokes the user's API tokens, always: a new password usually answers a fear that the
    old one leaked, and a token is a password that never expires. Returns how many."""
    form = PasswordChangeForm(
        user,
        {
            "old_password": old_password,
            "new_password1": new_password1,
            "new_password2": new_password2,
        },
    )
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    form.save()
    return revoke_api_tokens(user=user)

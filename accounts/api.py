"""API authentication by personal token, and the user's own token endpoints."""

from __future__ import annotations

import hmac
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.services import TOKEN_PREFIX, hash_key


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer cad_<prefix>_<secret>``."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(f"{self.keyword} "):
            return None
        raw = header[len(self.keyword) + 1 :].strip()
        if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        prefix, _sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if (
            token is None
            or not token.active
            or not token.user.is_active
            or not hmac.compare_digest(token.key_hash, hash_key(secret))
        ):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        # One write per minute at most: tokens used in a loop shouldn't write on every call.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TokenWriteThrottle(throttling.UserRateThrottle):
    """Rate-limits writes made with a token (scripts), not the pages' own calls."""

    scope = "token_writes"

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS") or not isinstance(request.auth, ApiToken):
            return True
        return super().allow_request(request, view)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from your profile page: `cad_…`.",
        }

"""Django's model backend, behind the sign-in throttle (accounts.throttle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import throttle

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User


class ThrottledModelBackend(ModelBackend):
    """Every ``authenticate()`` (the login page, the admin's, scripts) passes here, so no
    door skips the count. Past the limit the password is not even hashed.

    A failure raises PermissionDenied rather than returning None: ``authenticate()`` then
    stops instead of asking ModelBackend, which stays in AUTHENTICATION_BACKENDS only so
    that sessions opened before this backend existed remain valid."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        counters = throttle.login(request, username)
        if throttle.wait(counters):
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.hit(counters)
            raise PermissionDenied
        return user

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # ModelBackend's own async path would skip the count.
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )

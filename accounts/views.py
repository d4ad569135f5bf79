from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import ApiToken


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: saved on the user, and in a cookie for visitors."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        if request.user.is_authenticated:
            services.set_language(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own page: language, and personal API tokens (created and revoked here)."""
    new_token = None
    error = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_object_or_404(ApiToken, pk=request.POST["revoke"], user=request.user)
            services.revoke_api_token(user=request.user, token=token)
            return redirect("accounts:profile")
        try:
            _token, new_token = services.create_api_token(
                user=request.user, name=request.POST.get("name", "")
            )
        except ValidationError as exc:
            error = exc.messages
    context = {
        "tokens": request.user.api_tokens.all(),
        "new_token": new_token,
        "error": error,
        "nav": "profile",
    }
    return render(request, "accounts/profile.html", context, status=422 if error else 200)

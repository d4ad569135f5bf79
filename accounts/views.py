from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm
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
    """The user's own page: name, colour, language, time zone, password, and personal API
    tokens (created and revoked here)."""
    new_token = None
    error = None
    user = request.user
    profile_form = ProfileForm(
        initial={f: getattr(user, f) for f in ProfileForm.base_fields}, prefix="profile"
    )
    password_form = PasswordChangeForm(user, prefix="password")
    # Django's form focuses the old password: on this page the profile comes first.
    password_form.fields["old_password"].widget.attrs.pop("autofocus", None)
    status = 200
    if request.method == "POST" and "profile-first_name" in request.POST:
        profile_form = ProfileForm(request.POST, prefix="profile")
        if profile_form.is_valid():
            try:
                services.update_profile(user=user, **profile_form.cleaned_data)
            except ValidationError as exc:
                add_errors(profile_form, exc)
            else:
                if user.language:
                    translation.activate(user.language)
                messages.success(request, _("Profile saved."))
                return redirect("accounts:profile")
        status = 422
        user.refresh_from_db()
    elif request.method == "POST" and "password-old_password" in request.POST:
        data = {
            f: request.POST.get(f"password-{f}", "")
            for f in ("old_password", "new_password1", "new_password2")
        }
        try:
            services.change_password(user=user, **data)
        except ValidationError:
            password_form = PasswordChangeForm(user, request.POST, prefix="password")
            password_form.is_valid()
            status = 422
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Password changed."))
            return redirect("accounts:profile")
    elif request.method == "POST":
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
        "profile_form": profile_form,
        "password_form": password_form,
        "nav": "profile",
    }
    return render(request, "accounts/profile.html", context, status=422 if error else status)


def add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import BadRequest, ValidationError
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services, throttle
from accounts.forms import ProfileForm
from accounts.models import ApiToken, User


class SignedInRequest(HttpRequest):
    """A request behind @login_required, for the type checker: its user is a User. (Views of
    the other apps use core.web.UserRequest, which accounts, below core, can't import.)"""

    user: User


class LoginView(auth_views.LoginView):
    """Django's, answering 429 once the account or the address has failed too often (the
    backend counts the failures and refuses too, for every other way in)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = throttle.wait(throttle.login(request, request.POST.get("username", "")))
        if seconds:
            return throttle.refused(request, seconds)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, counting every request per address asked for and per client: each one may
    send an e-mail."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        counters = throttle.password_reset(request, request.POST.get("email", ""))
        seconds = throttle.wait(counters)
        if seconds:
            return throttle.refused(request, seconds)
        throttle.hit(counters)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's; the new password also revokes the user's API tokens (as a change does)."""

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            revoked = services.revoke_api_tokens(user=form.user)
        if revoked:
            messages.warning(self.request, tokens_revoked_message(revoked))
        return response


def tokens_revoked_message(count: int) -> str:
    return ngettext(
        "Your API token was revoked with the old password: create a new one for your scripts.",
        "Your %(count)d API tokens were revoked with the old password: create new ones for "
        "your scripts.",
        count,
    ) % {"count": count}


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
def profile(request: SignedInRequest) -> HttpResponse:
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
        # The old password is a sign-in by another door: counted and refused alike.
        counters = throttle.login(request, user.get_username())
        seconds = throttle.wait(counters)
        if seconds:
            return throttle.refused(request, seconds)
        try:
            revoked = services.change_password(user=user, **data)
        except ValidationError as exc:
            if "old_password" in exc.message_dict:
                throttle.hit(counters)
            password_form = PasswordChangeForm(user, request.POST, prefix="password")
            password_form.is_valid()
            status = 422
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Password changed."))
            if revoked:
                messages.warning(request, tokens_revoked_message(revoked))
            return redirect("accounts:profile")
    elif request.method == "POST":
        if "revoke" in request.POST:
            # accounts sits below core, so core.parsing's rule is spelt out here: ASCII
            # digits within a bigint ("²".isdigit() is true too), else 400.
            pk = request.POST["revoke"].strip()
            if not (pk.isascii() and pk.isdigit() and int(pk) < 2**63):
                raise BadRequest(_("Choose a token from the list."))
            token = get_object_or_404(ApiToken, pk=int(pk), user=request.user)
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

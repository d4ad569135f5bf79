"""The accounts app's background work: the password reset e-mail.

accounts sits below core, so this module uses django.tasks itself rather than
core.tasks (which imports accounts): the one exception to "core/tasks.py knows the tasks".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.tasks import task
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User


@task
def send_password_reset(
    user_id: int,
    *,
    language: str,
    domain: str,
    site_name: str,
    protocol: str,
    subject_template_name: str,
    email_template_name: str,
    html_email_template_name: str | None = None,
    from_email: str | None = None,
    extra_context: dict[str, Any] | None = None,
) -> bool:
    """Mail the user a link to choose a new password, in ``language``; False when the
    account can no longer reset its password (deactivated meanwhile)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    # The link's token is made here, from the account's state and SECRET_KEY, so the task's
    # stored arguments never hold a working link.
    context = {
        "email": getattr(user, User.get_email_field_name()),
        "domain": domain,
        "site_name": site_name,
        "uid": urlsafe_base64_encode(force_bytes(User._meta.pk.value_to_string(user))),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
        **(extra_context or {}),
    }
    with translation.override(language):
        # Django's own rendering and sending; it logs a failed send rather than raising.
        PasswordResetForm().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            context["email"],
            html_email_template_name=html_email_template_name,
        )
    return True

"""Invitations by e-mail: create, resend, revoke, and accept.

A link carries a random token; only its SHA-256 is stored, so the database can't be used
to join. The link works once and for INVITATION_DAYS days; resending makes a new token and
kills the old link. The e-mail is written in the invitee's language, and sent by the
background worker once the invitation is committed."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from core import access, clock, events
from core.access import Capability, Role
from core.tasks import enqueue_on_commit
from products import services, tasks
from products.models import INVITATION_DAYS, Invitation, Membership, Product, Team
from products.services import check_po_free

if TYPE_CHECKING:
    from accounts.models import User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(token: str) -> Invitation | None:
    """The invitation behind a link, whatever its state, or None."""
    return (
        Invitation.objects.select_related("product", "team", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def invitee_language(email: str, language: str = "") -> str:
    """The inviter's choice, else the language of an existing account, else the site's."""
    from accounts.models import User

    if language in dict(settings.LANGUAGES):
        return language
    existing = User.objects.filter(email__iexact=email).exclude(language="").first()
    return existing.language if existing else settings.LANGUAGE_CODE


def send(invitation_id: int, token: str, base_url: str) -> bool:
    """Mail the link (in the background: ``products.tasks.send_invitation``), written in the
    invitee's language. Sends nothing, and answers False, when that link no longer works:
    the invitation was revoked, accepted, resent (a newer link) or expired meanwhile."""
    invitation = (
        Invitation.objects.select_related("product", "team", "invited_by")
        .filter(pk=invitation_id, token_hash=hash_token(token))
        .first()
    )
    if (
        invitation is None
        or invitation.accepted_at
        or invitation.revoked_at
        or invitation.expires_at <= clock.now()
    ):
        return False
    link = base_url.rstrip("/") + reverse("products:invitation", args=[token])
    with override(invitation.language or settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "role": invitation.get_role_display(),
            "link": link,
            "inviter": invitation.invited_by,
            "days": INVITATION_DAYS,
        }
        subject = render_to_string("products/email/invitation_subject.txt", context)
        body = render_to_string("products/email/invitation.txt", context)
    send_mail(" ".join(subject.split()), body, None, [invitation.email])
    return True


def _mail_after_commit(invitation: Invitation, token: str, base_url: str) -> None:
    # After commit: a refused or rolled-back invitation sends nothing, and the worker
    # finds the row it is asked about.
    enqueue_on_commit(tasks.send_invitation, invitation.pk, token, base_url)


def _new_token(invitation: Invitation, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = now + dt.timedelta(days=INVITATION_DAYS)
    return token


@transaction.atomic
def invite(
    *,
    actor: User,
    product: Product,
    email: str,
    role: Role | str,
    team: Team | None = None,
    language: str = "",
    base_url: str = "",
) -> tuple[Invitation, str]:
    """Refuses non-PMs, a role at the wrong level, a team that already has its PO, someone
    who already holds the role, and a second pending invitation to the same role.

    Sends the e-mail once the invitation is committed; returns it and the clear token."""
    access.require(actor, Capability.MANAGE_TEAMS, product)
    role = Role(role)
    email = email.strip()
    access.check_role_scope(role, in_team=team is not None)
    if team is not None and team.product_id != product.pk:
        raise ValidationError({"team": _("This team belongs to another product.")})
    if team is not None and team.is_archived:
        raise ValidationError({"team": _("This team is archived.")})
    if role == Role.PO:
        check_po_free(team)  # type: ignore[arg-type]
    if Membership.objects.filter(
        product=product, team=team, role=role, user__email__iexact=email
    ).exists():
        raise ValidationError({"email": _("This person already holds that role here.")})
    if (
        Invitation.objects.pending()
        .filter(product=product, team=team, role=role, email__iexact=email)
        .exists()
    ):
        raise ValidationError(
            {"email": _("An invitation to this role is already pending: resend it instead.")}
        )
    now = clock.now()
    invitation = Invitation(
        product=product,
        team=team,
        role=role,
        email=email,
        language=invitee_language(email, language),
        invited_by=actor,
        created_at=now,
        last_sent_at=now,
    )
    token = _new_token(invitation, now)
    invitation.full_clean()
    invitation.save()
    events.record(
        invitation,
        "invitation.sent",
        actor=actor,
        after={"email": email, "role": role.value},
    )
    _mail_after_commit(invitation, token, base_url)
    return invitation, token


def _check_pending(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was accepted already."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was revoked."))


@transaction.atomic
def create_product_with_manager(
    *, actor: User, name: str, slug: str, email: str, language: str = "", base_url: str = ""
) -> tuple[Product, User | None]:
    """A new product and its first Product Manager: the account with this e-mail at once,
    else an invitation. Refuses anyone but the Head of Product (``create_product``).
    Returns the product and the manager, or None when invited."""
    from accounts.models import User

    product = services.create_product(actor=actor, name=name, slug=slug)
    existing = User.objects.filter(email__iexact=email, is_active=True).first()
    if existing is not None:
        services.add_member(actor=actor, product=product, user=existing, role=Role.PM)
    else:
        invite(
            actor=actor,
            product=product,
            email=email,
            role=Role.PM,
            language=language,
            base_url=base_url,
        )
    return product, existing


@transaction.atomic
def resend_invitation(*, actor: User, invitation: Invitation, base_url: str = "") -> str:
    """Refuses non-PMs and an accepted or revoked invitation. A new link, valid seven days
    again; the old link stops working."""
    access.require(actor, Capability.MANAGE_TEAMS, invitation)
    _check_pending(invitation)
    now = clock.now()
    token = _new_token(invitation, now)
    invitation.sent_count += 1
    invitation.last_sent_at = now
    invitation.save(update_fields=["token_hash", "expires_at", "sent_count", "last_sent_at"])
    events.record(
        invitation,
        "invitation.resent",
        actor=actor,
        after={"sent_count": invitation.sent_count},
    )
    _mail_after_commit(invitation, token, base_url)
    return token


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    """Refuses non-PMs and an accepted invitation. Its link stops working at once."""
    access.require(actor, Capability.MANAGE_TEAMS, invitation)
    _check_pending(invitation)
    invitation.revoked_at = clock.now()
    invitation.save(update_fields=["revoked_at"])
    events.record(
        invitation,
        "invitation.revoked",
        actor=actor,
    )
    return invitation


def check_usable(invitation: Invitation | None) -> Invitation:
    """The invitation if its link still works; else the reason, as a ValidationError."""
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    _check_pending(invitation)
    if invitation.expires_at <= clock.now():
        raise ValidationError(
            _("This invitation has expired: ask the Product Manager to send it again.")
        )
    if invitation.product.is_archived:
        raise ValidationError(_("This product is archived."))
    return invitation


@transaction.atomic
def accept_invitation(*, user: User, invitation: Invitation) -> Membership:
    """Refuses a used, revoked or expired link, an account other than the invited
    address's, and a PO role whose team has one meanwhile.

    The invitation is the authority here: the invitee holds no right yet."""
    # Lock the row: two clicks on one link must not make two memberships.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("product", "team")
        .get(pk=invitation.pk)
    )
    check_usable(invitation)
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in first."))
    if not invitation.is_for(user):
        raise PermissionDenied(_("This invitation is for another e-mail address."))
    role = Role(invitation.role)
    if role == Role.PO:
        check_po_free(invitation.team, keep=user)  # type: ignore[arg-type]
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                user=user, product=invitation.product, team=invitation.team, role=role
            )
    except IntegrityError as exc:
        raise ValidationError(_("This team already has a Product Owner.")) from exc
    invitation.accepted_at = clock.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    events.record(
        invitation,
        "invitation.accepted",
        actor=user,
        after={"user": user.pk, "role": role.value},
    )
    if created:
        events.record(
            membership,
            "membership.added",
            actor=user,
            after={"user": user.pk, "role": role.value, "invitation": invitation.pk},
        )
    access.forget(user)
    return membership

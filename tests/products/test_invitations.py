"""Invitations end to end without a browser: e-mail, link, expiry, single use, resend, revoke."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import User
from core import access
from core.access import Role
from core.models import Event
from products import invitations
from products.models import Invitation, Membership, Product, Team
from tests.products.factories import UserFactory

LINK = re.compile(r"https?://[^\s]+/invitations/[^\s/]+/")


def _link(message: Any) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _signup(client: Client, link: str, username: str = "newbie") -> Any:
    data = {
        "first_name": "Nina",
        "last_name": "Novak",
        "username": username,
        "password1": "a-long-enough-Passw0rd",
        "password2": "a-long-enough-Passw0rd",
    }
    return client.post(_path(link), data)


def test_the_pm_invites_and_the_invitee_creates_an_account(
    client: Client,
    pm: Any,
    product: Product,
    team: Team,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(pm)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("products:settings_members", args=[product.slug]),
            {"email": "nina@example.com", "role": "dev", "team": team.pk},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.com"]
    assert "Cadence" in message.subject
    link = _link(message)
    invitation = Invitation.objects.get()
    assert invitation.token_hash not in message.body  # only the hash is stored
    assert link.split("/")[-2] != invitation.token_hash

    client.logout()
    assert client.get(_path(link)).status_code == 200
    response = _signup(client, link)
    assert response.status_code == 302
    assert response["Location"] == reverse("sprints:team", args=[product.slug, team.slug])
    nina = User.objects.get(username="newbie")
    assert nina.email == "nina@example.com"
    assert Membership.objects.filter(user=nina, team=team, role=Role.DEVELOPER).exists()
    assert client.get(reverse("sprints:product_overview", args=[product.slug])).status_code == 200


def test_a_link_works_once(client: Client, pm: Any, product: Product) -> None:
    _invitation, token = invitations.invite(
        actor=pm, product=product, email="a@example.com", role=Role.STAKEHOLDER
    )
    link = f"http://testserver/invitations/{token}/"
    assert _signup(client, link).status_code == 302
    client.logout()
    response = _signup(client, link, username="second")
    assert response.status_code == 410
    assert not User.objects.filter(username="second").exists()


def test_a_link_expires_after_seven_days(client: Client, pm: Any, product: Product) -> None:
    invitation, token = invitations.invite(
        actor=pm, product=product, email="a@example.com", role=Role.STAKEHOLDER
    )
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=invitation.created_at - dt.timedelta(seconds=1)
    )
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_resending_kills_the_old_link(
    client: Client,
    pm: Any,
    product: Product,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation, old = invitations.invite(
            actor=pm, product=product, email="a@example.com", role=Role.STAKEHOLDER
        )
    with django_capture_on_commit_callbacks(execute=True):
        new = invitations.resend_invitation(actor=pm, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.sent_count == 2
    assert len(mail.outbox) == 2
    assert client.get(f"/invitations/{old}/").status_code == 404
    assert client.get(f"/invitations/{new}/").status_code == 200
    assert new in mail.outbox[1].body


def test_a_revoked_link_is_dead(client: Client, pm: Any, product: Product) -> None:
    invitation, token = invitations.invite(
        actor=pm, product=product, email="a@example.com", role=Role.STAKEHOLDER
    )
    invitations.revoke_invitation(actor=pm, invitation=invitation)
    assert client.get(f"/invitations/{token}/").status_code == 410
    with pytest.raises(ValidationError):
        invitations.resend_invitation(actor=pm, invitation=invitation)


def test_an_existing_account_is_attached(client: Client, pm: Any, product: Product) -> None:
    someone = UserFactory(username="someone", email="someone@example.com")
    _invitation, token = invitations.invite(
        actor=pm, product=product, email="SOMEONE@example.com", role=Role.STAKEHOLDER
    )
    page = client.get(f"/invitations/{token}/").content.decode()
    assert "sign in to accept" in page
    assert 'name="password1"' not in page
    # No second account for the same address.
    assert _signup(client, f"http://testserver/invitations/{token}/").status_code == 409
    client.force_login(someone)
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("sprints:product_overview", args=[product.slug])
    assert access.roles_in(User.objects.get(pk=someone.pk), product.pk) == [
        (None, Role.STAKEHOLDER)
    ]
    assert User.objects.filter(email__iexact="someone@example.com").count() == 1


def test_an_invitation_to_a_po_is_refused_while_the_team_has_one(
    pm: Any, po: Any, team: Team
) -> None:
    with pytest.raises(ValidationError, match="already has a Product Owner"):
        invitations.invite(
            actor=pm, product=team.product, email="x@example.com", role=Role.PO, team=team
        )


def test_a_second_pending_invitation_to_the_same_role_is_refused(pm: Any, product: Product) -> None:
    invitations.invite(actor=pm, product=product, email="a@example.com", role=Role.STAKEHOLDER)
    with pytest.raises(ValidationError, match="already pending"):
        invitations.invite(actor=pm, product=product, email="A@example.com", role=Role.STAKEHOLDER)


def test_the_invitation_is_written_in_french_when_asked(
    pm: Any, product: Product, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            actor=pm, product=product, email="f@example.com", role=Role.STAKEHOLDER, language="fr"
        )
    message = mail.outbox[0]
    assert message.subject == f"Vous êtes invité à {product.name} sur Cadence"
    assert "Suivez ce lien pour accepter" in message.body, message.body
    assert "Partie prenante" in message.body
    assert "Stakeholder" not in message.body and "Follow this link" not in message.body


def test_the_invitation_follows_an_existing_users_language(
    pm: Any, product: Product, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    UserFactory(email="claire@example.com", language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            actor=pm, product=product, email="claire@example.com", role="stakeholder"
        )
    assert "Partie prenante" in mail.outbox[0].body


def test_the_head_of_product_creates_a_product_and_invites_its_pm(
    client: Client,
    superuser: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("products:all_products"),
            {"name": "Atlas", "slug": "atlas", "pm_email": "lead@example.com", "language": "fr"},
        )
    assert response.status_code == 302
    product = Product.objects.get(slug="atlas")
    assert product.statuses.count() == 4
    invitation = Invitation.objects.get(product=product)
    assert (invitation.role, invitation.language) == (Role.PM, "fr")
    assert mail.outbox[0].to == ["lead@example.com"]


def test_the_head_of_product_names_an_existing_user_pm_at_once(
    client: Client, superuser: Any
) -> None:
    lead = UserFactory(email="lead@example.com")
    client.force_login(superuser)
    client.post(
        reverse("products:all_products"),
        {"name": "Atlas", "slug": "atlas", "pm_email": "lead@example.com"},
    )
    assert Membership.objects.filter(user=lead, role=Role.PM, product__slug="atlas").exists()
    assert not mail.outbox


def test_another_signed_in_account_is_refused_with_nothing_written(
    client: Client, pm: Any, product: Product, outsider: User
) -> None:
    invitation, token = invitations.invite(
        actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
    )
    client.force_login(outsider)
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "nina@example.com" in html and "outsider@example.com" in html
    assert "Sign out and continue" in html
    assert client.post(f"/invitations/{token}/").status_code == 403
    with pytest.raises(PermissionDenied):
        invitations.accept_invitation(user=outsider, invitation=invitation)
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (None, None)
    assert not Membership.objects.filter(user=outsider).exists()
    assert not Event.objects.filter(verb__in=["invitation.accepted", "membership.added"]).exists()
    # The invitee's own link still works afterwards.
    client.logout()
    assert _signup(client, f"http://testserver/invitations/{token}/").status_code == 302
    assert Membership.objects.filter(user__email="nina@example.com", product=product).exists()


def test_signing_out_from_the_wrong_account_leads_back_to_the_invitation(
    client: Client, pm: Any, product: Product, outsider: User
) -> None:
    _invitation, token = invitations.invite(
        actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
    )
    client.force_login(outsider)
    response = client.post(reverse("accounts:logout"), {"next": f"/invitations/{token}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/invitations/{token}/"
    page = client.get(response["Location"]).content.decode()
    assert 'name="password1"' in page  # the anonymous sign-up for nina@example.com


def test_the_invited_account_accepts_whatever_the_case_of_its_address(
    client: Client, pm: Any, product: Product
) -> None:
    nina = UserFactory(username="nina", email="Nina@Example.com")
    invitation, token = invitations.invite(
        actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
    )
    client.force_login(nina)
    assert "You are signed in as" in client.get(f"/invitations/{token}/").content.decode()
    assert client.post(f"/invitations/{token}/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.accepted_by == nina

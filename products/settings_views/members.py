from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts import throttle
from accounts.models import User
from core import access
from core.access import PRODUCT_ROLES, TEAM_ROLES, Capability
from core.web import UserRequest, add_service_errors, base_url
from products import invitations, services
from products.forms import AcceptForm, InviteForm, RoleForm, TeamForm
from products.grants import get_product_or_404, get_team_or_404
from products.models import Invitation, Membership, Product
from products.settings_views.common import settings_context


def _members_context(request: UserRequest, product: Product, **extra: Any) -> dict[str, Any]:
    context = settings_context(request, product, "members")
    memberships = list(
        product.memberships.select_related("user", "team").order_by(
            "team__name", "role", "user__username"
        )
    )
    context |= {
        "product_members": [m for m in memberships if m.team_id is None],
        "team_members": [m for m in memberships if m.team_id is not None],
        "product_roles": [(r.value, r.label) for r in PRODUCT_ROLES],
        "team_roles": [(r.value, r.label) for r in TEAM_ROLES],
        "invite_form": InviteForm(product=product),
    }
    if context["can_manage"]:
        # Pending and past invitations: e-mail addresses are for the PM's eyes only.
        context["invitations"] = list(product.invitations.select_related("team", "invited_by")[:50])
    return context | extra


@login_required
def members(request: UserRequest, slug: str) -> HttpResponse:
    """Members and their roles for everyone; the PM invites, changes roles and removes."""
    product = get_product_or_404(request.user, slug)
    if request.method == "POST":
        access.require(request.user, Capability.MANAGE_TEAMS, product)
        form = InviteForm(request.POST, product=product)
        if form.is_valid():
            try:
                invitation, _token = invitations.invite(
                    actor=request.user,
                    product=product,
                    base_url=base_url(request),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect("products:settings_members", slug=product.slug)
        context = _members_context(request, product, invite_form=form)
        return render(request, "products/settings/members.html", context, status=422)
    return render(request, "products/settings/members.html", _members_context(request, product))


def _membership(request: UserRequest, slug: str, pk: int) -> tuple[Product, Membership]:
    product = get_product_or_404(request.user, slug)
    return product, get_object_or_404(
        Membership.objects.select_related("product", "user"), pk=pk, product=product
    )


@login_required
@require_POST
def member_role(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, membership = _membership(request, slug, pk)
    access.require(request.user, Capability.MANAGE_TEAMS, product)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a role."))
        services.change_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        response = _members_page(request, product, 422)
        return response
    messages.success(request, _("Role changed."))
    return redirect("products:settings_members", slug=product.slug)


@login_required
@require_POST
def member_remove(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, membership = _membership(request, slug, pk)
    try:
        services.remove_member(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _members_page(request, product, 422)
    messages.success(
        request, _("%(name)s no longer holds that role.") % {"name": membership.user.display_name}
    )
    return redirect("products:settings_members", slug=product.slug)


def _members_page(request: UserRequest, product: Product, status: int) -> HttpResponse:
    return render(
        request, "products/settings/members.html", _members_context(request, product), status=status
    )


def _invitation(request: UserRequest, slug: str, pk: int) -> tuple[Product, Invitation]:
    product = get_product_or_404(request.user, slug)
    return product, get_object_or_404(Invitation, pk=pk, product=product)


@login_required
@require_POST
def invitation_resend(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, invitation = _invitation(request, slug, pk)
    try:
        invitations.resend_invitation(
            actor=request.user, invitation=invitation, base_url=base_url(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _members_page(request, product, 422)
    messages.success(
        request,
        _("Invitation sent again to %(email)s; the old link no longer works.")
        % {"email": invitation.email},
    )
    return redirect("products:settings_members", slug=product.slug)


@login_required
@require_POST
def invitation_revoke(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, invitation = _invitation(request, slug, pk)
    try:
        invitations.revoke_invitation(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _members_page(request, product, 422)
    messages.success(request, _("Invitation revoked."))
    return redirect("products:settings_members", slug=product.slug)


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation e-mail: a new account (name and password), or the signed-in
    account attached; then the product, with the role."""
    if request.method == "POST":
        # Each answer may hash a password and write: counted per link and per client.
        counters = throttle.invitation(request, token)
        seconds = throttle.wait(counters)
        if seconds:
            return throttle.refused(request, seconds)
        throttle.hit(counters)
    invitation = invitations.find(token)
    try:
        invitations.check_usable(invitation)
    except ValidationError as exc:
        context: dict[str, Any] = {"error": " ".join(exc.messages), "invitation": invitation}
        return render(
            request, "products/invitation.html", context, status=410 if invitation else 404
        )
    assert invitation is not None
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptForm(initial={"username": invitation.email.split("@")[0]})
    if request.user.is_authenticated and not invitation.is_for(request.user):
        # Someone else's session: say whose link it is and offer to sign out, accept nothing.
        context = {"invitation": invitation, "wrong_account": True}
        status = 403 if request.method == "POST" else 200
        return render(request, "products/invitation.html", context, status=status)
    status = 200
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                invitations.accept_invitation(user=request.user, invitation=invitation)
                return _landing(request, invitation)
            if existing:
                # One account per address: its owner signs in and accepts.
                raise ValidationError(
                    _("An account already uses this e-mail address: sign in first.")
                )
            form = AcceptForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    user = account_services.create_user(
                        username=data["username"],
                        email=invitation.email,
                        password=data["password1"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        language=invitation.language,
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    invitations.accept_invitation(user=user, invitation=invitation)
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    return _landing(request, invitation)
        except ValidationError as exc:
            context = {"error": " ".join(exc.messages), "invitation": invitation}
            return render(request, "products/invitation.html", context, status=409)
        status = 422
    context = {"invitation": invitation, "form": form, "existing": existing}
    return render(request, "products/invitation.html", context, status=status)


def _landing(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    messages.success(
        request,
        _("Welcome to %(product)s: you are %(role)s.")
        % {"product": invitation.product.name, "role": invitation.get_role_display()},
    )
    if invitation.team is not None:
        return redirect("sprints:team", invitation.product.slug, invitation.team.slug)
    return redirect("sprints:product_overview", invitation.product.slug)


@login_required
def teams(request: UserRequest, slug: str) -> HttpResponse:
    """The product's teams, archived ones last; the PM creates them here."""
    product = get_product_or_404(request.user, slug)
    form = TeamForm(
        initial={
            "timezone": "Europe/Paris",
            "daily_time": "09:30",
            "working_days": [1, 2, 3, 4, 5],
            "sprint_weeks": 2,
        }
    )
    status = 200
    if request.method == "POST":
        access.require(request.user, Capability.MANAGE_TEAMS, product)
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team = services.create_team(
                    actor=request.user, product=product, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Team %(name)s created.") % {"name": team.name})
                return redirect("products:settings_teams", slug=product.slug)
        status = 422
    all_teams = list(product.teams.order_by("archived_at", "name"))
    context = settings_context(request, product, "teams") | {"all_teams": all_teams, "form": form}
    return render(request, "products/settings/teams.html", context, status=status)


@login_required
def team_settings(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    form = TeamForm.for_team(team)
    status = 200
    if request.method == "POST":
        access.require(request.user, Capability.MANAGE_TEAMS, team)
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team = services.update_team(actor=request.user, team=team, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Team saved."))
                return redirect("products:settings_team", slug=product.slug, team_slug=team.slug)
        status = 422
        team.refresh_from_db()
    members = list(team.memberships.select_related("user").order_by("role", "user__username"))
    context = settings_context(request, product, "teams") | {
        "the_team": team,
        "form": form,
        "team_members": members,
    }
    return render(request, "products/settings/team.html", context, status=status)


@login_required
@require_POST
def team_archive(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    archived = request.POST.get("archived", "1") == "1"
    services.archive_team(actor=request.user, team=team, archived=archived)
    if archived:
        messages.success(request, _("Team %(name)s archived.") % {"name": team.name})
    else:
        messages.success(request, _("Team %(name)s is active again.") % {"name": team.name})
    return redirect("products:settings_teams", slug=product.slug)

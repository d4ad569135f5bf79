from __future__ import annotations

from django.urls import path

from products import views
from products.settings_views import members, product, workflow

app_name = "products"
urlpatterns = [
    path("", views.home, name="home"),
    path("p/<slug:slug>/vision/", views.vision, name="vision"),
    # Settings (issue 8): products/settings_views/.
    path("products/", product.all_products, name="all_products"),
    path("invitations/<str:token>/", members.accept, name="invitation"),
    path("p/<slug:slug>/settings/", product.product_settings, name="settings"),
    path("p/<slug:slug>/settings/archive/", product.archive_product, name="settings_archive"),
    path("p/<slug:slug>/settings/checklists/", workflow.checklists, name="settings_checklists"),
    path(
        "p/<slug:slug>/settings/checklists/readiness/",
        workflow.readiness_rule,
        name="settings_readiness_rule",
    ),
    path(
        "p/<slug:slug>/settings/checklists/<int:pk>/",
        workflow.checklist_item_edit,
        name="checklist_item_edit",
    ),
    path(
        "p/<slug:slug>/settings/checklists/<int:pk>/move/",
        workflow.checklist_item_move,
        name="checklist_item_move",
    ),
    path(
        "p/<slug:slug>/settings/checklists/<int:pk>/delete/",
        workflow.checklist_item_delete,
        name="checklist_item_delete",
    ),
    path("p/<slug:slug>/settings/teams/", members.teams, name="settings_teams"),
    path(
        "p/<slug:slug>/settings/teams/<slug:team_slug>/",
        members.team_settings,
        name="settings_team",
    ),
    path(
        "p/<slug:slug>/settings/teams/<slug:team_slug>/archive/",
        members.team_archive,
        name="team_archive",
    ),
    path("p/<slug:slug>/settings/members/", members.members, name="settings_members"),
    path("p/<slug:slug>/settings/members/<int:pk>/role/", members.member_role, name="member_role"),
    path(
        "p/<slug:slug>/settings/members/<int:pk>/remove/",
        members.member_remove,
        name="member_remove",
    ),
    path(
        "p/<slug:slug>/settings/invitations/<int:pk>/resend/",
        members.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "p/<slug:slug>/settings/invitations/<int:pk>/revoke/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
]

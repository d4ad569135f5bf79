from __future__ import annotations

from django.urls import path

from sprints import views

app_name = "sprints"
urlpatterns = [
    path("p/<slug:slug>/", views.product_overview, name="product_overview"),
    path("p/<slug:slug>/teams/<slug:team_slug>/", views.team_detail, name="team"),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/sprints/new/",
        views.sprint_create,
        name="sprint_create",
    ),
    path("p/<slug:slug>/sprints/<int:pk>/", views.sprint_detail, name="sprint"),
    path("p/<slug:slug>/sprints/<int:pk>/edit/", views.sprint_edit, name="sprint_edit"),
    path("p/<slug:slug>/sprints/<int:pk>/start/", views.sprint_start, name="sprint_start"),
    path("p/<slug:slug>/sprints/<int:pk>/close/", views.sprint_close, name="sprint_close"),
    path(
        "p/<slug:slug>/sprints/<int:pk>/stories/", views.sprint_add_story, name="sprint_add_story"
    ),
    path(
        "p/<slug:slug>/sprints/<int:pk>/stories/<int:story_pk>/remove/",
        views.sprint_remove_story,
        name="sprint_remove_story",
    ),
]

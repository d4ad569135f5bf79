from __future__ import annotations

from django.urls import path

from backlog import views

app_name = "backlog"
urlpatterns = [
    path("p/<slug:slug>/stories/new/", views.story_create, name="story_create"),
    path("p/<slug:slug>/stories/<int:pk>/", views.story_detail, name="story"),
    path("p/<slug:slug>/stories/<int:pk>/move/", views.story_move, name="story_move"),
]

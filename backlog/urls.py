from __future__ import annotations

from django.urls import path

from backlog.views import backlog, story

app_name = "backlog"
urlpatterns = [
    path("p/<slug:slug>/backlog/", backlog.backlog, name="backlog"),
    path("p/<slug:slug>/backlog/add/", backlog.quick_add, name="quick_add"),
    path("p/<slug:slug>/stories/new/", story.story_create, name="story_create"),
    path("p/<slug:slug>/stories/<int:pk>/", story.story_detail, name="story"),
    path("p/<slug:slug>/stories/<int:pk>/move/", story.story_move, name="story_move"),
]

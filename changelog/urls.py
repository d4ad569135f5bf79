from __future__ import annotations

from django.urls import path

from changelog import views

app_name = "changelog"
urlpatterns = [
    path("p/<slug:slug>/updates/", views.updates, name="updates"),
    path("p/<slug:slug>/updates/release-notes/", views.release_notes, name="release_notes"),
    path("p/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update"),
    path("p/<slug:slug>/updates/<int:pk>/publish/", views.update_publish, name="update_publish"),
    path(
        "p/<slug:slug>/updates/<int:pk>/unpublish/",
        views.update_unpublish,
        name="update_unpublish",
    ),
    # Public, no login: outside /p/, where every page is for the product's members.
    path("changelog/<slug:slug>/", views.changelog, name="changelog"),
    path("changelog/<slug:slug>/feed.atom", views.changelog_feed, name="changelog_feed"),
]

from __future__ import annotations

from django.urls import path

from ceremonies.views import daily

app_name = "ceremonies"
# Each concept's pages (calendar and ceremony, daily, retrospective, review, refinement)
# add their paths below, under p/<slug>/teams/<team_slug>/… or p/<slug>/ceremonies/<pk>/….
urlpatterns: list = [
    # The daily meeting.
    path("p/<slug:slug>/ceremonies/<int:pk>/daily/", daily.daily, name="daily"),
    path("p/<slug:slug>/ceremonies/<int:pk>/daily/entry/", daily.daily_entry, name="daily_entry"),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/daily/finished/",
        daily.daily_finished,
        name="daily_finished",
    ),
    path("p/<slug:slug>/teams/<slug:team_slug>/daily/", daily.daily_today, name="daily_today"),
]

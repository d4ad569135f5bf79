from __future__ import annotations

from django.urls import path

from ceremonies.views import calendar, ceremony

app_name = "ceremonies"
# Each concept's pages (calendar and ceremony, daily, retrospective, review, refinement)
# add their paths below, under p/<slug>/teams/<team_slug>/… or p/<slug>/ceremonies/<pk>/….
urlpatterns: list = []

# The team calendar, its settings and feed; one ceremony's page, minutes and .ics.
urlpatterns += [
    path("p/<slug:slug>/teams/<slug:team_slug>/calendar/", calendar.calendar, name="calendar"),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/calendar/settings/",
        calendar.calendar_settings,
        name="calendar_settings",
    ),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/calendar/token/",
        calendar.calendar_token,
        name="calendar_token",
    ),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("p/<slug:slug>/ceremonies/<int:pk>/", ceremony.ceremony_detail, name="ceremony"),
    path("p/<slug:slug>/ceremonies/<int:pk>/edit/", ceremony.ceremony_edit, name="ceremony_edit"),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/cancel/",
        ceremony.ceremony_cancel,
        name="ceremony_cancel",
    ),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/restore/",
        ceremony.ceremony_restore,
        name="ceremony_restore",
    ),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/start/", ceremony.ceremony_start, name="ceremony_start"
    ),
    path("p/<slug:slug>/ceremonies/<int:pk>/end/", ceremony.ceremony_end, name="ceremony_end"),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/attendance/",
        ceremony.ceremony_attendance,
        name="ceremony_attendance",
    ),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/notes/", ceremony.ceremony_notes, name="ceremony_notes"
    ),
    path("p/<slug:slug>/ceremonies/<int:pk>/ics/", ceremony.ceremony_ics, name="ceremony_ics"),
]

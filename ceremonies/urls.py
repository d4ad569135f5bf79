from __future__ import annotations

app_name = "ceremonies"
# Each concept's pages (calendar and ceremony, daily, retrospective, review, refinement)
# add their paths below, under p/<slug>/teams/<team_slug>/… or p/<slug>/ceremonies/<pk>/….
urlpatterns: list = []

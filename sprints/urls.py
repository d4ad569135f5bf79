from __future__ import annotations

app_name = "sprints"
urlpatterns: list = []

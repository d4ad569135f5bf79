from __future__ import annotations

app_name = "backlog"
urlpatterns: list = []

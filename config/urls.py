from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config.api import urlpatterns as api_urls
from config.health import healthz

# The pages' 404 page, or JSON under /api/.
handler404 = "config.api.not_found"

urlpatterns = [
    path("", include("products.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("backlog.urls")),
    path("", include("sprints.urls")),
    path("", include("changelog.urls")),
    path("admin/", admin.site.urls),
    *api_urls,
    path("healthz", healthz, name="healthz"),
]

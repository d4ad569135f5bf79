from __future__ import annotations

from django.urls import path

from products import views

app_name = "products"
urlpatterns = [
    path("", views.home, name="home"),
    path("p/<slug:slug>/vision/", views.vision, name="vision"),
]

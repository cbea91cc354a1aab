"""Included inside the participants namespace as privacy/ (so no app_name here)."""

from django.urls import path

from . import privacy_views

urlpatterns = [
    path("access/", privacy_views.subject_access, name="subject_access"),
    path("<int:pk>/access.json", privacy_views.subject_access_json, name="subject_access_json"),
    path("<int:pk>/access.pdf", privacy_views.subject_access_pdf, name="subject_access_pdf"),
    path("retention/", privacy_views.retention_overview, name="retention_overview"),
]

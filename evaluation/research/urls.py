"""Included in evaluation/urls.py (namespace "evaluation")."""

from django.urls import path

from . import views

urlpatterns = [
    path("research/", views.research_projects, name="research_projects"),
    path("research/<int:pk>/", views.research_project_detail, name="research_project_detail"),
    path(
        "research/<int:pk>/exports/",
        views.research_export_list,
        name="research_export_list",
    ),
    path(
        "research/<int:pk>/exports/new/",
        views.research_export_new,
        name="research_export_new",
    ),
    path(
        "research/exports/<int:export_pk>/retry/",
        views.research_export_retry,
        name="research_export_retry",
    ),
    path(
        "research/exports/<int:export_pk>/status/",
        views.research_export_status,
        name="research_export_status",
    ),
    path(
        "research/exports/<int:export_pk>/download/",
        views.research_export_download,
        name="research_export_download",
    ),
]

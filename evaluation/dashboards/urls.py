"""Included in evaluation/urls.py (namespace "evaluation")."""

from django.urls import path

from . import programme_evaluation_views, views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/groups/", views.dashboard_groups, name="dashboard_groups"),
    path(
        "programmes/<int:programme>/evaluation-sessions/new/",
        programme_evaluation_views.session_edit,
        name="evaluation_session_create",
    ),
    path(
        "programmes/<int:programme>/evaluation-sessions/<int:pk>/",
        programme_evaluation_views.session_edit,
        name="evaluation_session_edit",
    ),
]

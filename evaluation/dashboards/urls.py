"""Included in evaluation/urls.py (namespace "evaluation")."""

from django.urls import path

from . import programme_evaluation_views as views

urlpatterns = [
    path(
        "programmes/<int:programme>/evaluation-sessions/new/",
        views.session_edit,
        name="evaluation_session_create",
    ),
    path(
        "programmes/<int:programme>/evaluation-sessions/<int:pk>/",
        views.session_edit,
        name="evaluation_session_edit",
    ),
]

"""Included inside the participants namespace at participants/ by the root urlconf (so
no app_name here): the caseload is the consultant's page, its URLs are the ones people
know."""

from django.urls import path

from . import caseload_views

urlpatterns = [
    path("", caseload_views.caseload, name="caseload"),
    path("tasks/", caseload_views.tasks, name="tasks"),
    path("<int:pk>/sessions/new/", caseload_views.session_create, name="session_create"),
]

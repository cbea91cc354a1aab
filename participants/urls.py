"""The participants namespace, given by the root urlconf (so no app_name here): it
includes these and consultants' caseload URLs (`consultants.caseload_urls`) at
participants/, because participants may not import the apps above it."""

from django.urls import include, path

from . import import_views, network_views, training_views, views

urlpatterns = [
    path("search/", views.bsn_search, name="bsn_search"),
    path("new/", views.participant_create, name="create"),
    path("<int:pk>/", views.participant_detail, name="detail"),
    path("<int:pk>/edit/", views.participant_edit, name="edit"),
    path("<int:pk>/status/", views.participant_status, name="status"),
    path("<int:pk>/intake/", views.intake_edit, name="intake"),
    path("<int:pk>/talent-profile/", views.talent_profile_edit, name="talent_profile"),
    path("<int:pk>/ladder/", views.ladder_add, name="ladder"),
    path("<int:pk>/network/", network_views.network_measurement, name="network"),
    path("<int:pk>/trainings/new/", training_views.training_create, name="training_create"),
    path("trainings/<int:pk>/", training_views.training_edit, name="training_edit"),
    path("outcomes/<int:pk>/", views.outcome_edit, name="outcome"),
    path("groups/", views.cohort_list, name="cohort_list"),
    path("groups/new/", views.cohort_form, name="cohort_create"),
    path("groups/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("groups/<int:pk>/edit/", views.cohort_form, name="cohort_edit"),
    path("groups/<int:pk>/enrol/", views.cohort_enrol, name="cohort_enrol"),
    path("groups/<int:pk>/meetings/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/preview/", import_views.import_preview, name="import_preview"),
    path("privacy/", include("participants.privacy_urls")),
]

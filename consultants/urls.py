from django.urls import path

from . import views

app_name = "consultants"
urlpatterns = [
    path("", views.team, name="team"),
    path("me/", views.my_development, name="my_development"),
    path("me/calendar/renew/", views.calendar_link_renew, name="calendar_link_renew"),
    path("me/calendar/revoke/", views.calendar_link_revoke, name="calendar_link_revoke"),
    # Opened by calendar clients, without a session: the token is the key.
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("<int:pk>/", views.consultant_detail, name="consultant_detail"),
    path("<int:pk>/profile/", views.profile_edit, name="profile_edit"),
    path("<int:pk>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("training/new/", views.training_create, name="training_create"),
    path("intervision/new/", views.intervision_create, name="intervision_create"),
    path("competencies/", views.competency_list, name="competency_list"),
    path("competencies/new/", views.competency_edit, name="competency_create"),
    path("competencies/<int:pk>/", views.competency_edit, name="competency_edit"),
]

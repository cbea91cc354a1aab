# Employer portal and WSP pages (filled by the portal work).
from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.employer_create, name="employer_create"),
    path("<int:pk>/", views.employer_detail, name="employer_detail"),
    path("<int:pk>/edit/", views.employer_edit, name="employer_edit"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
    path("<int:pk>/contact-log/new/", views.contact_log_create, name="contact_log_create"),
    path("<int:pk>/invite/", views.employer_invite, name="employer_invite"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/submit/", views.opportunity_submit, name="opportunity_submit"),
    path(
        "opportunities/<int:pk>/withdraw/",
        views.opportunity_withdraw,
        name="opportunity_withdraw",
    ),
    path("opportunities/<int:pk>/review/", views.opportunity_review, name="opportunity_review"),
]

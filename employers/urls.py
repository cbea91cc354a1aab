from django.urls import path

from . import views

app_name = "employers"
urlpatterns = [
    path("", views.employer_list, name="employer_list"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
]

from django.urls import path

from . import matching_urls, portal_urls, views

app_name = "employers"
urlpatterns = [
    path("", views.employer_list, name="employer_list"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    *portal_urls.urlpatterns,
    *matching_urls.urlpatterns,
]

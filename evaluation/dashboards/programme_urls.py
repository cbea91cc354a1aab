"""The programme pages, included at /programmes/ by vakwerk/urls.py without a namespace:
their URL names (programme_list, programme_detail) are as they were in the core."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
]

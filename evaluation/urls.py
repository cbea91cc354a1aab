from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("research/", views.research_projects, name="research_projects"),
]

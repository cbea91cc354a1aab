from django.urls import path

from . import programme_evaluation_urls, questionnaire_urls, report_urls, research_urls, views

app_name = "evaluation"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/groups/", views.dashboard_groups, name="dashboard_groups"),
    path("research/", views.research_projects, name="research_projects"),
    *questionnaire_urls.urlpatterns,
    *programme_evaluation_urls.urlpatterns,
    *report_urls.urlpatterns,
    *research_urls.urlpatterns,
]

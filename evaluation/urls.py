"""The evaluation's pages under /evaluation/, one namespace ("evaluation") for the four
apps in this folder, so that their URLs and URL names stayed as they were."""

from django.urls import include, path

app_name = "evaluation"
urlpatterns = [
    path("", include("evaluation.dashboards.urls")),
    path("", include("evaluation.questionnaires.urls")),
    path("", include("evaluation.reports.urls")),
    path("", include("evaluation.research.urls")),
]

# Monitoring and savings reports (PDF): request, progress, retry and download.
from django.urls import path

from . import report_views

urlpatterns = [
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/request/", report_views.report_request, name="report_request"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/status/", report_views.report_status, name="report_status"),
    path("reports/<int:pk>/retry/", report_views.report_retry, name="report_retry"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report_download"),
]

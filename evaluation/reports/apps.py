from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Monitoring and savings reports, made as PDF files in the background."""

    name = "evaluation.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The core's job machinery (vakwerk.jobs) knows no app: each app that makes files
        # in the background tells it which task makes a row of which model.
        from vakwerk import jobs

        from .models import Report
        from .tasks import build_report

        jobs.register(Report, build_report)

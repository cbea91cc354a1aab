from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    """Research projects and their pseudonymised exports."""

    name = "evaluation.research"
    label = "research"
    verbose_name = _("Research")

    def ready(self):
        # See evaluation.reports.apps: the core's job machinery learns the task here.
        from vakwerk import jobs

        from .models import ResearchExport
        from .tasks import run_research_export

        jobs.register(ResearchExport, run_research_export)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The managers' figures, the programme page and its evaluation sessions."""

    name = "evaluation.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboard")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """Holds no models any more: its parts are the apps in this folder (dashboards, reports,
    questionnaires, research). It stays installed for its migrations, which created the
    tables those apps still use."""

    name = "evaluation"
    verbose_name = _("Evaluation")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisionsConfig(AppConfig):
    """The provisions register (voorzieningen) and the monthly SRG delivery to CBS.
    It sits above consultants and employers because provisions follow from what they
    record (enrolments, placements on a learning/work place, trainings)."""

    name = "funding.provisions"
    label = "provisions"
    verbose_name = _("Provisions")

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before any model is.
        from vakwerk import jobs

        from . import participant_page, signals
        from .models import SrgDelivery
        from .tasks import build_srg_delivery

        signals.connect()
        participant_page.register()
        # The files are built in the background (vakwerk/jobs.py), one task per delivery.
        jobs.register(SrgDelivery, build_srg_delivery)

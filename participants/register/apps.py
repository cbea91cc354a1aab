from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitRegisterConfig(AppConfig):
    """The municipality's benefit register: snapshots of everyone on benefit, from which
    the comparison group of the net effect is drawn. Depends on participants and the core
    only."""

    name = "participants.register"
    label = "benefit_register"
    verbose_name = _("Benefit register")

    def ready(self):
        from vakwerk import jobs

        from .models import SnapshotImport
        from .tasks import run_snapshot_import

        # A snapshot's import is a durable job: the recovery sends it again when the
        # queue or a worker lost it.
        jobs.register(SnapshotImport, run_snapshot_import)

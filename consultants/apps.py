from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class ConsultantsConfig(AppConfig):
    name = "consultants"
    verbose_name = _("Consultants")

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before any model is, and these
        # modules need the models. Not a cycle: nothing imports apps.py back.
        from . import participant_page, services

        post_save.connect(
            services.seed_competencies,
            sender="vakwerk.Municipality",
            dispatch_uid="consultants.seed_competencies",
        )
        participant_page.register()

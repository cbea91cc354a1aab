from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding")

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before any model is.
        from . import participant_page

        participant_page.register()

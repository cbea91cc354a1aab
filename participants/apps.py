from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before any model is.
        from . import selectors, timeline

        selectors.register_timeline_sources()
        timeline.register_timeline_kinds()

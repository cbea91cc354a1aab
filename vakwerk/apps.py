from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VakwerkConfig(AppConfig):
    name = "vakwerk"
    verbose_name = _("VAKwerk core")

    def ready(self):
        from . import checks, signals  # noqa: F401

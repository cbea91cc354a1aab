from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = _("Employers")

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before any model is.
        from vakwerk.forms import UserInviteForm

        from . import participant_page
        from .user_invite import EmployerOfUser

        UserInviteForm.extensions["employer"] = EmployerOfUser()
        participant_page.register()

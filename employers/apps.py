from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = _("Employers")

    def ready(self):
        # Here, not at import: the form's queryset needs the models loaded.
        from vakwerk.forms import UserInviteForm

        from .user_invite import EmployerOfUser

        UserInviteForm.extensions["employer"] = EmployerOfUser()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = _("Employers")

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before any model is.
        from vakwerk import user_extensions
        from vakwerk.forms import UserInviteForm

        from . import participant_page, user_invite

        UserInviteForm.extensions["employer"] = user_invite.EmployerOfUser()
        user_extensions.invite_hooks.append(user_invite.store_employer)
        user_extensions.role_checks.append(user_invite.employer_role_refusal)
        user_extensions.list_queryset_hooks.append(user_invite.with_employer)
        user_extensions.list_labels.append(user_invite.employer_label)
        participant_page.register()

"""The employer an employer user works for, on the core's user invite form
(vakwerk.forms.UserInviteForm.extensions; registered in employers/apps.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vakwerk.roles import Role

from .models import Employer


class EmployerOfUser:
    def add_fields(self, form, acting_user):
        form.fields["employer"] = forms.ModelChoiceField(
            label=_("employer"),
            queryset=Employer.objects.for_user(acting_user),
            required=False,
            help_text=_("Only for users with the role employer."),
        )

    def clean(self, form, data):
        if data.get("role") == Role.EMPLOYER and not data.get("employer"):
            form.add_error("employer", _("Choose the employer this user works for."))
        if data.get("role") != Role.EMPLOYER:
            data["employer"] = None

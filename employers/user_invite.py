"""The employer an employer user works for, on the core's user pages: the invite form's
choice (vakwerk.forms.UserInviteForm.extensions), storing it when the invitation is made,
the role-change check and the user list's label (vakwerk.user_extensions). All registered
in employers/apps.py."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vakwerk.roles import Role

from .models import Employer, EmployerMembership
from .services import attach_employer


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


def store_employer(acting_user, user, data):
    employer = data.get("employer")
    if user.role == Role.EMPLOYER or employer is not None:
        attach_employer(user, employer)


def employer_role_refusal(user, role):
    if role == Role.EMPLOYER and not EmployerMembership.objects.filter(user_id=user.pk).exists():
        return gettext("Invite employer users anew: they need an employer.")
    return None


def with_employer(queryset):
    return queryset.select_related("employer_membership__employer")


def employer_label(user):
    membership = getattr(user, "employer_membership", None)
    return membership.employer.name if membership else None

from django import forms
from django.contrib.auth import get_user_model
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import DateInput, PlausibleInput
from vakwerk.roles import Role

from .models import Competency, ConsultantProfile, IntervisionSession, Score, TrainingRecord
from .selectors import visible_consultants

User = get_user_model()


class TrainingRecordForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"started_on": "session_date", "ended_on": "session_date"}

    class Meta:
        model = TrainingRecord
        fields = ["consultant", "kind", "title", "provider", "started_on", "ended_on", "completed"]
        widgets = {"started_on": DateInput(), "ended_on": DateInput()}

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        if acting_user.role == Role.MANAGER:
            self.fields["consultant"].queryset = visible_consultants(acting_user).filter(
                is_active=True
            )
        else:
            # Consultants record their own training; the service sets them as consultant.
            del self.fields["consultant"]


class IntervisionSessionForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"held_on": "session_date"}

    class Meta:
        model = IntervisionSession
        fields = ["held_on", "focus", "attendees", "facilitator", "facilitator_name", "summary"]
        widgets = {
            "held_on": DateInput(),
            "attendees": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        colleagues = User.objects.filter(
            municipality_id=acting_user.municipality_id, is_active=True
        ).order_by("last_name", "first_name", "pk")
        self.fields["attendees"].queryset = colleagues.filter(role=Role.CONSULTANT)
        self.fields["facilitator"].queryset = colleagues.filter(
            role__in=[Role.CONSULTANT, Role.MANAGER]
        )

    def clean(self):
        data = super().clean()
        if bool(data.get("facilitator")) == bool(data.get("facilitator_name", "").strip()):
            raise forms.ValidationError(
                _("Choose one facilitator: a colleague, or an external facilitator by name.")
            )
        return data


class ProfileForm(PlausibleInput, forms.ModelForm):
    class Meta:
        model = ConsultantProfile
        fields = ["is_trainer", "may_become_trainer"]


class CompetencyForm(PlausibleInput, forms.ModelForm):
    class Meta:
        model = Competency
        fields = ["name", "description", "position", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AssessmentForm(PlausibleInput, forms.Form):
    """One 1–5 choice per active competency of the municipality."""

    field_kinds = {"assessed_on": "session_date"}

    assessed_on = forms.DateField(label=_("Date of the assessment"), widget=DateInput())

    def __init__(self, *args, competencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.competencies = list(competencies)
        choices = [("", "—"), *Score.choices]
        for competency in self.competencies:
            self.fields[self._key(competency)] = forms.TypedChoiceField(
                label=competency.name,
                # Typed by an admin: text, never markup, whatever template prints it.
                help_text=conditional_escape(competency.description),
                choices=choices,
                coerce=int,
            )

    @staticmethod
    def _key(competency):
        return f"competency_{competency.pk}"

    def scores(self):
        return {c: self.cleaned_data[self._key(c)] for c in self.competencies}

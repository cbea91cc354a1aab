import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _

from participants.models import BenefitType, Cohort, DevelopmentPotential, Status, TargetGroup
from vakwerk.fields import DateInput, PlausibleInput, parse_id
from vakwerk.roles import Role

from .caseload_selectors import GROUPS, NO_INTAKE, OWN, filter_cohort_options, filter_cohorts
from .models import (
    CoachingSession,
    Competency,
    ConsultantProfile,
    IntervisionSession,
    Score,
    SessionKind,
    Theme,
    TrainingRecord,
)
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


CASELOAD_GROUP_DAYS = 90


class CaseloadFilterForm(PlausibleInput, forms.Form):
    q = forms.CharField(label=_("Name"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + Status.choices
    )
    target_group = forms.ChoiceField(
        label=_("Target group"), required=False, choices=[("", _("All"))] + TargetGroup.choices
    )
    benefit_type = forms.ChoiceField(
        label=_("Benefit"), required=False, choices=[("", _("All"))] + BenefitType.choices
    )
    cohort = forms.ModelChoiceField(
        label=_("Group"), required=False, queryset=Cohort.objects.none(), empty_label=_("All")
    )
    potential = forms.ChoiceField(
        label=_("Development potential"),
        required=False,
        choices=[("", _("All"))]
        + DevelopmentPotential.choices
        + [(NO_INTAKE, _("No intake yet"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("status", _("Status")),
            ("last_contact", _("Longest without contact")),
            ("-last_contact", _("Most recent contact")),
            ("-enrolled", _("Newest enrolment")),
            ("-potential", _("Highest development potential")),
            ("potential", _("Lowest development potential")),
        ],
    )
    # A consultant who also trains groups: their own participants (the default) or the
    # members of the groups they train. Not a field: the page shows it as tabs.
    members = forms.ChoiceField(
        required=False,
        choices=[(OWN, _("My participants")), (GROUPS, _("Members of my groups"))],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Running groups and those that ended lately: a region has hundreds of groups, and
        # a list of all of them helps nobody pick one. A group chosen before (a link from
        # its page) stays valid however old it is.
        since = timezone.localdate() - datetime.timedelta(days=CASELOAD_GROUP_DAYS)
        chosen = parse_id(self.data.get(self.add_prefix("cohort"))) if self.is_bound else None
        field = self.fields["cohort"]
        # The queryset checks a chosen group, the same groups read as a list are shown.
        field.queryset = filter_cohorts(user, since, chosen)
        field.choices = [("", field.empty_label)] + [
            (cohort.pk, field.label_from_instance(cohort))
            for cohort in filter_cohort_options(user, since, chosen)
        ]


class CoachingSessionForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"held_on": "session_date", "next_appointment": "session_date"}
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        choices=Theme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CoachingSession
        fields = [
            "held_on",
            "minutes",
            "kind",
            "themes",
            "notes",
            "agreed_actions",
            "next_appointment",
        ]
        widgets = {
            "held_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "agreed_actions": forms.Textarea(attrs={"rows": 2}),
            "next_appointment": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, minutes=45, **kwargs):
        kwargs.setdefault(
            "initial",
            {"held_on": timezone.localdate(), "minutes": minutes, "kind": SessionKind.INDIVIDUAL},
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        held_on, next_appointment = data.get("held_on"), data.get("next_appointment")
        if held_on and held_on > timezone.localdate():
            self.add_error("held_on", _("A session cannot be logged for a date in the future."))
        if next_appointment and held_on and next_appointment.date() < held_on:
            self.add_error("next_appointment", _("The next appointment comes after this one."))
        return data

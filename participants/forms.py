import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultants.models import CoachingSession, SessionKind, Theme
from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.fields import DateInput, PlausibleInput, parse_id
from vakwerk.models import Programme, User
from vakwerk.roles import Role

from .models import (
    STATUS_TRANSITIONS,
    BenefitType,
    Cohort,
    CohortMeeting,
    Intake,
    OutcomeMeasurement,
    Participant,
    Rung,
    Status,
    TargetGroup,
)

DATE = DateInput()


def consultants_of(user):
    return User.objects.filter(
        municipality_id=user.municipality_id, role=Role.CONSULTANT, is_active=True
    )


class ParticipantForm(PlausibleInput, forms.ModelForm):
    """The one form that shows the full BSN: everywhere else it is masked."""

    field_kinds = {
        "birth_date": "birth_date",
        "enrolled_on": "programme_date",
        "benefit_start": "past_date",
        "monthly_benefit": "monthly_amount",
    }

    class Meta:
        model = Participant
        fields = [
            "bsn",
            "first_name",
            "last_name",
            "birth_date",
            "postcode",
            "programme",
            "enrolled_on",
            "benefit_type",
            "benefit_start",
            "monthly_benefit",
            "consultant",
            "consent_research",
            "consent_share_profile",
            "consent_share_name",
        ]
        widgets = {
            "birth_date": DATE,
            "enrolled_on": DATE,
            "benefit_start": DATE,
            "bsn": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = consultants_of(user)
        self.fields["programme"].queryset = Programme.objects.for_user(user)
        self.fields["bsn"].help_text = _("Nine digits; checked with the 11-check.")
        self.user = user

    def clean_bsn(self):
        from .validators import BSNValidator, normalise_bsn

        bsn = normalise_bsn(self.cleaned_data["bsn"])
        BSNValidator()(bsn)
        others = Participant.objects.filter(municipality_id=self.user.municipality_id, bsn=bsn)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        existing = others.values_list("pk", flat=True).first()
        if existing is not None:
            # The hint tells the user that this person is known here: a read of personal
            # data, audited with the participant's number (never the BSN).
            audit.record(self.user, AuditAction.SEARCH, participant_id=existing,
                         detail="BSN hint: already registered")  # fmt: skip
            raise forms.ValidationError(
                _("A participant with this BSN is already registered in your municipality.")
            )
        return bsn

    def validate_unique(self):
        # The municipality is set by the service; uniqueness of the BSN is checked above.
        pass


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
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Running groups and those that ended lately: a region has hundreds of groups, and
        # a list of all of them helps nobody pick one. A group chosen before (a link from
        # its page) stays valid however old it is.
        cutoff = timezone.localdate() - datetime.timedelta(days=CASELOAD_GROUP_DAYS)
        recent = Q(end_date__gte=cutoff)
        chosen = parse_id(self.data.get(self.add_prefix("cohort"))) if self.is_bound else None
        if chosen is not None:
            recent |= Q(pk=chosen)
        self.fields["cohort"].queryset = (
            Cohort.objects.for_user(user).filter(recent).order_by("name")
        )


class StatusChangeForm(PlausibleInput, forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS[Status(participant.status)]
        self.fields["status"].choices = [(s.value, s.label) for s in Status if s in allowed]


class IntakeForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"held_on": "session_date"}
    rung = forms.TypedChoiceField(
        label=_("Participation ladder at intake"), choices=Rung.choices, coerce=int
    )

    class Meta:
        model = Intake
        fields = [
            "held_on",
            "development_potential",
            "passion_inventory",
            "knowledge",
            "skills",
            "behaviour",
            "notes",
        ]
        widgets = {
            "held_on": DATE,
            "passion_inventory": forms.Textarea(attrs={"rows": 3}),
            "knowledge": forms.Textarea(attrs={"rows": 2}),
            "skills": forms.Textarea(attrs={"rows": 2}),
            "behaviour": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class LadderRungForm(PlausibleInput, forms.Form):
    field_kinds = {"recorded_on": "session_date"}
    recorded_on = forms.DateField(label=_("Date"), widget=DATE)
    rung = forms.TypedChoiceField(label=_("Rung"), choices=Rung.choices, coerce=int)


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
            "held_on": DATE,
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


class CohortForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"start_date": "programme_date", "end_date": "programme_date"}

    class Meta:
        model = Cohort
        fields = ["programme", "name", "start_date", "end_date", "capacity", "trainers"]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "trainers": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.for_user(user)
        self.fields["trainers"].queryset = consultants_of(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The group cannot end before it starts."))
        return data


class EnrolForm(PlausibleInput, forms.Form):
    participant = forms.ModelChoiceField(
        label=_("Participant"), queryset=Participant.objects.none()
    )

    def __init__(self, *args, user, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = (
            Participant.objects.for_user(user)
            .exclude(enrolments__cohort=cohort)
            .order_by("last_name", "first_name")
        )


class MeetingForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"held_on": "session_date"}

    class Meta:
        model = CohortMeeting
        fields = ["held_on", "topic"]
        widgets = {"held_on": DATE}


class AttendanceForm(PlausibleInput, forms.Form):
    present = forms.MultipleChoiceField(
        label=_("Present"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, enrolled, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(p.pk, str(p)) for p in enrolled]


class OutcomeForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"measured_on": "follow_up_date", "hours_per_week": "hours_per_week"}

    class Meta:
        model = OutcomeMeasurement
        fields = [
            "measured_on",
            "employment",
            "hours_per_week",
            "contract",
            "benefit_status",
            "benefit_end_reason",
            "source",
        ]
        widgets = {"measured_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("measured_on", "employment", "benefit_status", "source"):
            self.fields[name].required = True
        self.fields["benefit_end_reason"].help_text = _(
            "Only when the benefit ended. Work, education and own business count as outflow "
            "to work."
        )

    def clean(self):
        data = super().clean()
        if data.get("benefit_status") == "none" and not data.get("benefit_end_reason"):
            self.add_error("benefit_end_reason", _("Say why the benefit ended."))
        if data.get("employment") not in (None, "", "none") and not data.get("hours_per_week"):
            self.add_error("hours_per_week", _("How many hours a week does the person work?"))
        return data


class BsnSearchForm(PlausibleInput, forms.Form):
    bsn = forms.CharField(label=_("BSN"), max_length=9, min_length=8)

import datetime
import re

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.bsn import normalise_bsn
from vakwerk.fields import BOUNDS, BoundsValidator, DateInput, PlausibleInput
from vakwerk.models import Programme, User
from vakwerk.roles import Role

from .models import (
    COMMON_SKILLS,
    OUTCOME_RECORDED,
    STATUS_TRANSITIONS,
    Certificate,
    Cohort,
    CohortMeeting,
    Intake,
    OutcomeMeasurement,
    Participant,
    Rung,
    Status,
    Weekday,
)
from .services import MEETINGS_OUTSIDE_PERIOD, selection_refusal
from .validators import BSNValidator

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
        _accept_typed_bsn(self.fields["bsn"])
        self.user = user

    def clean_bsn(self):
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


class StatusChangeForm(PlausibleInput, forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS[Status(participant.status)]
        self.fields["status"].choices = [(s.value, s.label) for s in Status if s in allowed]
        self.participant = participant
        if Status.SELECTED in allowed:
            self.fields["status"].help_text = _(
                "Selecting requires a recorded intake with the development potential and "
                "your motivation."
            )

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == Status.SELECTED:
            refusal = selection_refusal(self.participant)
            if refusal:
                raise forms.ValidationError(refusal, code="selection_without_intake")
        return status


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
            "selection_motivation",
        ]
        widgets = {
            "held_on": DATE,
            "passion_inventory": forms.Textarea(attrs={"rows": 3}),
            "knowledge": forms.Textarea(attrs={"rows": 2}),
            "skills": forms.Textarea(attrs={"rows": 2}),
            "behaviour": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "selection_motivation": forms.Textarea(attrs={"rows": 3}),
        }


class LadderRungForm(PlausibleInput, forms.Form):
    field_kinds = {"recorded_on": "session_date"}
    recorded_on = forms.DateField(label=_("Date"), widget=DATE)
    rung = forms.TypedChoiceField(label=_("Rung"), choices=Rung.choices, coerce=int)


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
        elif start and end and self.instance.pk:
            outside = self.instance.meetings_outside(start, end).exists()
            if outside:
                self.add_error(None, MEETINGS_OUTSIDE_PERIOD)
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

    def __init__(self, *args, cohort=None, **kwargs):
        # With the group set on the instance, the model's clean refuses a date outside
        # the group's period as a form error.
        if cohort is not None and "instance" not in kwargs:
            kwargs["instance"] = CohortMeeting(cohort=cohort)
        super().__init__(*args, **kwargs)


def _split_prefix(last_name):
    """("van der", "Berg") from "van der Berg": the lowercase words before the surname
    (tussenvoegsels), which a Dutch register files behind it."""
    words = (last_name or "").split()
    index = 0
    while index < len(words) - 1 and words[index].islower():
        index += 1
    return " ".join(words[:index]), " ".join(words[index:])


def register_name(participant):
    """How a paper register lists a person: "Dijk, Nadia van"."""
    prefix, surname = _split_prefix(participant.last_name)
    name = f"{surname}, {participant.first_name}"
    return f"{name} {prefix}" if prefix else name


def register_key(participant):
    """Sorts by surname (van Dijk under D), then first name."""
    prefix, surname = _split_prefix(participant.last_name)
    return (surname.casefold(), participant.first_name.casefold(), prefix, participant.pk)


class AttendanceForm(PlausibleInput, forms.Form):
    present = forms.MultipleChoiceField(
        label=_("Present"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, enrolled, **kwargs):
        super().__init__(*args, **kwargs)
        # In the order of a paper register, so a trainer finds people.
        self.fields["present"].choices = [
            (p.pk, register_name(p)) for p in sorted(enrolled, key=register_key)
        ]

    def clean(self):
        data = super().clean()
        # The "Everyone present" button submits the same form: the usual meeting in one
        # click, without a script.
        if self.data.get("everyone_present"):
            data["present"] = [str(pk) for pk, _label in self.fields["present"].choices]
        return data


class OutcomeForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"measured_on": "follow_up_date", "hours_per_week": "hours_per_week"}

    class Meta:
        model = OutcomeMeasurement
        fields = list(OUTCOME_RECORDED)
        widgets = {"measured_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("measured_on", "employment", "benefit_status", "source"):
            self.fields[name].required = True
        if self.initial.get("measured_on") is None:
            # A follow-up is mostly recorded on the day of the call.
            self.initial["measured_on"] = timezone.localdate()
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


def _accept_typed_bsn(field):
    """A BSN is typed as on a letter ("1234 56 789", "123.456.789"): the length is checked on
    the normalised number by the BSN validator, not on what was typed."""
    field.max_length = TYPED_BSN_MAX_LENGTH
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.widget.attrs["maxlength"] = str(TYPED_BSN_MAX_LENGTH)


TYPED_BSN_MAX_LENGTH = 20


class BsnSearchForm(PlausibleInput, forms.Form):
    bsn = forms.CharField(label=_("BSN"), max_length=TYPED_BSN_MAX_LENGTH)

    def clean_bsn(self):
        return normalise_bsn(self.cleaned_data["bsn"])


def _skill_words(text):
    return [word.strip() for word in re.split(r"[,;/]+", text or "") if word.strip()]


class TalentProfileForm(PlausibleInput, forms.Form):
    """The consultant's form for a talent profile. Skills are ticked from the managed list
    or typed; both end up as one comma-separated text, which the matching searches. Each
    certificate is ticked with the date it was obtained."""

    field_kinds = {"hours_available": "hours_per_week"}

    skills_common = forms.MultipleChoiceField(
        label=_("Skills"),
        required=False,
        choices=[(skill, skill) for skill in COMMON_SKILLS],
        widget=forms.CheckboxSelectMultiple({"class": "form-check-input"}),
    )
    skills_other = forms.CharField(
        label=_("Other skills"),
        required=False,
        max_length=500,
        help_text=_("Separate skills with commas."),
    )
    hours_available = forms.IntegerField(label=_("Hours available per week"), required=False)
    days_available = forms.MultipleChoiceField(
        label=_("Days available"),
        required=False,
        choices=Weekday.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.CharField(
        label=_("Notes on availability"),
        required=False,
        max_length=200,
        help_text=_("For instance: mornings only, not during school holidays."),
    )
    education = forms.CharField(
        label=_("Education"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )
    experience = forms.CharField(
        label=_("Work experience"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
    )
    passions = forms.CharField(
        label=_("Passions"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=1500,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("A short CV-like text in the participant's own terms; no photo, no BSN."),
    )

    def __init__(self, *args, **kwargs):
        certificate_fields = {}
        for code, label in Certificate.choices:
            certificate_fields[f"cert_{code}"] = forms.BooleanField(
                label=label,
                required=False,
                widget=forms.CheckboxInput({"class": "form-check-input"}),
            )
            certificate_fields[f"cert_{code}_on"] = forms.DateField(
                label=_("Obtained on"), required=False, widget=DATE
            )
        self.base_fields = {**self.base_fields, **certificate_fields}
        self.field_kinds = {
            **self.field_kinds,
            **{f"cert_{code}_on": "past_date" for code in Certificate.values},
        }
        super().__init__(*args, **kwargs)
        # apply_rules words an optional field's bounds for an end date ("leave empty when
        # there is no end date"); hours and the date a certificate was obtained are no end.
        for name, kind in self.field_kinds.items():
            field = self.fields[name]
            field.validators = [v for v in field.validators if not isinstance(v, BoundsValidator)]
            field.validators.append(BoundsValidator(BOUNDS[kind]))

    def certificate_rows(self):
        """(checkbox, date) bound fields per certificate, for the template's table."""
        return [(self[f"cert_{code}"], self[f"cert_{code}_on"]) for code in Certificate.values]

    def clean(self):
        data = super().clean()
        for code in Certificate.values:
            if data.get(f"cert_{code}_on") and not data.get(f"cert_{code}"):
                self.add_error(
                    f"cert_{code}",
                    _("Tick the certificate, or clear the date it was obtained."),
                )
        return data

    @classmethod
    def initial_for(cls, profile, intake=None):
        """The form's values from a saved profile; passions from the intake's passion
        inventory while the profile has none."""
        initial = {}
        if intake is not None and intake.passion_inventory:
            initial["passions"] = intake.passion_inventory
        if profile is None:
            return initial
        common, other = [], []
        for word in _skill_words(profile.skills):
            (common if word.lower() in COMMON_SKILLS else other).append(word)
        initial.update(
            skills_common=[word.lower() for word in common],
            skills_other=", ".join(other),
            hours_available=profile.hours_available,
            days_available=profile.days_available,
            availability=profile.availability,
            education=profile.education,
            experience=profile.experience,
            summary=profile.summary,
        )
        if profile.passions:
            initial["passions"] = profile.passions
        for code in profile.certificates:
            initial[f"cert_{code}"] = True
            if profile.certificate_dates.get(code):
                initial[f"cert_{code}_on"] = datetime.date.fromisoformat(
                    profile.certificate_dates[code]
                )
        return initial

    def profile_fields(self):
        """The cleaned values as the keywords of services.save_talent_profile."""
        data = self.cleaned_data
        ticked = [skill for skill in COMMON_SKILLS if skill in data["skills_common"]]
        typed = [w for w in _skill_words(data["skills_other"]) if w.lower() not in ticked]
        held = [code for code in Certificate.values if data.get(f"cert_{code}")]
        return {
            "skills": ", ".join(ticked + typed),
            "certificates": held,
            "certificate_dates": {
                code: data[f"cert_{code}_on"].isoformat()
                for code in held
                if data.get(f"cert_{code}_on")
            },
            "hours_available": data["hours_available"],
            "days_available": [d for d in Weekday.values if d in data["days_available"]],
            "availability": data["availability"],
            "education": data["education"],
            "experience": data["experience"],
            "passions": data["passions"],
            "summary": data["summary"],
        }

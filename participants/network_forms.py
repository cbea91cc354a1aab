from django import forms
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import DateInput, PlausibleInput

from .models import NetworkMoment, SelfRating


def moment_from(value):
    """A moment from a query string ("0", "3", …), or None for anything else."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 2 and int(text) in NetworkMoment.values:
        return NetworkMoment(int(text))
    return None


class NetworkMeasurementForm(PlausibleInput, forms.Form):
    """The fixed network instrument: the consultant asks the participant the same three
    questions at the intake and at each follow-up."""

    field_kinds = {
        "measured_on": "follow_up_date",
        "work_contacts": "work_contacts",
        "employer_contacts": "employer_contacts",
    }

    moment = forms.TypedChoiceField(label=_("Moment"), choices=NetworkMoment.choices, coerce=int)
    measured_on = forms.DateField(label=_("Measured on"), widget=DateInput())
    work_contacts = forms.IntegerField(
        label=_("Work-relevant contacts"),
        help_text=_(
            "How many people does the participant know who could help them towards work "
            "(family, friends, former colleagues, neighbours, clubs)?"
        ),
    )
    employer_contacts = forms.IntegerField(
        label=_("Employers contacted in the last three months"),
        help_text=_("Applications, visits, calls, work placements: each employer once."),
    )
    self_rating = forms.TypedChoiceField(
        label=_("“I know whom to ask to help me find work”"),
        choices=SelfRating.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )

    @classmethod
    def initial_for(cls, measurement, moment, measured_on):
        if measurement is None:
            return {"moment": moment, "measured_on": measured_on}
        return {
            "moment": measurement.moment,
            "measured_on": measurement.measured_on,
            "work_contacts": measurement.work_contacts,
            "employer_contacts": measurement.employer_contacts,
            "self_rating": measurement.self_rating,
        }

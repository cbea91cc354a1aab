import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import MAX_ID, PlausibleInput, day_after
from .models import AuditAction, User

# A period means Dutch calendar days, whatever time zone the server runs in.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def start_of_day(day):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=AMSTERDAM)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email


class AuditFilterForm(PlausibleInput, forms.Form):
    participant = forms.IntegerField(
        label=_("Participant number"), required=False, min_value=1, max_value=MAX_ID
    )
    user = UserChoiceField(
        label=_("User"), required=False, queryset=User.objects.none(), empty_label=_("All")
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All")), *AuditAction.choices]
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Up to and including"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Blocked users stay in the list: their entries remain in the trail.
        self.fields["user"].queryset = User.objects.filter(municipality_id=user.municipality_id)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period lies before its start."))
        return data

    def filter(self, entries):
        """The entries that match. None while a filter is invalid: an export must never
        quietly ignore a filter and hand out more than was asked for."""
        if not self.is_valid():
            return entries.none()
        data = self.cleaned_data
        if data["participant"] is not None:
            entries = entries.filter(participant_id=data["participant"])
        if data["user"] is not None:
            entries = entries.filter(user=data["user"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["date_from"]:
            entries = entries.filter(at__gte=start_of_day(data["date_from"]))
        next_day = day_after(data["date_to"]) if data["date_to"] else None
        if next_day is not None:
            entries = entries.filter(at__lt=start_of_day(next_day))
        return entries.order_by("-at", "-pk")

"""The dashboard's filter form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import PlausibleInput
from vakwerk.models import Programme

from . import selectors

DATE_WIDGET = forms.DateInput(
    attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
)


class PeriodForm(PlausibleInput, forms.Form):
    """The dashboard's filter: the whole municipality or one programme, and a period."""

    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("Whole municipality"),
        widget=forms.Select(attrs={"class": "form-select-sm"}),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=DATE_WIDGET, input_formats=["%Y-%m-%d"]
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=DATE_WIDGET, input_formats=["%Y-%m-%d"]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.for_user(user).order_by(
            "-start_date", "name"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period lies after its end."))
        return data

    def period(self):
        if not self.is_valid():
            return selectors.Period()
        return selectors.Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])

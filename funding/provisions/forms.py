from dateutil.relativedelta import relativedelta
from django import forms
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import DateInput, PlausibleInput

from . import spec
from .models import Provision, ProvisionKind


class ProvisionForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"start_date": "programme_date", "end_date": "programme_date"}

    class Meta:
        model = Provision
        fields = [
            "kind",
            "start_date",
            "end_date",
            "wage_subsidy_percentage",
            "wage_subsidy_amount",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}
        help_texts = {
            "end_date": _("Leave empty while the provision is still running."),
            "wage_subsidy_percentage": _("Only for a wage-cost subsidy."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ProvisionKind.objects.order_by("srg_code")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date lies before the start date."))
        return cleaned


class BuildForm(forms.Form):
    month = forms.DateField(
        label=_("Report month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Give a month as year and month, e.g. 2026-03.")},
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_month(self):
        month = self.cleaned_data["month"].replace(day=1)
        if month >= self.today.replace(day=1):
            raise forms.ValidationError(_("Only a month that has ended can be delivered."))
        if month < spec.FIRST_MONTH:
            raise forms.ValidationError(
                _("This guideline applies from January 2021; an earlier month cannot be built.")
            )
        if month < self.today.replace(day=1) - relativedelta(months=spec.CORRECTION_MONTHS):
            raise forms.ValidationError(
                _(
                    "CBS takes corrections up to three months after the report month; "
                    "this month can no longer be delivered."
                )
            )
        return month

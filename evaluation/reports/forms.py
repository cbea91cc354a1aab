"""The form with which a manager requests a report."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vakwerk.fields import PlausibleInput
from vakwerk.models import Programme

from .models import ReportKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportRequestForm(PlausibleInput, forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"), queryset=Programme.objects.none()
    )
    kind = forms.ChoiceField(label=gettext_lazy("Report"), choices=ReportKind.choices)
    period_start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=DATE_WIDGET,
        input_formats=["%Y-%m-%d"],
    )  # fmt: skip
    period_end = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=DATE_WIDGET,
        input_formats=["%Y-%m-%d"],
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.for_user(user).order_by(
            "-start_date", "name"
        )
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period lies after its end."))
        return data

import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from employers.models import Match
from employers.selectors import confirmed_job_intentions
from vakwerk.models import Programme

from .models import MONEY, Commitment, Fund
from .templatetags.money import euro


class DateInput(forms.DateInput):
    # The browser's date picker only accepts ISO dates.
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AmountField(forms.DecimalField):
    """Accepts amounts as people type them here: 1234,56 · 1.234,56 · € 1.234 · 1234.56.
    A text input (not type=number) because number inputs refuse the Dutch comma in some
    browsers; inputmode still gives a phone its numeric keyboard."""

    def __init__(self, *, positive=True, **kwargs):
        kwargs.setdefault("max_digits", MONEY["max_digits"])
        kwargs.setdefault("decimal_places", MONEY["decimal_places"])
        if positive:
            kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = self.normalise(value)
        return super().to_python(value)

    @staticmethod
    def normalise(text):
        text = re.sub(r"[€\s\u00a0]", "", text)
        if "," in text:
            # A comma is the decimal separator; dots before it group thousands.
            return text.replace(".", "").replace(",", ".")
        if text.count(".") > 1 or re.fullmatch(r"-?\d{1,3}\.\d{3}", text):
            # 1.500 is fifteen hundred in Dutch, never one and a half.
            return text.replace(".", "")
        return text


class FundForm(forms.ModelForm):
    class Meta:
        model = Fund
        fields = [
            "name",
            "kind",
            "programme",
            "starts_on",
            "ends_on",
            "ceiling",
            "target_group",
            "benefit_type",
        ]
        field_classes = {"ceiling": AmountField}
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.for_user(user)
        self.fields["starts_on"].initial = timezone.localdate


class DepositForm(forms.Form):
    amount = AmountField(label=_("Amount (€)"))
    description = forms.CharField(label=_("Description"), max_length=300)


class ExpenditureForm(forms.Form):
    amount = AmountField(label=_("Amount (€)"))
    description = forms.CharField(label=_("Description"), max_length=300)
    commitment = forms.ModelChoiceField(
        label=_("Against commitment"),
        queryset=Commitment.objects.none(),
        required=False,
        empty_label=_("None: straight from what is available"),
    )

    def __init__(self, *args, commitments, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["commitment"]
        field.queryset = commitments
        field.label_from_instance = lambda c: (
            _("%(purpose)s · %(name)s · %(open)s open")
            % {
                "purpose": c.purpose,
                "name": c.participant,
                "open": euro(c.open_amount),
            }
        )


class CorrectionForm(forms.Form):
    amount = AmountField(
        label=_("Amount (€)"),
        positive=False,
        help_text=_("Negative to lower the fund (e.g. -250,00), positive to raise it."),
    )
    description = forms.CharField(label=_("Why this correction"), max_length=300)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("A correction of € 0,00 changes nothing."))
        return amount


class CommitmentRequestForm(forms.Form):
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.none())
    match = forms.ModelChoiceField(
        label=_("Confirmed job intention"),
        queryset=Match.objects.none(),
        required=False,
        help_text=_("Required for a client-level placement budget."),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    amount = AmountField(label=_("Amount (€)"))

    def __init__(self, *args, user, participant, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        # Only funds whose period covers today can take a new commitment.
        self.fields["fund"].queryset = (
            Fund.objects.for_user(user)
            .filter(starts_on__lte=today)
            .exclude(ends_on__lt=today)
            .order_by("name", "pk")
        )
        match = self.fields["match"]
        match.queryset = confirmed_job_intentions(participant).select_related(
            "opportunity__employer"
        )
        match.label_from_instance = lambda m: (
            f"{m.opportunity.title} · {m.opportunity.employer.name}"
        )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=300)

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from employers.models import Match
from employers.selectors import confirmed_job_intentions
from vakwerk.fields import DateInput, DecimalInputField, PlausibleInput
from vakwerk.models import Programme

from . import savings
from .models import MONEY, Commitment, Fund, SavingsAssumptions
from .templatetags.money import euro


class AmountField(DecimalInputField):
    """An amount in euros: the project's decimal field (vakwerk.fields: Dutch and English
    notation, no 1e3), money's digits, and the bounds of an amount, or of a correction
    when negative amounts are allowed."""

    def __init__(self, *, positive=True, **kwargs):
        kwargs.setdefault("max_digits", MONEY["max_digits"])
        kwargs.setdefault("decimal_places", MONEY["decimal_places"])
        kwargs.setdefault("kind", "amount" if positive else "correction")
        super().__init__(**kwargs)


class FundForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"starts_on": "programme_date", "ends_on": "programme_date"}

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


class DepositForm(PlausibleInput, forms.Form):
    amount = AmountField(label=_("Amount (€)"))
    description = forms.CharField(label=_("Description"), max_length=300)


class ExpenditureForm(PlausibleInput, forms.Form):
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


class CorrectionForm(PlausibleInput, forms.Form):
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


class CommitmentRequestForm(PlausibleInput, forms.Form):
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


class RejectForm(PlausibleInput, forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=300)


class AssumptionsForm(PlausibleInput, forms.ModelForm):
    """A new version of the savings assumptions: starts from the current values, and asks
    why."""

    field_kinds = {
        "yearly_cost_bijstand": "yearly_cost",
        "yearly_cost_ww": "yearly_cost",
        "yearly_cost_both": "yearly_cost",
        "remaining_duration_years": "years",
        "partial_benefit_share": "fraction",
        "reference_outflow_rate": "fraction",
    }

    class Meta:
        model = SavingsAssumptions
        fields = [*savings.ASSUMPTION_FIELDS, "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].help_text = _("Why this version: what changed and on what basis.")
        self.fields["remaining_duration_years"].help_text = _(
            "The seed's EUR 517,405 assumes 2.5 years for 14 people off social assistance; "
            "three full years would be EUR 620,886."
        )
        self.fields["reference_outflow_rate"].help_text = _(
            "As a fraction: 0.15 means 15% would have left benefit anyway. Used when the "
            "counterfactual is the reference outflow rate."
        )
        self.fields["partial_benefit_share"].help_text = _(
            "As a fraction: 0.5 counts someone on partial benefit as half a person."
        )


class PreviewForm(PlausibleInput, forms.Form):
    duration = DecimalInputField(
        label=_("Try another duration (years)"),
        max_digits=4,
        decimal_places=2,
        required=False,
        kind="years",
    )

"""Forms of the employer pages and the employer portal. They only validate input; every
write goes through employers.services, which checks the same rules again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.models import Certificate, TargetGroup
from vakwerk.fields import DateInput, PlausibleInput
from vakwerk.models import User
from vakwerk.roles import Role

from .models import (
    ContactLogEntry,
    Employer,
    EmployerContact,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    kvk_validator,
)


class EmployerForm(PlausibleInput, forms.ModelForm):
    # Longer than eight on the form, so that "1234 5678" can be cleaned and every wrong
    # number gets the one KvK message instead of a generic length error.
    kvk_number = forms.CharField(
        label=_("KvK number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Eight digits, as on the extract of the Chamber of Commerce."),
    )

    class Meta:
        model = Employer
        fields = ["name", "kvk_number", "sector", "size", "stage", "account_manager"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Only WSP colleagues of the same municipality can hold the account.
        self.fields["account_manager"].queryset = User.objects.filter(
            municipality_id=user.municipality_id, role=Role.WSP, is_active=True
        ).order_by("last_name", "first_name", "pk")

    def clean_kvk_number(self):
        # People copy the number as printed ("1234 5678"); the register knows only digits.
        number = "".join(self.cleaned_data["kvk_number"].split()).replace(".", "")
        kvk_validator(number)
        taken = Employer.objects.for_user(self.user).filter(kvk_number=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("An employer with this KvK number is registered already."), code="duplicate"
            )
        return number


class ContactForm(PlausibleInput, forms.ModelForm):
    class Meta:
        model = EmployerContact
        fields = ["name", "job_title", "email", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})}


class ContactLogForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"held_on": "session_date"}

    class Meta:
        model = ContactLogEntry
        fields = ["held_on", "kind", "summary", "next_step"]
        widgets = {"held_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 4})}


class InviteForm(PlausibleInput, forms.Form):
    email = forms.EmailField(label=_("e-mail address"))
    first_name = forms.CharField(label=_("first name"), max_length=100)
    last_name = forms.CharField(label=_("last name"), max_length=100)


class OpportunityForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"valid_until": "programme_date", "hours_per_week": "hours_per_week"}

    conditions = forms.MultipleChoiceField(
        label=_("Conditions"),
        choices=Certificate.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What a candidate must have completed or hold."),
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"),
        choices=TargetGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty if every age group is welcome."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "employer",
            "kind",
            "title",
            "positions",
            "hours_per_week",
            "contract",
            "conditions",
            "target_groups",
            "valid_until",
            "skills_wanted",
            "description",
        ]
        widgets = {
            "valid_until": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the WSP chooses the employer, and only when entering a new opportunity;
        # an employer user always writes for their own organisation.
        if user.role == Role.WSP and not self.instance.pk:
            self.fields["employer"].queryset = Employer.objects.for_user(user)
        else:
            del self.fields["employer"]
        self.fields["kind"].initial = OpportunityKind.VACANCY


class RejectForm(PlausibleInput, forms.Form):
    reason = forms.CharField(
        label=_("reason for rejection"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("The employer reads this; say what to change before submitting again."),
    )


class ReviewForm(RejectForm):
    """The WSP's decision on a submitted opportunity: confirm, or reject with a reason."""

    DECISIONS = {"confirm": OpportunityStatus.CONFIRMED, "reject": OpportunityStatus.REJECTED}
    # Sent by the button pressed, not typed: the template renders two submit buttons.
    decision = forms.ChoiceField(choices=[(key, key) for key in DECISIONS])

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Tell the employer why, so that they can improve it."))
        return data


class OpportunityFilterForm(PlausibleInput, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *OpportunityStatus.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *OpportunityKind.choices], required=False
    )

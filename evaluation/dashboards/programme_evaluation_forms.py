from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import DateInput, PlausibleInput
from vakwerk.models import Phase

from . import programme_evaluation
from .models import ActionStatus, EvaluationAction


class StakeholderChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.programme.name})"


class EvaluationSessionForm(PlausibleInput, forms.Form):
    field_kinds = {"held_on": "session_date"}

    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    attendees = StakeholderChoiceField(
        label=_("Attendees"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("From the stakeholder register of the municipality."),
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What went well, what the stakeholders noticed."),
    )
    bottlenecks = forms.CharField(
        label=_("Bottlenecks"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What got in the way and must be solved for the next programme."),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["attendees"].queryset = programme_evaluation.attendee_choices(programme)

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        programme_evaluation.check_held_on(self.programme, held_on)
        return held_on

    @classmethod
    def initial_for(cls, session, programme):
        if session is None:
            return {"phase": programme.phase}
        return {
            "phase": session.phase,
            "held_on": session.held_on,
            "attendees": [stakeholder.pk for stakeholder in session.attendees.all()],
            "findings": session.findings,
            "bottlenecks": session.bottlenecks,
        }


class ActionForm(forms.Form):
    # The id of an existing action of this session; a typed one that is not gets an error.
    id = forms.TypedChoiceField(
        choices=[], coerce=int, required=False, empty_value=None, widget=forms.HiddenInput
    )
    # Required only on a row in use (see clean): an empty row is left out, and an asterisk
    # on it would say otherwise.
    description = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=EvaluationAction._meta.get_field("description").max_length,
    )
    who = forms.CharField(
        label=_("Who"),
        required=False,
        max_length=EvaluationAction._meta.get_field("who").max_length,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.OPEN
    )

    def __init__(self, *args, action_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id"].choices = [("", "")] + [(str(pk), str(pk)) for pk in action_ids]

    def clean(self):
        data = super().clean()
        in_use = data.get("who") or data.get("id") is not None
        missing = not data.get("description") and "description" not in self.errors
        if in_use and missing and not data.get("DELETE"):
            self.add_error("description", self.fields["description"].error_messages["required"])
        return data


class BaseActionFormSet(forms.BaseFormSet):
    def __init__(self, *args, action_ids=(), **kwargs):
        self.action_ids = list(action_ids)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "action_ids": self.action_ids}

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            pk = form.cleaned_data.get("id")
            if pk is not None and pk in seen:
                raise ValidationError(_("Each action appears once."))
            seen.add(pk)

    def actions(self):
        """What the service takes: changed and new actions, and those marked for removal.
        Untouched empty rows are left out."""
        result = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or not (data.get("description") or data.get("id") is not None):
                continue
            result.append(
                programme_evaluation.ActionInput(
                    description=data.get("description", ""),
                    who=data.get("who", ""),
                    status=data.get("status") or ActionStatus.OPEN,
                    pk=data.get("id"),
                    delete=bool(data.get("DELETE")),
                )
            )
        return result


ActionFormSet = forms.formset_factory(
    ActionForm,
    formset=BaseActionFormSet,
    extra=3,
    can_delete=True,
    max_num=programme_evaluation.MAX_ACTIONS,
    absolute_max=programme_evaluation.MAX_ACTIONS,
    validate_max=True,
)


def action_formset(session, data=None):
    actions = list(session.actions.all()) if session is not None else []
    initial = [
        {"id": a.pk, "description": a.description, "who": a.who, "status": a.status}
        for a in actions
    ]
    return ActionFormSet(
        data, initial=initial, prefix="actions", action_ids=[a.pk for a in actions]
    )

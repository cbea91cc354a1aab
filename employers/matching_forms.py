"""Forms of the matching pages: proposing a participant, moving a match, the placement."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants.models import Participant
from vakwerk.fields import DateInput, PlausibleInput
from vakwerk.roles import Role

from .models import EMPLOYER_STAGES, MATCH_TRANSITIONS, MatchStage, Placement
from .selectors import MATCHABLE_STATUSES
from .services import default_start_date

# What the button that moves a match to a stage says: an action, not the stage's name.
STAGE_ACTIONS = {
    MatchStage.INTRODUCED: gettext_lazy("Introduce to the employer"),
    MatchStage.INTERVIEW: gettext_lazy("Invite for an interview"),
    MatchStage.HIRED: gettext_lazy("Hire"),
    MatchStage.REJECTED: gettext_lazy("Reject"),
    MatchStage.WITHDRAWN: gettext_lazy("Withdraw"),
}
# Stages that need more than a click: a reason or the placement details.
STAGES_WITH_DETAILS = (MatchStage.REJECTED, MatchStage.HIRED)


def role_stages(user):
    """The stages a role may move a match to (services.move_match enforces the same)."""
    if user.role == Role.EMPLOYER:
        return set(EMPLOYER_STAGES)
    if user.role in (Role.CONSULTANT, Role.WSP):
        return set(MatchStage)
    return set()


def allowed_stages(user, stage):
    """The next stages of a match for this user, in the order of the flow."""
    possible = MATCH_TRANSITIONS[MatchStage(stage)] & role_stages(user)
    return [value for value in MatchStage if value in possible]


class ProposeForm(PlausibleInput, forms.Form):
    participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": gettext_lazy("This participant cannot be proposed."),
            "required": gettext_lazy("Choose a participant to propose."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only whom the user may match at all; the service checks the rest.
        self.fields["participant"].queryset = (
            Participant.objects.for_matching(user)
            .filter(status__in=MATCHABLE_STATUSES)
            .select_related("talent_profile")  # the fit score reads it
        )


class StageField(forms.ChoiceField):
    """Offers only the allowed next stages, and answers any other stage with a sentence
    that says why, instead of the generic "select a valid choice"."""

    def __init__(self, *, current, role_allowed, **kwargs):
        self.current = current
        self.role_allowed = role_allowed
        super().__init__(**kwargs)

    def validate(self, value):
        forms.Field.validate(self, value)  # the required check, without the choice check
        if value in (choice for choice, _label in self.choices):
            return
        labels = dict(MatchStage.choices)
        if value not in labels:
            raise ValidationError(_("Choose the next stage."), code="invalid_choice")
        if value in MATCH_TRANSITIONS[MatchStage(self.current)] and value not in self.role_allowed:
            raise ValidationError(
                _("Only the municipality can move a candidate to “%(to)s”.")
                % {"to": labels[value]},
                code="not_yours",
            )
        raise ValidationError(
            _("This cannot go from “%(from)s” to “%(to)s”.")
            % {"from": labels[self.current], "to": labels[value]},
            code="invalid_transition",
        )


class MoveForm(PlausibleInput, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the rejection"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Needed when you reject; the candidate's consultant reads it."),
    )

    def __init__(self, *args, user, match, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"] = StageField(
            label=_("Next stage"),
            current=match.stage,
            role_allowed=role_stages(user),
            choices=[(stage, STAGE_ACTIONS[stage]) for stage in allowed_stages(user, match.stage)],
        )
        self.order_fields(["stage", "reason"])


class PlacementForm(PlausibleInput, forms.ModelForm):
    field_kinds = {"start_date": "programme_date", "hours_per_week": "hours_per_week"}

    # The fields stay empty-able in the browser: the same page also rejects a candidate,
    # which needs none of them. The view validates this form only for a hire.
    use_required_attribute = False

    class Meta:
        model = Placement
        fields = ["start_date", "contract", "hours_per_week", "handover"]
        widgets = {
            "start_date": DateInput(),
            "handover": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        if opportunity is not None and not self.is_bound:
            self.initial.setdefault("start_date", default_start_date())
            self.initial.setdefault("contract", opportunity.contract or None)
            self.initial.setdefault("hours_per_week", opportunity.hours_per_week)

    def placement(self):
        """The keyword arguments services.move_match expects for a hire."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

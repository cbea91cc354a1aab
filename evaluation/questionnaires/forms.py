from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import DateInput, PlausibleInput, show_service_error

from . import selectors, services
from .models import Audience, QuestionKind, Questionnaire, Stakeholder
from .services import Recipient


class StakeholderForm(PlausibleInput, forms.ModelForm):
    class Meta:
        model = Stakeholder
        fields = ["name", "kind", "role", "steering_group", "contact_name", "contact_email"]
        help_texts = {
            "role": _(
                "Information: is kept informed. Influence: has a say in decisions. "
                "Intervention: takes part in carrying out the programme."
            ),
            "contact_email": _("Needed to invite this stakeholder to a questionnaire."),
        }


class QuestionnaireForm(PlausibleInput, forms.ModelForm):
    # "No end date" is an empty field; a closing day lies within ten years.
    field_kinds = {"closes_on": "programme_date"}

    programme = forms.ModelChoiceField(label=_("programme"), queryset=None)

    class Meta:
        model = Questionnaire
        fields = ["title", "audience", "wave", "introduction", "closes_on"]
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 3}),
            "closes_on": DateInput(),
        }
        help_texts = {
            "wave": _(
                "Give the baseline and the final questionnaire the same questions, so that "
                "their results can be compared."
            ),
            "introduction": _("Shown above the questions to everyone who answers."),
            "closes_on": _("After this day no one can answer any more, whatever the link."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A questionnaire stays with its programme: its invitations went to its people.
            del self.fields["programme"]
        else:
            self.fields["programme"].queryset = selectors.programmes(user)
            self.order_fields(["programme"])

    def service_fields(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "programme"}


class QuestionForm(PlausibleInput, forms.Form):
    text = forms.CharField(label=_("question"), max_length=500)
    kind = forms.ChoiceField(label=_("kind"), choices=QuestionKind.choices)
    choices = forms.CharField(
        label=_("options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only for a single-choice question: one option per line."),
    )
    required = forms.BooleanField(label=_("an answer is required"), required=False, initial=True)

    @classmethod
    def for_question(cls, question, *args, **kwargs):
        initial = {
            "text": question.text,
            "kind": question.kind,
            "choices": "\n".join(question.choices),
            "required": question.required,
        }
        return cls(*args, initial=initial, **kwargs)

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


def _lines(text):
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)
            if line.strip()]  # fmt: skip


class InviteForm(PlausibleInput, forms.Form):
    """Whom to invite depends on the audience: stakeholders of the programme and
    consultants of the municipality are ticked; participants have no e-mail address in
    VAKwerk, so the manager types one, next to a participant's name to link the answer to
    them, or in the list of loose addresses."""

    valid_days = forms.IntegerField(
        label=_("the link is valid for (days)"),
        min_value=1,
        max_value=services.MAX_VALID_DAYS,
        initial=services.DEFAULT_VALID_DAYS,
    )

    def __init__(self, *args, questionnaire, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.participant_fields = []
        audience = questionnaire.audience
        if audience == Audience.STAKEHOLDERS:
            self.fields["stakeholders"] = forms.ModelMultipleChoiceField(
                label=_("stakeholders"),
                queryset=selectors.stakeholder_candidates(user, questionnaire),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_(
                    "Stakeholders without an e-mail address, or with an answered or open "
                    "invitation, are not listed."
                ),
            )
            self.fields["stakeholders"].label_from_instance = lambda s: (
                f"{s.name} ({s.contact_email})"
            )
        elif audience == Audience.CONSULTANTS:
            self.fields["consultants"] = forms.ModelMultipleChoiceField(
                label=_("consultants"),
                queryset=selectors.consultant_candidates(user, questionnaire),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Consultants with an answered or open invitation are not listed."),
            )
            self.fields["consultants"].label_from_instance = lambda u: (
                f"{u.get_full_name() or u.email} ({u.email})"
            )
        else:
            for participant in selectors.participant_candidates(user, questionnaire):
                name = f"participant_{participant.pk}"
                self.fields[name] = forms.EmailField(
                    label=str(participant), required=False, max_length=254
                )
                self.participant_fields.append((participant, name))
            self.fields["emails"] = forms.CharField(
                label=_("other e-mail addresses"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("One address per line; these answers are not linked to anyone."),
            )
        self.order_fields([name for name in self.fields if name != "valid_days"])

    @property
    def participant_rows(self):
        return [(participant, self[name]) for participant, name in self.participant_fields]

    def clean_emails(self):
        addresses, wrong = [], []
        for number, line in _lines(self.cleaned_data["emails"]):
            try:
                validate_email(line)
            except ValidationError:
                wrong.append(
                    _("Line %(line)s: “%(email)s” is not a valid e-mail address.")
                    % {"line": number, "email": line}
                )
            else:
                addresses.append(line.lower())
        if wrong:
            raise ValidationError(wrong)
        return addresses

    def recipients(self):
        data = self.cleaned_data
        found = [Recipient(stakeholder=s) for s in data.get("stakeholders", [])]
        found += [Recipient(user=u) for u in data.get("consultants", [])]
        found += [
            Recipient(email=data[name], participant=participant)
            for participant, name in self.participant_fields
            if data.get(name)
        ]
        found += [Recipient(email=email) for email in data.get("emails", [])]
        return found

    def clean(self):
        data = super().clean()
        if not self.errors and not self.recipients():
            raise ValidationError(_("Choose or enter at least one person to invite."))
        return data


def _answer_field(question, number):
    label = f"{number}. {question.text}"
    required = {"required": _("Please answer this question.")}
    if question.kind == QuestionKind.LIKERT:
        return forms.ChoiceField(
            label=label,
            required=question.required,
            choices=[
                (str(value), f"{value} – {text}")
                for value, text in selectors.LIKERT_LABELS.items()
            ],
            widget=forms.RadioSelect,
            error_messages={**required, "invalid_choice": _("Choose a value from 1 to 5.")},
        )
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(
            label=label,
            required=question.required,
            choices=[(option, option) for option in question.choices],
            widget=forms.RadioSelect,
            error_messages={**required, "invalid_choice": _("Choose one of the options.")},
        )
    if question.kind == QuestionKind.NUMBER:
        return forms.CharField(
            label=label,
            required=question.required,
            max_length=30,
            # A keyboard with digits and a decimal comma on a phone.
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            error_messages=required,
        )
    return forms.CharField(
        label=label,
        required=question.required,
        max_length=services.MAX_TEXT_ANSWER,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=required,
    )


class AnswerForm(PlausibleInput, forms.Form):
    """One field per question. Each answer is checked by the same rules the service
    applies again when it stores them (services.clean_answer)."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, question in enumerate(questions, 1):
            self.fields[services.field_name(question)] = _answer_field(question, number)

    def clean(self):
        data = super().clean()
        for question in self.questions:
            name = services.field_name(question)
            if name in self.errors:
                continue
            try:
                services.clean_answer(question, data.get(name))
            except ValidationError as error:
                self.add_error(name, error)
        return data

    def add_service_errors(self, error):
        """Errors the service found (the questions changed between showing and sending
        the form): on their field when it is still there, above the form otherwise."""
        show_service_error(self, error)

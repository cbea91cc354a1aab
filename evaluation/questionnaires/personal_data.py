"""What this app holds about a participant (format: vakwerk/privacy_declarations.py)."""

from django.utils.translation import gettext_lazy as _

from vakwerk.privacy_declarations import Holds

DECLARATIONS = [
    Holds(
        "questionnaires.Invitation",
        path="participant",
        section="questionnaire_invitations",
        label=_("Questionnaire invitations"),
        order_by=("sent_at", "pk"),
        select_related=("questionnaire",),
        blank={"email": ""},
        keep=(
            "id",
            "questionnaire",
            "participant",
            "stakeholder",
            "user",
            "sent_at",
            "expires_at",
            "used_at",
        ),
        kept_text={
            "token_hash": "A hash of the used link: it says nothing about the person.",
        },
    ),
    Holds(
        "questionnaires.Response",
        path="invitation__participant",
        section="questionnaire_responses",
        label=_("Questionnaire responses"),
        order_by=("submitted_at", "pk"),
        select_related=("questionnaire",),
        keep=("id", "invitation", "questionnaire", "submitted_at"),
    ),
    Holds(
        "questionnaires.Answer",
        path="response__invitation__participant",
        section="questionnaire_answers",
        label=_("Questionnaire answers"),
        order_by=("response__submitted_at", "question__position", "pk"),
        select_related=("question",),
        # An open answer is the person's own words; numbers and choices are the figures.
        blank={"text": ""},
        keep=("id", "response", "question", "number"),
        kept_text={
            "choice": "One of the options the questionnaire offered, not the person's words.",
        },
    ),
]

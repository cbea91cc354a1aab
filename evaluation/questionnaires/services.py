"""Writes of stakeholders, questionnaires, invitations and answers.

Writes take the acting user (a manager or admin of the programme's municipality); the
public answer takes only the token."""

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Participant
from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.fields import parse_decimal
from vakwerk.roles import Role

from . import mail
from .models import (
    Answer,
    Audience,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Stakeholder,
)
from .selectors import (
    LIKERT_VALUES,
    MANAGERS,
    check_open,
    closing_time,
    find_invitation,
    hash_token,
    is_frozen,
    taken_invitations,
)

DEFAULT_VALID_DAYS = 21

MAX_VALID_DAYS = 90

MAX_TEXT_ANSWER = 5000

# Answer.number holds 12 digits with 2 decimals.
MAX_NUMBER = Decimal("9999999999.99")

STAKEHOLDER_FIELDS = frozenset(
    {"name", "kind", "role", "steering_group", "contact_name", "contact_email"}
)

QUESTIONNAIRE_FIELDS = frozenset({"title", "audience", "wave", "introduction", "closes_on"})

QUESTION_FIELDS = frozenset({"text", "kind", "choices", "required"})


def _require_manager(user, programme):
    if (
        not user.is_authenticated
        or user.role not in MANAGERS
        or not user.municipality_id
        or programme.municipality_id != user.municipality_id
    ):
        raise PermissionDenied


def _set_fields(instance, fields, allowed):
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"not editable here: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(instance, name, value)


@transaction.atomic
def save_stakeholder(user, programme, stakeholder=None, **fields):
    _require_manager(user, programme)
    if stakeholder is None:
        stakeholder = Stakeholder(programme=programme)
    elif stakeholder.programme_id != programme.pk:
        raise PermissionDenied
    _set_fields(stakeholder, fields, STAKEHOLDER_FIELDS)
    stakeholder.contact_email = (stakeholder.contact_email or "").strip().lower()
    stakeholder.full_clean()
    stakeholder.save()
    return stakeholder


def _lock(questionnaire):
    # Builder writes and answers both take this lock, so that no question changes while an
    # answer to it is being stored.
    return Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)


def _lock_unfrozen(questionnaire):
    locked = _lock(questionnaire)
    if is_frozen(locked):
        raise ValidationError(
            _(
                "Someone has answered this questionnaire already, so its questions can no "
                "longer change."
            ),
            code="frozen",
        )
    return locked


@transaction.atomic
def save_questionnaire(user, programme, questionnaire=None, **fields):
    _require_manager(user, programme)
    if questionnaire is None:
        questionnaire = Questionnaire(programme=programme, created_by=user)
    else:
        if questionnaire.programme_id != programme.pk:
            raise PermissionDenied
        current = _lock(questionnaire)
        changes_target = any(
            name in fields and fields[name] != getattr(current, name)
            for name in ("audience", "wave")
        )
        # Invitations went to people of one audience, and the comparison pairs waves:
        # moving either afterwards would mix up whom the answers came from.
        if changes_target and current.invitations.exists():
            raise ValidationError(
                _("The audience and wave cannot change once invitations have been sent."),
                code="invited",
            )
    _set_fields(questionnaire, fields, QUESTIONNAIRE_FIELDS)
    questionnaire.full_clean()
    questionnaire.save()
    return questionnaire


def _clean_choices(kind, choices):
    if kind != QuestionKind.CHOICE:
        return []
    cleaned = []
    for option in choices or []:
        option = str(option).strip()
        if option and option not in cleaned:
            cleaned.append(option)
    if len(cleaned) < 2:
        raise ValidationError(
            {"choices": _("A single-choice question needs at least two options.")},
            code="too_few_choices",
        )
    max_length = Answer._meta.get_field("choice").max_length
    if any(len(option) > max_length for option in cleaned):
        raise ValidationError(
            {"choices": _("An option can be at most %(max)s characters long.") % {
                "max": max_length}},
            code="choice_too_long",
        )  # fmt: skip
    return cleaned


@transaction.atomic
def save_question(user, questionnaire, question=None, **fields):
    _require_manager(user, questionnaire.programme)
    locked = _lock_unfrozen(questionnaire)
    if question is None:
        last = locked.questions.aggregate(last=Max("position"))["last"] or 0
        question = Question(questionnaire=locked, position=last + 1)
    elif question.questionnaire_id != locked.pk:
        raise PermissionDenied
    _set_fields(question, fields, QUESTION_FIELDS)
    question.text = (question.text or "").strip()
    question.choices = _clean_choices(question.kind, question.choices)
    question.full_clean()
    question.save()
    return question


def _renumber(questions):
    for position, question in enumerate(questions, start=1):
        question.position = position
    Question.objects.bulk_update(questions, ["position"])


@transaction.atomic
def delete_question(user, question):
    questionnaire = question.questionnaire
    _require_manager(user, questionnaire.programme)
    locked = _lock_unfrozen(questionnaire)
    locked.questions.filter(pk=question.pk).delete()
    _renumber(list(locked.questions.all()))


@transaction.atomic
def move_question(user, question, up):
    """Swaps the question with its neighbour above (up) or below; positions are written
    anew as 1..n, so that gaps or equal positions from earlier edits disappear."""
    questionnaire = question.questionnaire
    _require_manager(user, questionnaire.programme)
    locked = _lock_unfrozen(questionnaire)
    questions = list(locked.questions.all())
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    _renumber(questions)


@dataclass(frozen=True)
class Recipient:
    """Whom to invite. The e-mail address comes from the stakeholder or the consultant
    when it is left empty; participants have no address in VAKwerk, so theirs is typed
    by the manager and the participant is linked only if chosen."""

    email: str = ""
    stakeholder: Stakeholder | None = None
    user: object = None
    participant: Participant | None = None


def _checked(questionnaire, recipient):
    """The recipient with its address filled in; refuses anyone outside the audience or
    the programme."""
    audience = questionnaire.audience
    email = (recipient.email or "").strip().lower()
    if audience == Audience.STAKEHOLDERS:
        stakeholder = recipient.stakeholder
        if stakeholder is None or stakeholder.programme_id != questionnaire.programme_id:
            raise PermissionDenied
        if recipient.user is not None or recipient.participant is not None:
            raise PermissionDenied
        email = email or stakeholder.contact_email.lower()
        if not email:
            raise ValidationError(
                _("%(name)s has no e-mail address.") % {"name": stakeholder.name},
                code="no_email",
            )
    elif audience == Audience.CONSULTANTS:
        consultant = recipient.user
        if (
            consultant is None
            or consultant.role != Role.CONSULTANT
            or not consultant.is_active
            or consultant.municipality_id != questionnaire.programme.municipality_id
            or recipient.stakeholder is not None
            or recipient.participant is not None
        ):
            raise PermissionDenied
        email = email or consultant.email.lower()
    else:
        participant = recipient.participant
        if participant is not None and participant.programme_id != questionnaire.programme_id:
            raise PermissionDenied
        if recipient.stakeholder is not None or recipient.user is not None:
            raise PermissionDenied
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email},
            code="invalid_email",
        ) from None
    return Recipient(email, recipient.stakeholder, recipient.user, recipient.participant)


@dataclass
class Invited:
    invitations: list = field(default_factory=list)
    skipped: int = 0


def invite(user, questionnaire, recipients, base_url, valid_days=DEFAULT_VALID_DAYS):
    """Creates one invitation per new address and e-mails each its personal link once the
    transaction has committed. Only a hash of each token is stored; the token itself exists
    only in the e-mail. Addresses with an answered or still open invitation are skipped,
    so sending the same list twice sends nobody two links."""
    programme = questionnaire.programme
    _require_manager(user, programme)
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise ValidationError(
            _("A link is valid for 1 to %(max)s days.") % {"max": MAX_VALID_DAYS},
            code="valid_days",
        )
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=valid_days)
    closes = closing_time(questionnaire)
    if closes is not None:
        if closes <= now:
            raise ValidationError(
                _("This questionnaire has closed; change its closing date first."),
                code="closed",
            )
        expires_at = min(expires_at, closes)
    checked = [_checked(questionnaire, recipient) for recipient in recipients]
    result = Invited()
    with transaction.atomic():
        # One manager at a time, so that two sending the same list at once do not give
        # anyone two links.
        locked = _lock(questionnaire)
        if not locked.questions.exists():
            raise ValidationError(
                _("Add questions before you invite anyone."), code="no_questions"
            )
        taken = {
            email.lower()
            for email in taken_invitations(locked, now).values_list("email", flat=True)
        }
        tokens = []
        for recipient in checked:
            if recipient.email in taken:
                result.skipped += 1
                continue
            taken.add(recipient.email)
            token = secrets.token_urlsafe(32)
            tokens.append(token)
            result.invitations.append(
                Invitation(
                    questionnaire=locked,
                    token_hash=hash_token(token),
                    email=recipient.email,
                    stakeholder=recipient.stakeholder,
                    user=recipient.user,
                    participant=recipient.participant,
                    sent_at=now,
                    expires_at=expires_at,
                )
            )
        Invitation.objects.bulk_create(result.invitations)
        audit.record_many(
            user,
            [
                (AuditAction.CREATE, {
                    "obj": invitation, "participant_id": invitation.participant_id,
                    "detail": "questionnaire invitation"})
                for invitation in result.invitations
                if invitation.participant_id
            ],
        )  # fmt: skip
        messages = [
            mail.invitation_email(questionnaire, invitation, mail.answer_link(base_url, token))
            for invitation, token in zip(result.invitations, tokens, strict=True)
        ]
        if messages:
            transaction.on_commit(lambda: mail.send_all(messages))
    return result


def field_name(question):
    return f"q{question.pk}"


def clean_answer(question, raw):
    """The Answer fields for one raw answer (a string, or a value a form has cleaned),
    None for an optional question left empty; ValidationError when it does not fit the
    question's kind."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        if question.required:
            raise ValidationError(_("Please answer this question."), code="required")
        return None
    kind = question.kind
    if kind == QuestionKind.LIKERT:
        if text not in {str(value) for value in LIKERT_VALUES}:
            raise ValidationError(_("Choose a value from 1 to 5."), code="likert")
        return {"number": Decimal(text)}
    if kind == QuestionKind.CHOICE:
        if text not in question.choices:
            raise ValidationError(_("Choose one of the options."), code="choice")
        return {"choice": text}
    if kind == QuestionKind.NUMBER:
        try:
            # The project's one reading of a typed number: "1e3" and "NaN" are none.
            number = parse_decimal(text)[0]
        except ValueError:
            number = None
        if number is None:
            raise ValidationError(_("Enter a number, for example 12 or 3,5."), code="number")
        if abs(number) > MAX_NUMBER:
            raise ValidationError(_("This number is too large."), code="number_too_large")
        return {"number": number.quantize(Decimal("0.01"))}
    if len(text) > MAX_TEXT_ANSWER:
        raise ValidationError(
            _("Keep your answer under %(max)s characters.") % {"max": MAX_TEXT_ANSWER},
            code="text_too_long",
        )
    return {"text": text}


def clean_answers(questions, data):
    """{question: Answer fields} for every answered question; a ValidationError keyed by
    the questions' field names lists every answer that does not fit."""
    values, errors = {}, {}
    for question in questions:
        try:
            value = clean_answer(question, data.get(field_name(question)))
        except ValidationError as error:
            errors[field_name(question)] = error.error_list
        else:
            if value is not None:
                values[question] = value
    if errors:
        raise ValidationError(errors)
    return values


def _store(invitation, questionnaire, values, now):
    response = Response.objects.create(
        invitation=invitation, questionnaire=questionnaire, submitted_at=now
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=question, **fields)
        for question, fields in values.items()
    )
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    if invitation.participant_id:
        audit.record(
            None,
            AuditAction.CREATE,
            obj=response,
            participant_id=invitation.participant_id,
            municipality_id=questionnaire.programme.municipality_id,
            detail="questionnaire answered",
        )
    return response


def answer(token, data):
    """Stores a response with its answers and uses up the link, all in one transaction.
    Raises InvalidLink for a link that cannot be used (also the second of two submits at
    the same moment) and ValidationError, with nothing stored, for answers that do not
    fit their questions."""
    with transaction.atomic():
        invitation = find_invitation(token, lock=True)
        now = timezone.now()
        check_open(invitation, now)
        questionnaire = _lock(invitation.questionnaire)
        questionnaire.programme = invitation.questionnaire.programme
        values = clean_answers(list(questionnaire.questions.all()), data)
        return _store(invitation, questionnaire, values, now)

"""Stakeholders and questionnaires of a programme: the builder, personal single-use
invitations, answering without an account, and the results per wave.

Writes take the acting user (a manager or admin of the programme's municipality); the
public answer takes only the token. Reads return rows of the user's municipality only and
run a fixed number of queries, however many responses there are."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from consultants.selectors import visible_consultants
from participants.models import Participant
from vakwerk import audit, formatting
from vakwerk.audit import AuditAction
from vakwerk.fields import day_after, parse_decimal
from vakwerk.models import Programme
from vakwerk.roles import Role

from .models import (
    Answer,
    Audience,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Stakeholder,
    Wave,
)

User = get_user_model()

MANAGERS = frozenset({Role.MANAGER, Role.ADMIN})
# Consultants work with stakeholders too (Stakeholder.for_user lets them read); only
# managers and admins change them.
STAKEHOLDER_VIEWERS = frozenset({Role.MANAGER, Role.ADMIN, Role.CONSULTANT})

LIKERT_VALUES = (1, 2, 3, 4, 5)
LIKERT_LABELS = {
    1: gettext_lazy("Strongly disagree"),
    2: gettext_lazy("Disagree"),
    3: gettext_lazy("Neither agree nor disagree"),
    4: gettext_lazy("Agree"),
    5: gettext_lazy("Strongly agree"),
}
DEFAULT_VALID_DAYS = 21
MAX_VALID_DAYS = 90
MAX_TEXT_ANSWER = 5000
# Answer.number holds 12 digits with 2 decimals.
MAX_NUMBER = Decimal("9999999999.99")
# token_urlsafe(32) gives 43 characters; anything much longer is not ours and is not
# worth hashing.
MAX_TOKEN_LENGTH = 64

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


def _count(queryset):
    """COUNT(*) as a correlated subquery, so that several counts on one row do not
    multiply each other the way joined aggregates would."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# Stakeholders


def stakeholders(user, programme):
    return Stakeholder.objects.for_user(user).filter(programme=programme)


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


# Questionnaires and the builder


def questionnaire_list(user):
    """The user's questionnaires with their numbers of questions, invitations and
    responses: one query, however many there are."""
    return (
        Questionnaire.objects.for_user(user)
        .select_related("programme")
        .annotate(
            question_count=_count(Question.objects.filter(questionnaire=OuterRef("pk"))),
            invitation_count=_count(Invitation.objects.filter(questionnaire=OuterRef("pk"))),
            response_count=_count(Response.objects.filter(questionnaire=OuterRef("pk"))),
        )
        .order_by("programme__name", "-created_at", "-pk")
    )


def is_frozen(questionnaire):
    """Once someone has answered, the questions stay as they were answered: changing or
    removing one would change the meaning of answers already given."""
    return Response.objects.filter(questionnaire_id=questionnaire.pk).exists()


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


# Invitations


class InvitationStatus:
    SENT = "sent"
    ANSWERED = "answered"
    EXPIRED = "expired"
    LABELS = {
        SENT: gettext_lazy("Sent"),
        ANSWERED: gettext_lazy("Answered"),
        EXPIRED: gettext_lazy("Expired"),
    }


@dataclass(frozen=True)
class Recipient:
    """Whom to invite. The e-mail address comes from the stakeholder or the consultant
    when it is left empty; participants have no address in VAKwerk, so theirs is typed
    by the manager and the participant is linked only if chosen."""

    email: str = ""
    stakeholder: Stakeholder | None = None
    user: object = None
    participant: Participant | None = None


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _taken(questionnaire, now):
    """Invitations that still count: answered, or open and not expired."""
    return Invitation.objects.filter(questionnaire=questionnaire).filter(
        Q(used_at__isnull=False) | Q(expires_at__gt=now)
    )


def stakeholder_candidates(user, questionnaire):
    """Stakeholders of the programme with an address and no invitation that still
    counts."""
    taken = _taken(questionnaire, timezone.now()).filter(stakeholder=OuterRef("pk"))
    return (
        stakeholders(user, questionnaire.programme_id)
        .exclude(contact_email="")
        .exclude(Exists(taken))
    )


def consultant_candidates(user, questionnaire):
    if user.role == Role.ADMIN:
        consultants = User.objects.for_user(user).filter(role=Role.CONSULTANT)
    else:
        consultants = visible_consultants(user)
    taken = _taken(questionnaire, timezone.now()).filter(user=OuterRef("pk"))
    return (
        consultants.filter(is_active=True)
        .exclude(Exists(taken))
        .order_by("last_name", "first_name", "pk")
    )


def participant_candidates(user, questionnaire):
    """Participants of the programme the user may see (admins see none: they do not work
    with participants, and may still invite by address alone)."""
    taken = _taken(questionnaire, timezone.now()).filter(participant=OuterRef("pk"))
    return (
        Participant.objects.for_user(user)
        .filter(programme_id=questionnaire.programme_id, anonymised_at__isnull=True)
        .exclude(Exists(taken))
        .only("pk", "first_name", "last_name")
        .order_by("last_name", "first_name", "pk")
    )


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


def closing_time(questionnaire):
    """The end of the questionnaire's closing day, or None when it has none."""
    if questionnaire.closes_on is None:
        return None
    next_day = day_after(questionnaire.closes_on)
    if next_day is None:
        # Closing on the last date there is (an old "no end date") never closes.
        return None
    return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


def answer_link(base_url, token):
    return base_url.rstrip("/") + reverse("evaluation:answer", kwargs={"token": token})


def invitation_email(questionnaire, invitation, link):
    """The invitation in Dutch: the people invited do not use VAKwerk and have chosen no
    language in it."""
    programme = questionnaire.programme
    with translation.override("nl"):
        expires = formatting.date(invitation.expires_at)
        subject = _("Questionnaire: %(title)s") % {"title": questionnaire.title}
        paragraphs = [
            _("Hello,"),
            _(
                "%(municipality)s asks you to fill in the questionnaire “%(title)s” about "
                "the programme %(programme)s. It takes a few minutes and you do not need "
                "an account."
            )
            % {
                "municipality": programme.municipality.name,
                "title": questionnaire.title,
                "programme": programme.name,
            },
            _("Your personal link works once and until %(date)s:") % {"date": expires},
            link,
            _(
                "Please do not pass this link on: it is meant for you alone. If you did not "
                "expect this message, you can ignore it."
            ),
        ]
    return EmailMessage(subject, "\n\n".join(paragraphs) + "\n", None, [invitation.email])


def _send(messages):
    with get_connection() as connection:
        connection.send_messages(messages)


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
        taken = {email.lower() for email in _taken(locked, now).values_list("email", flat=True)}
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
            invitation_email(questionnaire, invitation, answer_link(base_url, token))
            for invitation, token in zip(result.invitations, tokens, strict=True)
        ]
        if messages:
            transaction.on_commit(lambda: _send(messages))
    return result


def invitations(questionnaire):
    """The questionnaire's invitations with their status computed in SQL. Tokens are
    never stored, so never shown."""
    now = timezone.now()
    return (
        questionnaire.invitations.annotate(
            status=Case(
                When(used_at__isnull=False, then=Value(InvitationStatus.ANSWERED)),
                When(expires_at__lte=now, then=Value(InvitationStatus.EXPIRED)),
                default=Value(InvitationStatus.SENT),
            )
        )
        .select_related("stakeholder", "user")
        .order_by("-sent_at", "email", "pk")
    )


def invitation_counts(questionnaire):
    now = timezone.now()
    return questionnaire.invitations.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=Q(used_at__isnull=False)),
        expired=Count("pk", filter=Q(used_at__isnull=True, expires_at__lte=now)),
        open=Count("pk", filter=Q(used_at__isnull=True, expires_at__gt=now)),
    )


def invitation_summary(questionnaire):
    counts = invitation_counts(questionnaire)
    return (
        ngettext(
            "%(total)s invitation: %(answered)s answered, %(open)s open, %(expired)s expired.",
            "%(total)s invitations: %(answered)s answered, %(open)s open, %(expired)s expired.",
            counts["total"],
        )
        % counts
    )


# Answering (public: the token is the only credential)


class InvalidLink(Exception):
    """The link is unknown, used, expired or its questionnaire has closed. The page says
    only that it is not valid, so that nobody learns which of these it was."""


def _check_open(invitation, now):
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise InvalidLink
    closes = closing_time(invitation.questionnaire)
    if closes is not None and closes <= now:
        raise InvalidLink


def _find(token, lock=False):
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    invitations = Invitation.objects.select_related(
        "questionnaire__programme__municipality"
    ).filter(token_hash=hash_token(token))
    if lock:
        # Only the invitation row: a double submit waits here for the first one to commit
        # and then finds the link used.
        invitations = invitations.select_for_update(of=("self",))
    return invitations.first()


def open_invitation(token):
    """The invitation this token opens, for showing the form; InvalidLink otherwise."""
    invitation = _find(token)
    _check_open(invitation, timezone.now())
    return invitation


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
        invitation = _find(token, lock=True)
        now = timezone.now()
        _check_open(invitation, now)
        questionnaire = _lock(invitation.questionnaire)
        questionnaire.programme = invitation.questionnaire.programme
        values = clean_answers(list(questionnaire.questions.all()), data)
        return _store(invitation, questionnaire, values, now)


# Results


@dataclass
class QuestionResult:
    question: Question
    count: int = 0
    mean: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    # (value or option, label, count, percentage of this question's answers)
    distribution: list = field(default_factory=list)

    @property
    def kind(self):
        return self.question.kind


@dataclass
class Results:
    questionnaire: Questionnaire
    responses: int
    questions: list


def _percent(part, whole):
    if not whole:
        return Decimal(0)
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _rounded(value):
    # Half up, the way people round a mean by hand (8.625 → 8.63).
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def results(questionnaire):
    """Per question: the number of answers; for Likert the distribution over 1..5 and the
    mean; for single choice the count per option; for numbers mean, minimum and maximum;
    for open text the count only. Four queries, computed by the database."""
    questions = list(questionnaire.questions.all())
    answers = Answer.objects.filter(response__questionnaire=questionnaire).order_by()
    per_value = {f"n{value}": Count("pk", filter=Q(number=value)) for value in LIKERT_VALUES}
    stats = {
        row["question_id"]: row
        for row in answers.values("question_id").annotate(
            count=Count("pk"),
            mean=Avg("number"),
            minimum=Min("number"),
            maximum=Max("number"),
            **per_value,
        )
    }
    options = {}
    for row in (
        answers.filter(question__kind=QuestionKind.CHOICE)
        .values("question_id", "choice")
        .annotate(n=Count("pk"))
    ):
        options.setdefault(row["question_id"], {})[row["choice"]] = row["n"]
    responses = Response.objects.filter(questionnaire=questionnaire).count()
    return Results(
        questionnaire,
        responses,
        [_question_result(q, stats.get(q.pk), options.get(q.pk, {})) for q in questions],
    )


def _question_result(question, row, options):
    result = QuestionResult(question, count=row["count"] if row else 0)
    if not row:
        row = {}
    if question.kind == QuestionKind.LIKERT:
        result.mean = _rounded(row.get("mean"))
        result.distribution = [
            (value, LIKERT_LABELS[value], row.get(f"n{value}", 0),
             _percent(row.get(f"n{value}", 0), result.count))
            for value in LIKERT_VALUES
        ]  # fmt: skip
    elif question.kind == QuestionKind.NUMBER:
        result.mean = _rounded(row.get("mean"))
        result.minimum = row.get("minimum")
        result.maximum = row.get("maximum")
    elif question.kind == QuestionKind.CHOICE:
        # The options as offered, then anything answered that is no longer one of them.
        names = list(question.choices) + [o for o in options if o not in question.choices]
        result.distribution = [
            (name, name, options.get(name, 0), _percent(options.get(name, 0), result.count))
            for name in names
        ]
    return result


def open_answers(questionnaire):
    """The open-text answers, for reading on their own page only: they may say more than
    anyone meant to share, so they are never exported."""
    return (
        Answer.objects.filter(
            response__questionnaire=questionnaire, question__kind=QuestionKind.TEXT
        )
        .exclude(text="")
        .select_related("question")
        .order_by("question__position", "question_id", "response__submitted_at", "pk")
    )


# Baseline versus final wave


def counterpart(questionnaire):
    """The latest questionnaire of the other wave for the same programme and audience."""
    other = Wave.FINAL if questionnaire.wave == Wave.BASELINE else Wave.BASELINE
    return (
        Questionnaire.objects.filter(
            programme_id=questionnaire.programme_id,
            audience=questionnaire.audience,
            wave=other,
        )
        .select_related("programme")
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass
class ComparedQuestion:
    text: str
    kind: str
    baseline: QuestionResult
    final: QuestionResult

    @property
    def change(self):
        if self.baseline.mean is None or self.final.mean is None:
            return None
        return self.final.mean - self.baseline.mean

    @property
    def options(self):
        """(label, baseline count, baseline %, final count, final %) per value/option."""
        final = {value: (count, pct) for value, _label, count, pct in self.final.distribution}
        rows = []
        for value, label, count, pct in self.baseline.distribution:
            rows.append((label, count, pct, *final.pop(value, (0, Decimal(0)))))
        for value, (count, pct) in final.items():
            rows.append((value, 0, Decimal(0), count, pct))
        return rows


@dataclass
class Comparison:
    baseline: Results
    final: Results
    questions: list
    only_baseline: list
    only_final: list


def _key(question):
    return (" ".join(question.text.split()).casefold(), question.kind)


def compare(questionnaire, other):
    """Pairs the questions of a baseline and a final questionnaire of the same programme
    and audience that have the same text and kind; open texts are not compared."""
    if (
        questionnaire.programme_id != other.programme_id
        or questionnaire.audience != other.audience
        or {questionnaire.wave, other.wave} != {Wave.BASELINE, Wave.FINAL}
    ):
        raise ValueError("compare a baseline with a final wave of one programme and audience")
    baseline, final = (
        (questionnaire, other) if questionnaire.wave == Wave.BASELINE else (other, questionnaire)
    )
    before, after = results(baseline), results(final)
    finals = {_key(r.question): r for r in after.questions}
    paired, only_baseline = [], []
    for result in before.questions:
        match = finals.pop(_key(result.question), None)
        if match is None:
            only_baseline.append(result.question)
        elif result.kind != QuestionKind.TEXT:
            paired.append(ComparedQuestion(result.question.text, result.kind, result, match))
    only_final = [r.question for r in finals.values()]
    return Comparison(before, after, paired, only_baseline, only_final)


def programmes(user):
    return Programme.objects.for_user(user).order_by("-start_date", "name")

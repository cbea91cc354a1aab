"""Reads of stakeholders, questionnaires and invitations. They return rows of the user's
municipality only and run a fixed number of queries, however many responses there are."""

import datetime
import hashlib

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from consultants.selectors import visible_consultants
from participants.models import Participant
from vakwerk.fields import day_after
from vakwerk.models import Programme
from vakwerk.roles import Role

from .models import (
    Invitation,
    Question,
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

# token_urlsafe(32) gives 43 characters; anything much longer is not ours and is not
# worth hashing.
MAX_TOKEN_LENGTH = 64


def _count(queryset):
    """COUNT(*) as a correlated subquery, so that several counts on one row do not
    multiply each other the way joined aggregates would."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def stakeholders(user, programme):
    return Stakeholder.objects.for_user(user).filter(programme=programme)


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


class InvitationStatus:
    SENT = "sent"
    ANSWERED = "answered"
    EXPIRED = "expired"
    LABELS = {
        SENT: gettext_lazy("Sent"),
        ANSWERED: gettext_lazy("Answered"),
        EXPIRED: gettext_lazy("Expired"),
    }


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def taken_invitations(questionnaire, now):
    """Invitations that still count: answered, or open and not expired."""
    return Invitation.objects.filter(questionnaire=questionnaire).filter(
        Q(used_at__isnull=False) | Q(expires_at__gt=now)
    )


def stakeholder_candidates(user, questionnaire):
    """Stakeholders of the programme with an address and no invitation that still
    counts."""
    taken = taken_invitations(questionnaire, timezone.now()).filter(stakeholder=OuterRef("pk"))
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
    taken = taken_invitations(questionnaire, timezone.now()).filter(user=OuterRef("pk"))
    return (
        consultants.filter(is_active=True)
        .exclude(Exists(taken))
        .order_by("last_name", "first_name", "pk")
    )


def participant_candidates(user, questionnaire):
    """Participants of the programme the user may see (admins see none: they do not work
    with participants, and may still invite by address alone)."""
    taken = taken_invitations(questionnaire, timezone.now()).filter(participant=OuterRef("pk"))
    return (
        Participant.objects.for_user(user)
        .filter(programme_id=questionnaire.programme_id, anonymised_at__isnull=True)
        .exclude(Exists(taken))
        .only("pk", "first_name", "last_name")
        .order_by("last_name", "first_name", "pk")
    )


def closing_time(questionnaire):
    """The end of the questionnaire's closing day, or None when it has none."""
    if questionnaire.closes_on is None:
        return None
    next_day = day_after(questionnaire.closes_on)
    if next_day is None:
        # Closing on the last date there is (an old "no end date") never closes.
        return None
    return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


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


class InvalidLink(Exception):
    """The link is unknown, used, expired or its questionnaire has closed. The page says
    only that it is not valid, so that nobody learns which of these it was."""


def check_open(invitation, now):
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise InvalidLink
    closes = closing_time(invitation.questionnaire)
    if closes is not None and closes <= now:
        raise InvalidLink


def find_invitation(token, lock=False):
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
    invitation = find_invitation(token)
    check_open(invitation, timezone.now())
    return invitation


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


def programmes(user):
    return Programme.objects.for_user(user).order_by("-start_date", "name")

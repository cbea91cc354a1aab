"""Evaluation sessions of a programme (the plan's "verloop en knelpunten"): stakeholders
meet per phase, record what they found and what got in the way, and agree on actions for
the next programme.

Writes take the acting user: a manager or functional administrator of the programme's
municipality. Everyone who may open the programme page reads the sessions
(EvaluationSession.objects.for_user). Reads run a fixed number of queries, however many
sessions, attendees and actions there are."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from evaluation.questionnaires.models import Stakeholder
from vakwerk import audit, fields, formatting
from vakwerk.audit import AuditAction
from vakwerk.models import Phase
from vakwerk.roles import Role

from .models import ActionStatus, EvaluationAction, EvaluationSession

EDITORS = frozenset({Role.MANAGER, Role.ADMIN})
# A session's form offers at most this many actions at once; more can be added by saving
# and editing again.
MAX_ACTIONS = 20


# Rules


def can_edit(user, programme):
    return (
        user.is_authenticated
        and user.role in EDITORS
        and bool(user.municipality_id)
        and programme.municipality_id == user.municipality_id
    )


def _require_editor(user, programme):
    if not can_edit(user, programme):
        raise PermissionDenied


def check_held_on(programme, held_on):
    """A session lies within the programme's period and no further ahead than a planned
    meeting can (fields.BOUNDS["session_date"]). Raises a ValidationError in words the
    manager can act on."""
    fields.check("session_date", held_on)
    start, end = programme.start_date, programme.end_date
    if held_on < start or (end is not None and held_on > end):
        if end is None:
            message = _(
                "An evaluation session of this programme lies on or after its start, %(start)s."
            ) % {"start": formatting.date(start)}
        else:
            message = _(
                "An evaluation session of this programme lies within its period: from "
                "%(start)s up to and including %(end)s."
            ) % {"start": formatting.date(start), "end": formatting.date(end)}
        raise ValidationError(message, code="outside_programme")


def attendee_choices(programme):
    """The stakeholder register of the programme's municipality: its own programme's
    stakeholders first, then those of its other programmes."""
    return (
        Stakeholder.objects.filter(programme__municipality_id=programme.municipality_id)
        .select_related("programme")
        .order_by("programme__name", "name", "pk")
    )


def _attendees(programme, attendees):
    ids = {getattr(item, "pk", item) for item in attendees}
    found = list(attendee_choices(programme).filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError(
            {
                "attendees": _(
                    "Attendees come from the stakeholder register of this municipality; "
                    "choose them from the list."
                )
            }
        )
    return found


# Writes


@dataclass(frozen=True)
class ActionInput:
    """One action as the form hands it over: `pk` for an existing action of the session,
    `delete` to remove it."""

    description: str = ""
    who: str = ""
    status: str = ActionStatus.OPEN
    pk: int | None = None
    delete: bool = False


@transaction.atomic
def save_session(user, programme, session=None, *, phase, held_on, attendees=(), findings="",
                 bottlenecks="", actions=()):  # fmt: skip
    """Records an evaluation session of `programme`, or corrects `session`, with its
    attendees and its actions for the next programme. Every write goes into the audit
    trail."""
    _require_editor(user, programme)
    created = session is None
    if created:
        session = EvaluationSession(programme=programme, created_by=user)
    else:
        if session.programme_id != programme.pk:
            raise PermissionDenied
        # Two managers saving the same session at once: one after the other.
        session = EvaluationSession.objects.select_for_update().get(pk=session.pk)
    try:
        check_held_on(programme, held_on)
    except ValidationError as error:
        raise ValidationError({"held_on": error.messages}) from None
    chosen = _attendees(programme, attendees)
    session.programme = programme
    session.phase = phase
    session.held_on = held_on
    session.findings = (findings or "").strip()
    session.bottlenecks = (bottlenecks or "").strip()
    session.full_clean(exclude=["created_by"])
    session.save()
    session.attendees.set(chosen)
    added, changed, removed = _save_actions(session, actions, created)
    # A key vakwerk.audit_text reads as words in the reader's language.
    detail = f"evaluation session: {session.phase}; actions +{added} ~{changed} -{removed}"
    audit.record(
        user, AuditAction.CREATE if created else AuditAction.UPDATE, obj=session, detail=detail
    )
    return session


def _save_actions(session, actions, created):
    existing = {} if created else {a.pk: a for a in session.actions.all()}
    added = changed = removed = 0
    for item in actions:
        if item.pk is not None and item.pk not in existing:
            raise ValidationError(_("This action does not belong to this session."))
        action = existing.get(item.pk)
        if item.delete:
            if action is not None:
                action.delete()
                removed += 1
            continue
        if action is None:
            action = EvaluationAction(session=session)
        before = (action.description, action.who, action.status)
        action.description = (item.description or "").strip()
        action.who = (item.who or "").strip()
        action.status = item.status
        if action.pk is not None and before == (action.description, action.who, action.status):
            continue
        try:
            action.full_clean(exclude=["session"])
        except ValidationError as error:
            # The session form shows it above its fields: name the action it is about.
            raise ValidationError(
                [
                    _("Action “%(action)s”: %(error)s")
                    % {"action": action.description[:60], "error": message}
                    for message in error.messages
                ]
            ) from None
        is_new = action.pk is None
        action.save()
        added, changed = added + is_new, changed + (not is_new)
    return added, changed, removed


# Reads


@dataclass
class PhaseSessions:
    phase: str
    label: str
    sessions: list


@dataclass
class ProgrammeEvaluation:
    """Sessions grouped by phase in the order of the plan, and the actions still open for
    the next programme (each knows its session)."""

    phases: list = field(default_factory=list)
    open_actions: list = field(default_factory=list)

    @property
    def sessions(self):
        return [session for group in self.phases for session in group.sessions]

    @property
    def actions(self):
        return [action for session in self.sessions for action in session.actions.all()]


def _summarise(sessions):
    sessions = list(sessions)
    phases = [
        PhaseSessions(value, label, [s for s in sessions if s.phase == value])
        for value, label in Phase.choices
    ]
    open_actions = [
        action
        for session in sessions
        for action in session.actions.all()
        if action.status == ActionStatus.OPEN
    ]
    return ProgrammeEvaluation([group for group in phases if group.sessions], open_actions)


def programme_evaluation(user, programme):
    """What the programme page shows: three queries (sessions, attendees, actions)."""
    sessions = (
        EvaluationSession.objects.for_user(user).filter(programme=programme).for_programme_page()
    )
    return _summarise(sessions)


def report_evaluation(programme):
    """The same for the monitoring report, which a worker makes without a user: the report
    itself was requested by a manager of the programme's municipality."""
    sessions = EvaluationSession.objects.filter(programme=programme).for_programme_page()
    return _summarise(sessions)

"""Writes of the consultants app, each taking the acting user."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from vakwerk import audit, prepared
from vakwerk.audit import AuditAction
from vakwerk.roles import Role

from .models import (
    DEFAULT_COMPETENCIES,
    CoachingSession,
    Competency,
    CompetencyAssessment,
    CompetencyScore,
    ConsultantProfile,
    IntervisionSession,
    TrainingRecord,
)


@transaction.atomic
def log_coaching_session(user, participant, **fields):
    """A consultant logs a session with a participant of their municipality."""
    if user.role != Role.CONSULTANT or participant.municipality_id != user.municipality_id:
        raise PermissionDenied
    session = CoachingSession(consultant=user, participant=participant, **fields)
    session.full_clean()
    session.save()
    audit.record(
        user, AuditAction.CREATE, obj=session, participant_id=participant.pk,
        detail="coaching session",
    )  # fmt: skip
    return session


def usual_session_minutes(user, default=45):
    """The duration a consultant most often logs, to pre-fill the form; of durations
    logged equally often, the one logged last."""
    # On every view of a participant's page: compiled once (`vakwerk.prepared`).
    usual = prepared.rows(
        "usual_session_minutes",
        lambda consultant_id: (
            CoachingSession.objects.filter(consultant_id=consultant_id)
            .order_by()
            .values("minutes")
            .annotate(times=Count("pk"), last_logged=Max("created_at"), last_pk=Max("pk"))
            .order_by("-times", "-last_logged", "-last_pk")
            .values_list("minutes", flat=True)[:1]
        ),
        consultant_id=user.pk,
    )
    return (usual[0] if usual else None) or default


# --- Professional development ----------------------------------------------------------


def _require_role(user, *roles):
    if not user.is_authenticated or user.role not in roles or not user.municipality_id:
        raise PermissionDenied(_("Your role may not do this."))


def _require_team_member(user, consultant):
    """The consultant must be a consultant of the acting user's own municipality."""
    if consultant.role != Role.CONSULTANT or consultant.municipality_id != user.municipality_id:
        raise PermissionDenied(_("This person is not a consultant of your municipality."))


def _not_in_future(field, day):
    if day and day > timezone.localdate():
        raise ValidationError({field: _("This date lies in the future.")})


@transaction.atomic
def update_profile(user, consultant, *, is_trainer, may_become_trainer):
    """A manager records whether a consultant is, or may become, a VAK trainer."""
    _require_role(user, Role.MANAGER)
    _require_team_member(user, consultant)
    profile, _created = ConsultantProfile.objects.update_or_create(
        user=consultant,
        defaults={"is_trainer": is_trainer, "may_become_trainer": may_become_trainer},
    )
    return profile


@transaction.atomic
def record_training(user, consultant=None, **fields):
    """Consultants record their own training; managers that of their team."""
    _require_role(user, Role.CONSULTANT, Role.MANAGER)
    consultant = consultant or user
    if user.role == Role.CONSULTANT and consultant.pk != user.pk:
        raise PermissionDenied(_("Consultants record only their own training."))
    _require_team_member(user, consultant)
    _not_in_future("started_on", fields.get("started_on"))
    if fields.get("completed"):
        _not_in_future("ended_on", fields.get("ended_on"))
    record = TrainingRecord(consultant=consultant, recorded_by=user, **fields)
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def record_intervision(user, *, attendees, facilitator=None, facilitator_name="", **fields):
    """Records a session held in the user's municipality. A consultant records only a
    session they took part in, or it would vanish from their own view at once."""
    _require_role(user, Role.CONSULTANT, Role.MANAGER)
    attendees = list(attendees)
    facilitator_name = facilitator_name.strip()
    if not attendees:
        raise ValidationError({"attendees": _("Choose at least one attendee.")})
    for attendee in attendees:
        _require_team_member(user, attendee)
    if bool(facilitator) == bool(facilitator_name):
        raise ValidationError(
            _("Choose one facilitator: a colleague, or an external facilitator by name.")
        )
    if facilitator is not None and facilitator.municipality_id != user.municipality_id:
        raise PermissionDenied(_("The facilitator works for another municipality."))
    if user.role == Role.CONSULTANT and user not in attendees and facilitator != user:
        raise ValidationError(
            {"attendees": _("Record only sessions that you attended or facilitated.")}
        )
    _not_in_future("held_on", fields.get("held_on"))
    session = IntervisionSession(
        municipality_id=user.municipality_id,
        facilitator=facilitator,
        facilitator_name=facilitator_name,
        recorded_by=user,
        **fields,
    )
    session.full_clean()
    session.save()
    session.attendees.set(attendees)
    return session


@transaction.atomic
def assess_competencies(user, consultant, *, assessed_on, scores):
    """A manager scores a consultant of their municipality; `scores` maps active
    competencies of that municipality to 1–5."""
    _require_role(user, Role.MANAGER)
    _require_team_member(user, consultant)
    _not_in_future("assessed_on", assessed_on)
    if not scores:
        raise ValidationError(_("Score at least one competency."))
    active = set(
        Competency.objects.filter(municipality_id=user.municipality_id, active=True).values_list(
            "pk", flat=True
        )
    )
    if any(competency.pk not in active for competency in scores):
        raise ValidationError(_("Score only the active competencies of your municipality."))
    assessment = CompetencyAssessment(
        consultant=consultant, assessor=user, assessed_on=assessed_on
    )
    assessment.full_clean()
    assessment.save()
    rows = [
        CompetencyScore(assessment=assessment, competency=competency, score=score)
        for competency, score in scores.items()
    ]
    for row in rows:
        # The dict keys make each competency unique; only the score itself needs checking.
        row.full_clean(validate_unique=False, validate_constraints=False)
    CompetencyScore.objects.bulk_create(rows)
    return assessment


@transaction.atomic
def save_competency(user, competency=None, **fields):
    """The functional administrator adds to or edits the municipality's reference list."""
    _require_role(user, Role.ADMIN)
    if competency is None:
        competency = Competency(municipality_id=user.municipality_id)
        if fields.get("position") is None:
            last = Competency.objects.filter(municipality_id=user.municipality_id).aggregate(
                last=Max("position")
            )["last"]
            fields["position"] = 0 if last is None else last + 1
    elif competency.municipality_id != user.municipality_id:
        raise PermissionDenied(_("This competency belongs to another municipality."))
    for name, value in fields.items():
        setattr(competency, name, value)
    competency.full_clean()
    competency.save()
    return competency


def ensure_default_competencies(municipality):
    """Seeds the eight basic competencies once. A municipality that already has a list
    keeps it as its administrator left it: renamed or retired ones do not come back."""
    if Competency.objects.filter(municipality=municipality).exists():
        return
    # Conflicts are ignored so that two concurrent first calls still leave eight rows.
    Competency.objects.bulk_create(
        [
            Competency(municipality=municipality, name=name, description=description, position=i)
            for i, (name, description) in enumerate(DEFAULT_COMPETENCIES)
        ],
        ignore_conflicts=True,
    )


def seed_competencies(sender, instance, created, raw=False, **kwargs):
    """Every new municipality starts with the eight basic competencies to edit (connected
    to Municipality's post_save in ConsultantsConfig.ready())."""
    if created and not raw:
        ensure_default_competencies(instance)

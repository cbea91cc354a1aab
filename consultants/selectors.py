"""Reads of the consultants app. Every function takes the acting user and returns only
what that user may see; each runs a fixed number of queries, however large the team."""

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db.models import (
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from participants.models import Participant
from vakwerk.roles import Role

from .models import (
    Competency,
    CompetencyAssessment,
    CompetencyScore,
    ConsultantProfile,
    IntervisionSession,
    TrainingKind,
    TrainingRecord,
)

User = get_user_model()
Attendance = IntervisionSession.attendees.through


def _count(queryset):
    """COUNT(*) as a correlated subquery; a plain aggregate would GROUP BY the outer row
    and multiply with every other join."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def visible_consultants(user):
    """The consultants whose development the user may open: a consultant only
    themselves, a manager every consultant of their municipality."""
    if not user.is_authenticated or not user.municipality_id:
        return User.objects.none()
    consultants = User.objects.filter(municipality_id=user.municipality_id, role=Role.CONSULTANT)
    if user.role == Role.CONSULTANT:
        return consultants.filter(pk=user.pk)
    if user.role == Role.MANAGER:
        return consultants
    return User.objects.none()


@dataclass
class TeamRow:
    consultant: object
    is_trainer: bool
    may_become_trainer: bool
    vak_completed: bool
    refresher_courses: int
    last_intervision: datetime.date | None
    intervisions_last_year: int
    caseload: int
    assessed_on: datetime.date | None
    average_score: float | None
    # One entry per column of TeamOverview.competencies; None where not scored.
    scores: list = field(default_factory=list)


@dataclass
class TeamOverview:
    competencies: list
    rows: list


def team_overview(manager, today=None):
    """Per active consultant of the manager's municipality: training, intervision,
    latest assessment and caseload. Three queries for any team size."""
    if manager.role != Role.MANAGER:
        return TeamOverview(competencies=[], rows=[])
    today = today or timezone.localdate()
    year_ago = today - relativedelta(years=1)
    consultant = OuterRef("pk")
    attended = Attendance.objects.filter(user=consultant, intervisionsession__held_on__lte=today)
    latest = CompetencyAssessment.objects.filter(consultant=consultant).order_by(
        "-assessed_on", "-pk"
    )
    latest_scores = CompetencyScore.objects.filter(
        assessment=OuterRef("latest_assessment_id")
    ).order_by()
    consultants = (
        visible_consultants(manager)
        .filter(is_active=True)
        .annotate(
            is_trainer=Coalesce(F("consultant_profile__is_trainer"), Value(False)),
            may_become_trainer=Coalesce(F("consultant_profile__may_become_trainer"), Value(False)),
            vak_completed=Exists(
                TrainingRecord.objects.filter(
                    consultant=consultant, kind=TrainingKind.VAK_COURSE, completed=True
                )
            ),
            refresher_courses=_count(
                TrainingRecord.objects.filter(consultant=consultant, kind=TrainingKind.REFRESHER)
            ),
            last_intervision=Subquery(
                attended.order_by("-intervisionsession__held_on").values(
                    "intervisionsession__held_on"
                )[:1]
            ),
            intervisions_last_year=_count(
                attended.filter(intervisionsession__held_on__gt=year_ago)
            ),
            caseload_size=_count(Participant.objects.filter(consultant=consultant)),
            latest_assessment_id=Subquery(latest.values("pk")[:1]),
            assessed_on=Subquery(latest.values("assessed_on")[:1]),
            average_score=Subquery(
                latest_scores.annotate(
                    average=Func(F("score"), function="AVG", output_field=FloatField())
                ).values("average"),
                output_field=FloatField(),
            ),
        )
        .order_by("last_name", "first_name", "pk")
    )
    consultants = list(consultants)
    competencies = list(
        Competency.objects.for_user(manager).active().order_by("position", "name", "pk")
    )
    scores = {}
    assessment_ids = [c.latest_assessment_id for c in consultants if c.latest_assessment_id]
    for assessment_id, competency_id, score in CompetencyScore.objects.filter(
        assessment_id__in=assessment_ids
    ).values_list("assessment_id", "competency_id", "score"):
        scores[assessment_id, competency_id] = score
    rows = [
        TeamRow(
            consultant=c,
            is_trainer=c.is_trainer,
            may_become_trainer=c.may_become_trainer,
            vak_completed=c.vak_completed,
            refresher_courses=c.refresher_courses,
            last_intervision=c.last_intervision,
            intervisions_last_year=c.intervisions_last_year,
            caseload=c.caseload_size,
            assessed_on=c.assessed_on,
            average_score=c.average_score,
            scores=[scores.get((c.latest_assessment_id, comp.pk)) for comp in competencies],
        )
        for c in consultants
    ]
    return TeamOverview(competencies=competencies, rows=rows)


@dataclass
class Development:
    consultant: object
    profile: ConsultantProfile | None
    training_records: list
    intervision_sessions: list
    assessments: list


def consultant_development(user, consultant):
    """One consultant's training, intervision and assessments, as far as the user may
    see them (the caller has already checked the consultant via visible_consultants)."""
    attended = Attendance.objects.filter(intervisionsession=OuterRef("pk"), user=consultant)
    return Development(
        consultant=consultant,
        profile=ConsultantProfile.objects.for_user(user).filter(user=consultant).first(),
        training_records=list(TrainingRecord.objects.for_user(user).filter(consultant=consultant)),
        intervision_sessions=list(
            IntervisionSession.objects.for_user(user)
            .filter(Exists(attended) | Q(facilitator=consultant))
            .select_related("facilitator")
            .prefetch_related(
                Prefetch("attendees", queryset=User.objects.order_by("last_name", "first_name"))
            )
        ),
        assessments=list(
            CompetencyAssessment.objects.for_user(user)
            .filter(consultant=consultant)
            .select_related("assessor")
            .prefetch_related(
                Prefetch("scores", queryset=CompetencyScore.objects.select_related("competency"))
            )
        ),
    )


def competencies(user):
    return Competency.objects.for_user(user).order_by("position", "name", "pk")

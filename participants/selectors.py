"""Reads on participants, each scoped through Participant.objects.for_user."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultants.models import CoachingSession
from employers.models import Match
from funding.models import Commitment
from vakwerk.models import FieldChange

from .models import (
    ACTIVE_STATUSES,
    TRAINING_COMPLETED,
    Certificate,
    Cohort,
    DevelopmentPotential,
    Enrolment,
    LadderRung,
    NetworkMeasurement,
    NetworkMoment,
    OutcomeMeasurement,
    Participant,
    StatusChange,
    Training,
    TrainingKind,
    TrainingResult,
)
from .validators import normalise_bsn

NO_CONTACT_DAYS = 30
FOLLOW_UP_HORIZON_DAYS = 14
CASELOAD_SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "-name": ("-last_name", "-first_name", "-pk"),
    "status": ("status", "last_name", "pk"),
    "last_contact": ("last_contact", "last_name", "pk"),
    "-last_contact": ("-last_contact", "last_name", "pk"),
    "enrolled": ("enrolled_on", "pk"),
    "-enrolled": ("-enrolled_on", "-pk"),
    # Without an intake there is no potential: last either way.
    "potential": (F("potential_rank").asc(nulls_last=True), "last_name", "pk"),
    "-potential": (F("potential_rank").desc(nulls_last=True), "last_name", "pk"),
}
# Which of a consultant's participants the caseload lists: those they coach, or the
# members of the groups they train (whoever coaches them).
OWN, GROUPS = "own", "groups"
NO_INTAKE = "none"
POTENTIAL_RANK = Case(
    When(intake__development_potential=DevelopmentPotential.LOW, then=Value(1)),
    When(intake__development_potential=DevelopmentPotential.MEDIUM, then=Value(2)),
    When(intake__development_potential=DevelopmentPotential.HIGH, then=Value(3)),
    output_field=IntegerField(),
)


def with_last_contact(queryset):
    last_session = (
        CoachingSession.objects.filter(participant=OuterRef("pk"))
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    return queryset.annotate(last_contact=Subquery(last_session))


def trained_members(user):
    """The members of the groups a user trains, as ids for an IN."""
    return Enrolment.objects.filter(cohort__trainers=user).values("participant_id")


def caseload_sections(user):
    """For a consultant: how many participants they coach and how many members their
    groups have, in one query; None for a manager (they see the whole municipality)."""
    if user.role != "consultant":
        return None
    return Participant.objects.for_user(user).aggregate(
        own=Count("pk", filter=Q(consultant=user)),
        groups=Count("pk", filter=Q(pk__in=trained_members(user))),
    )


def caseload(user, *, status="", target_group="", benefit_type="", cohort=None, search="",
             sort="name", potential="", members=OWN):  # fmt: skip
    participants = Participant.objects.for_user(user)
    if user.role == "consultant":
        # A consultant who trains groups sees their members too (`for_user`), but their
        # caseload is whom they coach: the group members are a section of their own.
        if members == GROUPS:
            participants = participants.filter(pk__in=trained_members(user))
        else:
            participants = participants.filter(consultant=user)
    participants = with_last_contact(
        participants.select_related("consultant", "intake").annotate(potential_rank=POTENTIAL_RANK)
    )
    if potential == NO_INTAKE:
        participants = participants.filter(intake__isnull=True)
    elif potential:
        participants = participants.filter(intake__development_potential=potential)
    if status:
        participants = participants.filter(status=status)
    if target_group:
        participants = participants.filter(target_group=target_group)
    if benefit_type:
        participants = participants.filter(benefit_type=benefit_type)
    if cohort:
        participants = participants.filter(enrolments__cohort=cohort)
    for word in search.split():
        participants = participants.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
    return participants.order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS["name"]))


def find_by_bsn(user, bsn):
    """Exact match only: a BSN search never lists near misses. Eight digits are the same
    BSN with its leading zero, as it is stored."""
    return Participant.objects.for_user(user).filter(bsn=normalise_bsn(bsn)).first()


@dataclass
class TaskList:
    follow_ups: list
    appointments: list
    without_contact: list

    @property
    def total(self):
        return len(self.follow_ups) + len(self.appointments) + len(self.without_contact)


def _task_querysets(user, today):
    """The three kinds of task, unevaluated, so the list page can fetch them and the
    caseload's counters can count them without loading rows."""
    mine = Participant.objects.for_user(user)
    if user.role == "consultant":
        mine = mine.filter(consultant=user)
    follow_ups = OutcomeMeasurement.objects.pending().filter(
        participant__in=mine, due_on__lte=today + datetime.timedelta(FOLLOW_UP_HORIZON_DAYS)
    )
    now = timezone.now()
    appointments = CoachingSession.objects.filter(
        participant__in=mine,
        next_appointment__gte=now,
        next_appointment__lt=now + datetime.timedelta(days=FOLLOW_UP_HORIZON_DAYS),
    )
    cutoff = today - datetime.timedelta(days=NO_CONTACT_DAYS)
    without_contact = with_last_contact(mine.filter(status__in=ACTIVE_STATUSES)).filter(
        Q(last_contact__lt=cutoff) | Q(last_contact__isnull=True)
    )
    return follow_ups, appointments, without_contact


def task_list(user, today=None, limit=50):
    """What a consultant should act on: follow-ups due within two weeks or overdue, the
    next appointments, and active participants nobody spoke to for 30 days."""
    follow_ups, appointments, without_contact = _task_querysets(
        user, today or timezone.localdate()
    )
    return TaskList(
        list(follow_ups.select_related("participant", "cohort").order_by("due_on", "pk")[:limit]),
        list(appointments.select_related("participant").order_by("next_appointment")[:limit]),
        list(without_contact.order_by("last_contact", "last_name", "pk")[:limit]),
    )


def task_counts(user, today=None):
    follow_ups, appointments, without_contact = _task_querysets(
        user, today or timezone.localdate()
    )
    return {
        "follow_ups": follow_ups.count(),
        "appointments": appointments.count(),
        "without_contact": without_contact.count(),
    }


@dataclass
class TimelineEntry:
    when: datetime.date
    kind: str
    obj: object


def timeline(user, participant):
    """One list of everything that happened to a participant, newest first. Each kind is
    one query, so the page costs the same for a long history as for a short one."""
    entries = [
        TimelineEntry(change.changed_at.date(), "status", change)
        for change in StatusChange.objects.filter(participant=participant).select_related(
            "changed_by"
        )
    ]
    intake = getattr(participant, "intake", None)
    if intake is not None:
        entries.append(TimelineEntry(intake.held_on, "intake", intake))
    entries += [
        TimelineEntry(session.held_on, "session", session)
        for session in CoachingSession.objects.for_user(user)
        .filter(participant=participant)
        .select_related("consultant")
    ]
    entries += [
        TimelineEntry(rung.recorded_on, "rung", rung)
        for rung in LadderRung.objects.filter(participant=participant)
    ]
    entries += [
        TimelineEntry(outcome.measured_on, "outcome", outcome)
        for outcome in OutcomeMeasurement.objects.measured()
        .filter(participant=participant)
        .select_related("cohort")
    ]
    entries += [
        TimelineEntry(timezone.localdate(match.created_at), "match", match)
        for match in Match.objects.filter(participant=participant).select_related(
            "opportunity__employer", "placement"
        )
    ]
    entries += [
        TimelineEntry(timezone.localdate(commitment.requested_at), "commitment", commitment)
        for commitment in Commitment.objects.for_user(user)
        .filter(participant=participant)
        .select_related("fund")
    ]
    entries += [
        TimelineEntry(training.start_date, "training", training)
        for training in Training.objects.filter(participant=participant)
    ]
    entries += [
        TimelineEntry(timezone.localdate(change.changed_at), "change", change)
        for change in FieldChange.objects.filter(participant_id=participant.pk).select_related(
            "changed_by"
        )
    ]
    entries.sort(key=lambda entry: (entry.when, entry.kind != "status"), reverse=True)
    return entries


def participant_for_page(user, pk, network=False, certificates=False):
    """`network`: with the network change's annotations (`with_network_change`) too;
    `certificates`: with those of `with_held_certificates`."""
    participants = Participant.objects.for_user(user).select_related(
        "consultant", "programme", "intake", "talent_profile"
    )
    if network:
        participants = with_network_change(participants)
    if certificates:
        participants = with_held_certificates(participants)
    return participants.get(pk=pk)


def cohorts_for(user):
    return (
        Cohort.objects.for_user(user)
        .select_related("programme")
        .annotate(enrolled=Count("enrolments", distinct=True))
        .prefetch_related("trainers")
        .order_by("-start_date", "name")
    )


# --- Network measurement: the change in social capital ----------------------------------

# The instrument's items, in the order the pages show them.
NETWORK_ITEMS = ("work_contacts", "employer_contacts", "self_rating")
# Short names for the participant page's narrow card; the form asks the full questions.
NETWORK_SHORT_LABELS = {
    "work_contacts": _("Work-relevant contacts"),
    "employer_contacts": _("Employers contacted (3 months)"),
    "self_rating": _("Knows whom to ask (1–5)"),
}


def with_network_change(participants, on_date=None):
    """THE definition of a participant's network change, per item of the instrument:
    the value at their latest follow-up measurement (the highest moment after the intake)
    minus the value at the intake; None unless both were measured (by `on_date`, when
    given). Annotates `network_<item>_intake`, `network_<item>_latest`,
    `network_<item>_change` and `network_latest_moment`. The participant page shows these
    annotations and `network_change_figure` averages them: nothing else computes a change."""
    measurements = NetworkMeasurement.objects.filter(participant=OuterRef("pk"))
    if on_date is not None:
        measurements = measurements.filter(measured_on__lte=on_date)
    intake = measurements.filter(moment=NetworkMoment.INTAKE)
    latest = measurements.filter(moment__gt=NetworkMoment.INTAKE).order_by("-moment")
    annotations = {"network_latest_moment": Subquery(latest.values("moment")[:1])}
    for item in NETWORK_ITEMS:
        annotations[f"network_{item}_intake"] = Subquery(intake.values(item)[:1])
        annotations[f"network_{item}_latest"] = Subquery(latest.values(item)[:1])
    participants = participants.annotate(**annotations)
    return participants.annotate(
        **{
            f"network_{item}_change": ExpressionWrapper(
                F(f"network_{item}_latest") - F(f"network_{item}_intake"),
                output_field=IntegerField(),
            )
            for item in NETWORK_ITEMS
        }
    )


def _tenth(value):
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class NetworkChange:
    """The average network change of a group of participants: among those with an intake
    and a follow-up measurement (`measured` of them), the mean per item of
    `with_network_change`, to one decimal (half up); None when nobody has both."""

    measured: int
    work_contacts: Decimal | None
    employer_contacts: Decimal | None
    self_rating: Decimal | None


def network_change_figure(participants, on_date=None):
    """The programme's (or any group's) network change, in one SQL aggregate over
    `with_network_change`: the programme page and the dashboard show this."""
    changes = with_network_change(participants.order_by(), on_date)
    figures = changes.aggregate(
        measured=Count("pk", filter=Q(network_work_contacts_change__isnull=False)),
        **{
            item: Avg(f"network_{item}_change", output_field=DecimalField())
            for item in NETWORK_ITEMS
        },
    )
    return NetworkChange(
        measured=figures["measured"], **{item: _tenth(figures[item]) for item in NETWORK_ITEMS}
    )


@dataclass(frozen=True)
class NetworkRow:
    label: str
    question: str
    intake: int | None
    latest: int | None
    change: int | None


@dataclass(frozen=True)
class NetworkSummary:
    measurements: list
    rows: list
    latest_moment: int | None

    @property
    def latest_label(self):
        return NetworkMoment(self.latest_moment).label if self.latest_moment else None


NETWORK_ANNOTATIONS = (
    "network_latest_moment",
    *(
        f"network_{item}_{part}"
        for item in NETWORK_ITEMS
        for part in ("intake", "latest", "change")
    ),
)


def network_summary(user, participant):
    """The participant page's network card: every measurement, and per item the intake
    value, the latest follow-up value and the change (`with_network_change`). One query
    when the participant was fetched with `participant_for_page(network=True)`, two
    otherwise, however many measurements there are."""
    measurements = list(NetworkMeasurement.objects.for_user(user).filter(participant=participant))
    if hasattr(participant, "network_latest_moment"):
        values = {name: getattr(participant, name) for name in NETWORK_ANNOTATIONS}
    else:
        values = (
            with_network_change(Participant.objects.for_user(user).filter(pk=participant.pk))
            .values(*NETWORK_ANNOTATIONS)
            .first()
        ) or {}
    fields = NetworkMeasurement._meta
    rows = [
        NetworkRow(
            label=NETWORK_SHORT_LABELS[item],
            question=fields.get_field(item).verbose_name,
            intake=values.get(f"network_{item}_intake"),
            latest=values.get(f"network_{item}_latest"),
            change=values.get(f"network_{item}_change"),
        )
        for item in NETWORK_ITEMS
    ]
    return NetworkSummary(measurements, rows, values.get("network_latest_moment"))


# --- Training and the certificates a participant holds ---------------------------------


def trainings_for(user, participant):
    """The participant's courses, newest first, as the participant page lists them."""
    return list(Training.objects.for_user(user).filter(participant=participant))


def _training_certificate(code):
    return f"training_certificate_{code}"


def with_held_certificates(participants):
    """The talent profile, and per certificate the date a completed training gave it
    (None when none did), in the same query: `held_certificates` then costs no query, so
    the board ranks thousands of candidates in one."""
    certified = Training.objects.certified().filter(participant=OuterRef("pk"))
    return participants.select_related("talent_profile").annotate(
        **{
            _training_certificate(code): Subquery(
                certified.filter(certificate=code)
                .order_by("certificate_on", "pk")
                .values("certificate_on")[:1]
            )
            for code in Certificate.values
        }
    )


@dataclass(frozen=True)
class HeldCertificate:
    code: str
    label: str
    obtained_on: datetime.date | None
    # Held through a completed training only (the talent profile does not list it).
    from_training: bool = False


def held_certificates(participant):
    """THE certificates a participant holds: those of their talent profile and those of
    their completed trainings, each once (the profile's date first). The matching, the
    candidate page, the talent-profile card and its PDF read this and nothing else. No
    query for a participant from `with_held_certificates`; one otherwise."""
    labels = dict(Certificate.choices)
    profile = getattr(participant, "talent_profile", None)
    held = {}
    for code in profile.certificates if profile else []:
        day = (profile.certificate_dates or {}).get(code)
        held[code] = HeldCertificate(
            code, labels.get(code, code), datetime.date.fromisoformat(day) if day else None
        )
    if hasattr(participant, _training_certificate(Certificate.values[0])):
        from_trainings = [
            (code, getattr(participant, _training_certificate(code)))
            for code in Certificate.values
        ]
    else:
        earliest = {}
        for code, day in (
            Training.objects.certified()
            .filter(participant_id=participant.pk)
            .order_by("certificate_on", "pk")
            .values_list("certificate", "certificate_on")
        ):
            earliest.setdefault(code, day)
        from_trainings = [(code, earliest.get(code)) for code in Certificate.values]
    for code, day in from_trainings:
        if day is not None and code not in held:
            held[code] = HeldCertificate(code, labels.get(code, code), day, from_training=True)
    return list(held.values())


def profile_trainings(participant):
    """The trainings the talent profile shows, employers included: completed and running
    ones, newest first (never the provider, which can name a former employer)."""
    return list(
        Training.objects.filter(
            participant_id=participant.pk,
            result__in=(TrainingResult.COMPLETED, TrainingResult.IN_PROGRESS),
        ).only("name", "kind", "result", "start_date", "end_date", "participant_id")
    )


@dataclass(frozen=True)
class TrainingCount:
    kind: str
    label: str
    started: int
    completed: int


def training_counts(trainings, start=None, end=None):
    """THE dashboard's training figure, in one SQL aggregate: per kind, the trainings
    that started in the period (start date within it, and no longer only planned) and
    those completed in it (result completed, end date within it). `start` and `end` are
    inclusive; None leaves that side open."""
    started = ~Q(result=TrainingResult.PLANNED)
    completed = TRAINING_COMPLETED
    if start is not None:
        started &= Q(start_date__gte=start)
        completed &= Q(end_date__gte=start)
    if end is not None:
        started &= Q(start_date__lte=end)
        completed &= Q(end_date__lte=end)
    rows = {
        row["kind"]: row
        for row in trainings.order_by()
        .values("kind")
        .annotate(started=Count("pk", filter=started), completed=Count("pk", filter=completed))
    }
    return [
        TrainingCount(
            kind,
            label,
            rows.get(kind, {}).get("started", 0),
            rows.get(kind, {}).get("completed", 0),
        )
        for kind, label in TrainingKind.choices
    ]

"""Reads on participants, each scoped through Participant.objects.for_user."""

import datetime
import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vakwerk import prepared
from vakwerk.bsn import normalise_bsn
from vakwerk.models import FieldChange

from . import page
from . import timeline as timeline_html
from .models import (
    TRAINING_COMPLETED,
    Certificate,
    Cohort,
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


def trained_members(user):
    """The members of the groups a user trains, as ids for an IN."""
    return Enrolment.objects.filter(cohort__trainers=user).values("participant_id")


def find_by_bsn(user, bsn):
    """Exact match only: a BSN search never lists near misses. Eight digits are the same
    BSN with its leading zero, as it is stored."""
    return Participant.objects.for_user(user).filter(bsn=normalise_bsn(bsn)).first()


# What the timeline calls each kind of entry (the apps above participants add "session",
# "match" and "commitment"): one look-up per entry instead of a chain of comparisons in
# the template.
TIMELINE_KIND_LABELS = {
    "status": _("Status"),
    "intake": _("Intake"),
    "session": _("Coaching session"),
    "rung": _("Participation ladder"),
    "outcome": _("Follow-up"),
    "change": _("Change"),
    "match": _("Match"),
    "commitment": _("Commitment"),
    "training": _("Course or training"),
}


@dataclass
class TimelineEntry:
    when: datetime.date
    kind: str
    obj: object

    @property
    def label(self):
        return TIMELINE_KIND_LABELS.get(self.kind, "")

    @property
    def html(self):
        """The entry as the participant page shows it (`participants.timeline`)."""
        return timeline_html.entry_html(self)


def timeline(user, participant):
    """One list of everything that happened to a participant, newest first. Each kind is
    one query, so the page costs the same for a long history as for a short one. The
    apps above participants add their kinds through `page.add_timeline_source`."""
    entries = []
    for source in page.timeline_sources():
        entries += source(user, participant)
    entries.sort(key=lambda entry: (entry.when, entry.kind != "status"), reverse=True)
    return entries


def participant_rows(name, participant, build, user=None):
    """The rows of one participant's part of a page, `build(participant_id)`'s queryset
    (`build(user, participant_id)` for a scoped one, given `user`), compiled once per
    shape (`vakwerk.prepared`): the timeline's sources and the cards run one query each on
    every view of a participant's page, and building and compiling them cost more than
    running them."""
    return prepared.rows(name, build, user=user, participant_id=participant.pk)


def records_of(participant, model, *related, user=None):
    """`participant_rows` of `model`'s rows of the participant, with the `related` ones
    joined; scoped by `model.objects.for_user(user)` when a `user` is given."""
    key = ("records_of", model._meta.label, related)

    def of_participant(records, participant_id):
        records = records.filter(participant_id=participant_id)
        # select_related() without names would join every relation.
        return records.select_related(*related) if related else records

    if user is None:
        return participant_rows(
            key, participant, lambda participant_id: of_participant(model.objects, participant_id)
        )
    return participant_rows(
        key,
        participant,
        lambda user, participant_id: of_participant(model.objects.for_user(user), participant_id),
        user=user,
    )


def status_entries(user, participant):
    return [
        TimelineEntry(change.changed_at.date(), "status", change)
        for change in records_of(participant, StatusChange, "changed_by")
    ]


def intake_entries(user, participant):
    intake = getattr(participant, "intake", None)
    return [] if intake is None else [TimelineEntry(intake.held_on, "intake", intake)]


def rung_entries(user, participant):
    return [
        TimelineEntry(rung.recorded_on, "rung", rung)
        for rung in records_of(participant, LadderRung)
    ]


def outcome_entries(user, participant):
    return [
        TimelineEntry(outcome.measured_on, "outcome", outcome)
        for outcome in participant_rows(
            "timeline.outcomes",
            participant,
            lambda participant_id: (
                OutcomeMeasurement.objects.measured()
                .filter(participant_id=participant_id)
                .select_related("cohort")
            ),
        )
    ]


def pending_outcomes(participant, limit=4):
    """The first follow-ups still to be measured, for the participant page's card (the
    caller has scoped `participant`: its follow-ups are the user's to see)."""
    return participant_rows(
        ("pending_outcomes", limit),
        participant,
        lambda participant_id: (
            OutcomeMeasurement.objects.pending()
            .filter(participant_id=participant_id)
            .select_related("cohort")[:limit]
        ),
    )


def training_entries(user, participant):
    return [
        TimelineEntry(training.start_date, "training", training)
        for training in records_of(participant, Training)
    ]


def change_entries(user, participant):
    return [
        TimelineEntry(timezone.localdate(change.changed_at), "change", change)
        for change in records_of(participant, FieldChange, "changed_by")
    ]


def register_timeline_sources():
    """participants' own kinds of timeline entry (ParticipantsConfig.ready())."""
    page.add_timeline_source(10, status_entries)
    page.add_timeline_source(20, intake_entries)
    page.add_timeline_source(40, rung_entries)
    page.add_timeline_source(50, outcome_entries)
    page.add_timeline_source(80, training_entries)
    page.add_timeline_source(90, change_entries)


def participant_for_page(user, pk, network=False, certificates=False):
    """`network`: with the network change's annotations (`with_network_change`) too;
    `certificates`: with those of `with_held_certificates`."""

    def build(user, pk):
        participants = Participant.objects.for_user(user).select_related(
            "consultant", "programme", "intake", "talent_profile"
        )
        if network:
            participants = with_network_change(participants)
        if certificates:
            participants = with_held_certificates(participants)
        return participants.filter(pk=pk)

    key = ("participant_for_page", network, certificates)
    found = prepared.rows(key, build, user=user, pk=int(pk))
    if not found:
        raise Participant.DoesNotExist
    return found[0]


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
    values, changes = _network_change_annotations(on_date)
    return participants.annotate(**values).annotate(**changes)


@functools.lru_cache(maxsize=64)
def _network_change_annotations(on_date):
    # Built once per date (and once for "any date"): annotate() copies the expressions it
    # is given, and building these seven subqueries cost the participant page 2 ms a view.
    measurements = NetworkMeasurement.objects.filter(participant=OuterRef("pk"))
    if on_date is not None:
        measurements = measurements.filter(measured_on__lte=on_date)
    intake = measurements.filter(moment=NetworkMoment.INTAKE)
    latest = measurements.filter(moment__gt=NetworkMoment.INTAKE).order_by("-moment")
    values = {"network_latest_moment": Subquery(latest.values("moment")[:1])}
    for item in NETWORK_ITEMS:
        values[f"network_{item}_intake"] = Subquery(intake.values(item)[:1])
        values[f"network_{item}_latest"] = Subquery(latest.values(item)[:1])
    changes = {
        f"network_{item}_change": ExpressionWrapper(
            F(f"network_{item}_latest") - F(f"network_{item}_intake"),
            output_field=IntegerField(),
        )
        for item in NETWORK_ITEMS
    }
    return values, changes


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
    measurements = records_of(participant, NetworkMeasurement, user=user)
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


# Computed once: `Certificate.values` and `.choices` build new lists on every access, and the
# board asks for them for each of thousands of candidates. The labels stay lazy translations,
# so each request still words them in its own language.
_CERTIFICATE_CODES = tuple(Certificate.values)
_CERTIFICATE_LABELS = dict(Certificate.choices)
_TRAINING_CERTIFICATES = tuple((code, _training_certificate(code)) for code in _CERTIFICATE_CODES)
# The names of the annotations `with_held_certificates` adds, for readers that take its rows
# as values (the board's ranking).
HELD_CERTIFICATE_ANNOTATIONS = tuple(name for _code, name in _TRAINING_CERTIFICATES)


def with_held_certificates(participants):
    """The talent profile, and per certificate the date a completed training gave it
    (None when none did), in the same query: `held_certificates` then costs no query, so
    the board ranks thousands of candidates in one."""
    return participants.select_related("talent_profile").annotate(
        **_held_certificate_annotations()
    )


@functools.cache
def _held_certificate_annotations():
    # Built once, as `_network_change_annotations`.
    certified = Training.objects.certified().filter(participant=OuterRef("pk"))
    return {
        name: Subquery(
            certified.filter(certificate=code)
            .order_by("certificate_on", "pk")
            .values("certificate_on")[:1]
        )
        for code, name in _TRAINING_CERTIFICATES
    }


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
    labels = _CERTIFICATE_LABELS
    profile = getattr(participant, "talent_profile", None)
    held = {}
    for code in profile.certificates if profile else []:
        day = (profile.certificate_dates or {}).get(code)
        held[code] = HeldCertificate(
            code, labels.get(code, code), datetime.date.fromisoformat(day) if day else None
        )
    for code, day in _training_certificates(participant):
        if code not in held:
            held[code] = HeldCertificate(code, labels.get(code, code), day, from_training=True)
    return list(held.values())


def held_certificate_codes(participant):
    """The codes of `held_certificates(participant)`, as a set: all the board's ranking
    asks of thousands of candidates (the labels and dates are for the few it shows)."""
    profile = getattr(participant, "talent_profile", None)
    codes = set(profile.certificates) if profile else set()
    codes.update(code for code, _day in _training_certificates(participant))
    return codes


def _training_certificates(participant):
    """(code, the date of the earliest completed training that gave it) for each
    certificate a completed training gave: from `with_held_certificates`' annotations when
    the participant has them, else one query."""
    if hasattr(participant, _TRAINING_CERTIFICATES[0][1]):
        from_trainings = [
            (code, getattr(participant, name)) for code, name in _TRAINING_CERTIFICATES
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
        from_trainings = [(code, earliest.get(code)) for code in _CERTIFICATE_CODES]
    return [(code, day) for code, day in from_trainings if day is not None]


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

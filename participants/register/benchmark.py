r"""The municipality's bijstand inflow, outflow and outflow to work over the last twelve
months, counted the way the Divosa Benchmark Werk & Inkomen counts them, so that a manager
can lay the dashboard beside the benchmark (issue 22, point 3).

What the benchmark counts (Divosa's yearly reports, "Jaarrapportage Divosa Benchmark Werk
& Inkomen"): benefits (bijstandsuitkeringen), not programme participants; inflow is the
benefits that started in the period, outflow the benefits that ended in it, each also as a
percentage (instroompercentage, uitstroompercentage); outflow to work is the part of the
outflow that ended because of work. Its totals include IOAW, IOAZ and Bbz; it publishes the
general bijstand on its own as well.

Our definitions, as of a date d (the dashboard's as-of date), over the window W = the
twelve months ending on d: from d − 12 calendar months + 1 day up to and including d.

- Bijstand: a spell (register) or participant whose benefit is bijstand under the
  Participatiewet, alone or beside WW (`BIJSTAND_TYPES`). ASSUMPTION: the register knows no
  IOAW, IOAZ or Bbz, so the figures are the general bijstand only, which is the benchmark's
  "algemene bijstand" split, not its total.
- Unit: one benefit spell = one uitkering. ASSUMPTION: the register holds persons; a couple
  on one household benefit appears as two persons when the file lists both.
- Inflow: spells that started in W. A spell that continues another bijstand spell of the
  same person (started on or before the day after that one ended, e.g. a change from
  bijstand to WW + bijstand) is no inflow: the uitkering did not stop. A return after a
  gap of a day or more is new inflow (the CBS's rule that a return within 30 days is no
  new inflow is NOT applied; the register's quarterly snapshots would not show it anyway).
  A file that shows a new start date without the old spell's end makes the import close
  the old spell the day before (`services._apply_row`): that reads as a continuation.
- Outflow: spells whose last day with benefit lies in W and whose end was recorded by d;
  a spell that another bijstand spell continues (from the next day or earlier) is no
  outflow.
- Outflow to work: outflow whose end reason is work or an own business
  (`WORK_END_REASONS`). ASSUMPTION: starting a business is work, as in the benchmark's
  "werk" category; education is not work here (unlike the programme's own outflow figure,
  `participants.models.OUTFLOW_TO_WORK_REASONS`, which counts it). Ends without a reason
  (someone missing from a later snapshot) are outflow, not outflow to work; the page shows
  how many.
- Percentages: inflow and outflow as a percentage of the stock at the start of W (the
  benefits running on the day before W began); outflow to work as a percentage of the
  outflow. ASSUMPTION: the benchmark's reports quote the percentages without a denominator
  we could verify; dividing by the stock at the start is what "x % of the stock flowed
  out this year" means, and the page says so. One decimal, half up.
- Stock at the start and at the end: distinct persons with a bijstand spell running at the
  end of the day before W and at the end of d. Without overlapping spells,
  start + inflow − outflow = end (the tests check this).

Sources. With a register snapshot taken on or before d, the figures come from the register
(`BenefitSpell`), reading only what the snapshots up to d recorded (`first_seen_on`,
`end_recorded_on`). The register sees what its snapshots saw: a benefit that started and
ended between two snapshots is missing, and when the first snapshot is later than the day
before W the figures are `partial` (the page says so). Without a snapshot the figures come
from the participants only, which is a selection, not the municipality: inflow is a
participant's `benefit_start` in W; outflow is the first follow-up measured in W (by d)
that recorded no benefit, with its reason, the day it was measured standing for the day
the benefit ended (which lay before it); participants count when they entered by d
(`enrolled_on`), the comparison group included (they are bijstand recipients too);
participants without a known benefit start are left out and counted.

One statement for the register's figures and its snapshots' dates (the dashboard hands
the dates on to the net effect, so the section costs it one query), and without a register
one more for the participants, whatever the number of rows: conditional counts over the
spells (or participants), with EXISTS for the continuations (or a subquery for the first
follow-up without benefit).
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from participants.models import (
    BenefitEndReason,
    BenefitStatus,
    BenefitType,
    OutcomeMeasurement,
    Participant,
)
from vakwerk.db_routing import read_connection

from .models import BenefitSpell, RegisterSnapshot

BIJSTAND_TYPES = (BenefitType.BIJSTAND, BenefitType.BOTH)
WORK_END_REASONS = (BenefitEndReason.WORK, BenefitEndReason.OWN_BUSINESS)
WINDOW_MONTHS = 12
DAY = datetime.timedelta(days=1)

SOURCE_REGISTER = "register"
SOURCE_PARTICIPANTS = "participants"

# The definitions as the dashboard shows them beside each figure: one place.
DEFINITIONS = {
    "inflow": _(
        "Bijstand benefits (Participatiewet, also beside WW) that started in the twelve "
        "months, as a percentage of the benefits running at their start. A benefit that "
        "continues another without a day in between (for instance a change from bijstand "
        "to WW plus bijstand) is no inflow; someone who comes back after a gap counts again."
    ),
    "outflow": _(
        "Bijstand benefits whose last day with benefit lies in the twelve months, as a "
        "percentage of the benefits running at their start. A benefit followed the next day "
        "by another bijstand benefit of the same person is no outflow."
    ),
    "outflow_to_work": _(
        "The outflow that ended because of work or an own business, as a percentage of the "
        "outflow. Education does not count here (in the programme's own figures it does); "
        "an end without a reason does not count either."
    ),
}


def _fraction(part, whole):
    """A percentage as a fraction with three places (one decimal of a percent), half up;
    None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BenchmarkFigure:
    key: str
    label: str
    count: int
    fraction: Decimal | None  # of `denominator`
    denominator: str

    @property
    def definition(self):
        return DEFINITIONS[self.key]


@dataclass(frozen=True)
class Benchmark:
    as_of: datetime.date
    first_day: datetime.date
    source: str | None  # SOURCE_REGISTER, SOURCE_PARTICIPANTS or None (no data at all)
    stock_start: int = 0
    stock_end: int = 0
    inflow: int = 0
    outflow: int = 0
    outflow_to_work: int = 0
    outflow_without_reason: int = 0
    first_snapshot: datetime.date | None = None
    latest_snapshot: datetime.date | None = None
    snapshots: int = 0  # taken by the as-of date
    # Participants left out for want of a benefit start (participants' source only).
    without_start: int = 0

    @property
    def has_data(self):
        return self.source is not None

    @property
    def from_register(self):
        return self.source == SOURCE_REGISTER

    @property
    def partial(self):
        """The register began after the window did: inflow and outflow before its first
        snapshot are missing, and the stock at the start is what that snapshot saw."""
        return self.from_register and self.first_snapshot >= self.first_day

    @property
    def stock_day(self):
        """The day the stock at the start is counted on (at its end)."""
        return self.first_day - DAY

    @property
    def figures(self):
        return [
            BenchmarkFigure("inflow", str(_("Inflow")), self.inflow,
                            _fraction(self.inflow, self.stock_start),
                            str(_("of the stock at the start"))),
            BenchmarkFigure("outflow", str(_("Outflow")), self.outflow,
                            _fraction(self.outflow, self.stock_start),
                            str(_("of the stock at the start"))),
            BenchmarkFigure("outflow_to_work", str(_("Outflow to work")), self.outflow_to_work,
                            _fraction(self.outflow_to_work, self.outflow),
                            str(_("of the outflow"))),
        ]  # fmt: skip


def window_start(as_of):
    """The first day of the twelve months ending on `as_of`."""
    return as_of - relativedelta(months=WINDOW_MONTHS) + DAY


def bijstand_benchmark(municipality, as_of):
    """The benchmark figures of the municipality (its primary key will do) as of `as_of`:
    from the register when it has a snapshot by then, else from the participants. The
    caller scopes: `municipality` is the user's own. One query with a register (its
    figures and its snapshots' dates, which the dashboard passes on to the net effect), two
    without."""
    municipality_id = getattr(municipality, "pk", municipality)
    first_day = window_start(as_of)
    counts = _register_statement(municipality_id, as_of, first_day)
    if counts["first_snapshot"] is not None:
        return Benchmark(as_of=as_of, first_day=first_day, source=SOURCE_REGISTER, **counts)
    snapshots = {name: counts[name] for name in ("first_snapshot", "latest_snapshot", "snapshots")}
    counts = _from_participants(municipality_id, as_of, first_day)
    known = counts["stock_start"] or counts["stock_end"] or counts["inflow"] or counts["outflow"]
    return Benchmark(as_of=as_of, first_day=first_day,
                     source=SOURCE_PARTICIPANTS if known else None, **snapshots,
                     **counts)  # fmt: skip


def _register_statement(municipality_id, as_of, first_day):
    """The register's figures and its snapshots' dates in one statement: the spells with
    their continuation flags as the ORM writes them (its date arithmetic works on SQLite as
    on PostgreSQL), counted in a wrapper that also reads the snapshots' dates, so that the
    row comes back when there is no spell at all."""
    spells = BenefitSpell.objects.filter(
        municipality_id=municipality_id, benefit_type__in=BIJSTAND_TYPES, first_seen_on__lte=as_of
    )
    others = spells.filter(person_id=OuterRef("person_id")).exclude(pk=OuterRef("pk"))
    # Another bijstand spell of the person ran on the day before this one started (or
    # still runs, or overlaps): this one continues it.
    continues = Exists(
        others.filter(started_on__lt=OuterRef("started_on")).filter(
            ~Q(ended_on__isnull=False, end_recorded_on__lte=as_of)
            | Q(ended_on__gte=OuterRef("started_on") - DAY)
        )
    )
    # Another bijstand spell started after this one and no later than the day after it
    # ended: the benefit went on.
    continued = Exists(
        others.filter(
            started_on__gt=OuterRef("started_on"), started_on__lte=OuterRef("ended_on") + DAY
        )
    )
    flagged = (
        spells.annotate(
            # An end counts once a snapshot up to the as-of date recorded it.
            known_end=Case(
                When(ended_on__isnull=False, end_recorded_on__lte=as_of, then=F("ended_on")),
                default=None, output_field=DateField(),
            ),
            new_benefit=Case(When(continues, then=Value(0)), default=Value(1)),
            benefit_stopped=Case(When(continued, then=Value(0)), default=Value(1)),
        )
        .order_by()
        .values("person_id", "started_on", "known_end", "end_reason", "new_benefit",
                "benefit_stopped")
    )  # fmt: skip
    inner, inner_params = flagged.query.sql_with_params()
    snapshot = connection.ops.quote_name(RegisterSnapshot._meta.db_table)
    taken = f"FROM {snapshot} WHERE municipality_id = %s AND taken_on <= %s"
    outflow = "f.known_end >= %s AND f.known_end <= %s AND f.benefit_stopped = 1"
    work = ", ".join(["%s"] * len(WORK_END_REASONS))
    sql = f"""
        SELECT
            (SELECT MIN(taken_on) {taken}), (SELECT MAX(taken_on) {taken}),
            (SELECT COUNT(*) {taken}),
            COUNT(DISTINCT CASE WHEN f.started_on < %s
                  AND (f.known_end IS NULL OR f.known_end >= %s) THEN f.person_id END),
            COUNT(DISTINCT CASE WHEN f.started_on <= %s
                  AND (f.known_end IS NULL OR f.known_end > %s) THEN f.person_id END),
            COALESCE(SUM(CASE WHEN f.started_on >= %s AND f.started_on <= %s
                         AND f.new_benefit = 1 THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {outflow} THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {outflow} AND f.end_reason IN ({work}) THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {outflow} AND f.end_reason = '' THEN 1 ELSE 0 END), 0)
        FROM ({inner}) f
    """  # noqa: S608 (table names, placeholders and the ORM's own SQL only)
    window = [first_day, as_of]
    params = [
        *[municipality_id, as_of] * 3,
        first_day, first_day, as_of, as_of, *window,
        *window, *window, *[str(reason) for reason in WORK_END_REASONS], *window,
        *inner_params,
    ]  # fmt: skip
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    names = ("first_snapshot", "latest_snapshot", "snapshots", "stock_start", "stock_end",
             "inflow", "outflow", "outflow_to_work", "outflow_without_reason")  # fmt: skip
    result = dict(zip(names, row, strict=True))
    for name in ("first_snapshot", "latest_snapshot"):
        # SQLite gives the dates back as text.
        if isinstance(result[name], str):
            result[name] = datetime.date.fromisoformat(result[name])
    return result


def _from_participants(municipality_id, as_of, first_day):
    left = OutcomeMeasurement.objects.filter(
        participant=OuterRef("pk"), measured_on__lte=as_of, benefit_status=BenefitStatus.NONE
    ).order_by("measured_on", "pk")
    people = Participant.objects.filter(
        municipality_id=municipality_id, benefit_type__in=BIJSTAND_TYPES, enrolled_on__lte=as_of
    ).annotate(
        left_on=Subquery(left.values("measured_on")[:1]),
        left_for=Subquery(left.values("benefit_end_reason")[:1]),
    )
    known = Q(benefit_start__isnull=False)
    outflow = known & Q(left_on__gte=first_day, left_on__lte=as_of)
    return people.aggregate(
        stock_start=Count("pk", filter=known & Q(benefit_start__lt=first_day)
                          & (Q(left_on__isnull=True) | Q(left_on__gte=first_day))),
        stock_end=Count("pk", filter=known & Q(benefit_start__lte=as_of)
                        & (Q(left_on__isnull=True) | Q(left_on__gt=as_of))),
        inflow=Count("pk", filter=Q(benefit_start__gte=first_day, benefit_start__lte=as_of)),
        outflow=Count("pk", filter=outflow),
        outflow_to_work=Count("pk", filter=outflow & Q(left_for__in=WORK_END_REASONS)),
        outflow_without_reason=Count("pk", filter=outflow & Q(left_for="")),
        without_start=Count("pk", filter=~known),
    )  # fmt: skip

r"""The measured net effect: participants' outflow against a matched comparison group
drawn from the benefit register.

Units and outcome (participants). The unit is a participant's N-month follow-up (N = 3,
6, 12, 18), by the definition every other figure uses (README, "Figures: definitions";
`evaluation.dashboards.selectors`): of the cohort (entered by the as-of date, not in the manual
comparison group), due on or before the as-of date, measured by then; off benefit is
`participants.models.OUTFLOW_TO_WORK` (no benefit, ended for work, education or own
business). A follow-up belongs to the programme of its group. Only measured follow-ups
enter the estimate; the page shows how many are due and not measured.

Comparison pool. For a participant who entered on date e (`Participant.enrolled_on`),
the pool is everyone in the register on benefit on e (a spell started by e and not ended
before e, as known from the snapshots up to the as-of date) who was not in a programme
before the follow-up: not linked to a participant, or to one who entered after the
follow-up's day t or is in the manual comparison group. Someone who joins a programme
between e and t is left out of the pool for t ("not yet treated" comparisons): their
outcome at t would partly be that programme's.

Coarsened exact matching. A participant and a pool member match when they share the
benefit type, the target group (`participants.models.target_group_for`: 18–24, 25–49,
50+, at e; the register gives a birth year only, read as born on 1 July) and the band of
benefit duration at e (< 1, 1–2, 2–5, ≥ 5 full years since the benefit started). The
stratum s also holds e and the follow-up's due date t, so each participant is compared
with people on benefit on their own day and looked at on their own follow-up's day.
A comparison person is off benefit at t when their spell ended before t for a reason
that counts as outflow to work, recorded by the as-of date, and no later spell has them
back on benefit at t. People who vanish from a snapshot without an end reason count as
not off benefit for work (the page shows their share).

Participants are "unmatched" (counted, shown, left out of both arms) when they entered
before the first snapshot (the pool is unknown), when their follow-up's due date lies
after the latest snapshot (the comparison outcome is unknown), when their benefit start
or age is unknown, or when nobody in the register shares their stratum.

Estimate. With n_s matched participants in stratum s, n = Σ n_s, x participants off
benefit, and in the pool of s m_s people of whom c_s off benefit at t:

    p_T = x / n                      (participants)
    p_C = Σ_s (n_s / n) · c_s / m_s  (comparison, weighted to the participants' make-up)
    Δ   = p_T − p_C                  (net effect)

Each pool member of s carries the weight n_s / m_s, so the weighted comparison group
has exactly the participants' strata. The variance is that of a difference of two
independent proportions, the second a stratified one with fixed weights:

    Var(Δ) = p̃_T (1 − p̃_T) / n + Σ_s (n_s / n)² · p̃_s (1 − p̃_s) / m_s

with p̃ = (successes + 1) / (count + 2) (the "plus two" estimate, so that a stratum with
0 % or 100 % does not claim no uncertainty). The 95 % interval is Δ ± 1.96 · √Var(Δ).
The comparison rate alone has the interval p_C ± 1.96 · √(the second sum), clipped to
0–1: the savings model's counterfactual and its range (funding/savings.py).

Assumptions and limits (the page says them in Dutch): outcomes are independent
Bernoulli draws given the stratum (a person in the pool of several strata is counted in
each, which the variance ignores and so understates slightly); the participants'
variance is the binomial one over all strata together, which is conservative; matching
removes differences in benefit type, age group and benefit duration only, not those the
register does not hold; above all the selection on development potential, motivation or
health, so that the difference is an upper bound of the effect when the programme
selects people with better prospects. Computed in two queries whatever the numbers: the
snapshots' dates, and one statement that groups the participants' follow-ups by stratum,
joins each stratum's pool as the pools job stored it (`ComparisonPool`), and adds up the
counts and sums of every row of the page (`_sums_sql`). Strata whose pool is not stored
yet (and all of them on SQLite, which stores none) take two more: one query over the
register for all their pools together (`compute_pools`), and the statement once more with
those pools handed to it.
"""

import datetime
import functools
import json
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    Func,
    Max,
    Min,
    Q,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from participants.models import (
    OUTFLOW_TO_WORK,
    OUTFLOW_TO_WORK_REASONS,
    BenefitType,
    OutcomeMeasurement,
    Participant,
    TargetGroup,
    target_group_for,
)
from vakwerk.db_routing import read_connection

from .models import (
    BenefitSpell,
    ComparisonPool,
    ImportStage,
    RegisterPerson,
    RegisterSnapshot,
    SnapshotImport,
)

FOLLOW_UPS = (3, 6, 12, 18)
Z_95 = 1.959963984540054
EARLIEST = datetime.date(1, 1, 1)


class DurationBand:
    """Benefit duration at the enrolment date, in full years: [low, high)."""

    BANDS = (
        ("lt1", 0, 1, _("less than 1 year")),
        ("1to2", 1, 2, _("1 to 2 years")),
        ("2to5", 2, 5, _("2 to 5 years")),
        ("5plus", 5, None, _("5 years or more")),
    )

    @staticmethod
    def bounds(on_date, low, high):
        """(started after, started on or before): the band as a range of start dates."""
        until = on_date - relativedelta(years=low)
        after = on_date - relativedelta(years=high) if high is not None else EARLIEST
        return after, until

    @classmethod
    def of(cls, started_on, on_date):
        """The band of a benefit that started on `started_on`, on `on_date`; None when it
        had not started yet: by `bounds`, as the pools are drawn. The pages group by
        `expression`, which a test checks against this."""
        for code, low, high, _label in cls.BANDS:
            after, until = cls.bounds(on_date, low, high)
            if after < started_on <= until:
                return code
        return None

    @classmethod
    def by_code(cls, code):
        return next(band for band in cls.BANDS if band[0] == code)

    @classmethod
    def expression(cls, started_on, on_date, portable=False):
        """The band as an SQL expression of two dates (field names or expressions; NULL:
        not started by then or unknown), for the follow-ups' strata (`with_strata`).
        PostgreSQL compares the start with `on_date` less 1, 2 and 5 years, as `bounds`
        does (its date arithmetic, like relativedelta, makes 28 February of 29 February
        in a common year). Other databases (SQLite, make run's demo) count full years
        since the start: the years apart, one less before the anniversary (`portable`,
        which PostgreSQL can run too). A test checks both against `of` around every bound
        on the days of a leap year's February, month ends and a plain month."""
        start, on = (F(date) if isinstance(date, str) else date for date in (started_on, on_date))
        unknown = When(Q(IsNull(start, True)) | Q(GreaterThan(start, on)), then=Value(None))
        last = cls.BANDS[-1][0]
        bounded = [(code, high) for code, _low, high, _label in cls.BANDS if high is not None]
        shifted = Case(
            unknown,
            *(When(GreaterThan(start, _YearsBefore(on, years=high)), then=Value(code))
              for code, high in bounded),
            default=Value(last),
            output_field=CharField(),
        )  # fmt: skip
        before_anniversary = Case(
            When(LessThan(ExtractMonth(on), ExtractMonth(start)), then=Value(1)),
            When(
                Q(Exact(ExtractMonth(on), ExtractMonth(start)))
                & Q(LessThan(ExtractDay(on), ExtractDay(start))),
                then=Value(1),
            ),
            default=Value(0),
        )
        years = ExtractYear(on) - ExtractYear(start) - before_anniversary
        counted = Case(
            unknown,
            *(When(LessThan(years, high), then=Value(code)) for code, high in bounded),
            default=Value(last),
            output_field=CharField(),
        )
        if portable:
            return counted
        return _ByVendor(counted, shifted, output_field=CharField())


class _YearsBefore(Func):
    """A date less whole years, on PostgreSQL (a timestamp, which compares with a date)."""

    template = "(%(expressions)s - make_interval(years => %(years)d))"
    output_field = DateTimeField()


class _ByVendor(Func):
    """One expression in two spellings: PostgreSQL's, and the other databases'. The
    arithmetic on dates differs, and PostgreSQL's numeric EXTRACT cost 70 ms of the
    net-effect page's 17,000 follow-up groups where its interval arithmetic costs a few."""

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[1])


TARGET_GROUPS = frozenset(TargetGroup.values)


@functools.cache
def birth_years(on_date):
    """{target group: (first, last birth year)} on a date, by the project's definition of
    the target group, for people known by their birth year only (born on 1 July)."""
    years = {}
    for year in range(on_date.year - 120, on_date.year + 1):
        group = target_group_for(datetime.date(year, 7, 1), on_date)
        first, last = years.get(group, (year, year))
        years[group] = (min(first, year), max(last, year))
    return years


# --- results --------------------------------------------------------------------------------

UNMATCHED_REASONS = {
    "before_register": _("entered before the first snapshot of the register"),
    "after_register": _("follow-up due after the latest snapshot"),
    "incomplete": _("benefit start or age unknown"),
    "no_pool": _("nobody comparable in the register"),
}


@dataclass
class NetEffect:
    """One row: a follow-up moment for everyone, a programme, a target group or a
    benefit type. Rates and the difference are fractions (0.12 is 12 %)."""

    follow_up: int
    dimension: str
    key: str
    label: str = ""
    eligible: int = 0
    measured: int = 0
    matched: int = 0
    successes: int = 0
    unmatched: dict = field(default_factory=dict)
    comparison_people: int = 0
    # Over the row's strata s with a pool (n_s participants matched to m_s people, of whom
    # c_s went off for work and u_s ended without a reason): the sums of n_s·c_s/m_s,
    # n_s·u_s/m_s and n_s²·q_s(1−q_s)/m_s; `finish` divides them by the row's n.
    pool_off: float = field(default=0.0, repr=False)
    pool_unknown: float = field(default=0.0, repr=False)
    pool_variance: float = field(default=0.0, repr=False)
    participants_rate: float | None = None
    comparison_rate: float | None = None
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    # The comparison group's rate alone, with its own 95 % interval: the counterfactual
    # the savings model takes from the register (funding/savings.py).
    comparison_low: float | None = None
    comparison_high: float | None = None
    unknown_reason_share: float | None = None

    @property
    def not_measured(self):
        return self.eligible - self.measured

    @property
    def unmatched_total(self):
        return sum(self.unmatched.values())

    # The tables show hundreds of rows: their words here, not by a template tag per row.
    @property
    def follow_up_label(self):
        return gettext("%(months)s months") % {"months": self.follow_up}

    @property
    def unmatched_label(self):
        return gettext("%(count)s unmatched") % {"count": self.unmatched_total}

    @property
    def unmatched_rows(self):
        return [(UNMATCHED_REASONS[code], count) for code, count in self.unmatched.items()]

    @property
    def measurable(self):
        return self.difference is not None

    def finish(self):
        n = self.matched
        if not n:
            return self
        x = self.successes
        p_t = x / n
        # Weighted by each stratum's share of the row's participants, n_s / n.
        p_c = self.pool_off / n
        unknown = self.pool_unknown / n
        comparison_variance = self.pool_variance / (n * n)
        variance = _plus_two(x, n) * (1 - _plus_two(x, n)) / n + comparison_variance
        half = Z_95 * math.sqrt(variance)
        self.participants_rate, self.comparison_rate = p_t, p_c
        self.difference = p_t - p_c
        self.low, self.high = self.difference - half, self.difference + half
        # A rate outside 0–1 means nothing; the bounds are clipped to it.
        comparison_half = Z_95 * math.sqrt(comparison_variance)
        self.comparison_low = max(0.0, p_c - comparison_half)
        self.comparison_high = min(1.0, p_c + comparison_half)
        self.unknown_reason_share = unknown
        return self

    # Shown as whole percentages and percentage points with one decimal, half up.
    @property
    def participants_percent(self):
        return _percent(self.participants_rate, 0)

    @property
    def comparison_percent(self):
        return _percent(self.comparison_rate, 0)

    @property
    def difference_points(self):
        return _percent(self.difference, 1)

    @property
    def low_points(self):
        return _percent(self.low, 1)

    @property
    def high_points(self):
        return _percent(self.high, 1)

    @property
    def unknown_reason_percent(self):
        return _percent(self.unknown_reason_share, 0)


def _plus_two(successes, count):
    return (successes + 1) / (count + 2)


def _percent(fraction, places):
    if fraction is None:
        return None
    return (Decimal(repr(fraction)) * 100).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


@dataclass
class NetEffects:
    as_of: datetime.date
    first_snapshot: datetime.date | None
    latest_snapshot: datetime.date | None
    snapshots: int
    rows: list  # NetEffect, ordered by follow-up, dimension, label

    def for_follow_up(self, months, dimension="total"):
        return [row for row in self.rows if row.follow_up == months and row.dimension == dimension]

    @property
    def totals(self):
        return [row for row in self.rows if row.dimension == "total"]

    def table(self, dimension):
        """The rows of one split, each programme (group, benefit) with its follow-ups."""
        rows = [row for row in self.rows if row.dimension == dimension]
        return sorted(rows, key=lambda row: (row.label, row.follow_up))


DIMENSIONS = ("total", "programme", "cohort", "target_group", "benefit_type")
# The follow-up's field each split (besides "total") is keyed by.
# The splits a stratum holds (STRATUM): a stratum's participants are in one row of each.
_STRATUM_SPLITS = frozenset({"benefit_type", "target_group"})
# A municipality has hundreds of groups: its page splits by programme, and a programme's
# page by that programme's groups (a table of every group was 2,000 rows at national size).
MUNICIPALITY_DIMENSIONS = tuple(dimension for dimension in DIMENSIONS if dimension != "cohort")


# --- the computation ----------------------------------------------------------------------


def net_effects(municipality, as_of, programme=None, entered_from=None, snapshots=None,
                dimensions=DIMENSIONS):  # fmt: skip
    """The net effect at every follow-up moment, for the municipality (or one programme of
    it), by programme, group (cohort), target group and benefit type, as of `as_of`. The
    caller scopes: `municipality` is the user's own (the views pass
    `request.user.municipality`; its primary key will do). `entered_from`: count only the
    participants who entered on or after this date (a period's cohort, as the dashboard
    counts its gross figures). `snapshots`: the (first, latest, number) of the
    municipality's snapshots taken by `as_of` when the caller has them already (the
    dashboard, from the benchmark figures' statement): one query less. `dimensions`: the
    splits wanted besides "total" (the dashboard and the savings model show the totals
    and the programmes only; a municipality has hundreds of groups)."""
    municipality_id = getattr(municipality, "pk", municipality)
    if snapshots is not None:
        bounds = dict(zip(("first", "last", "count"), snapshots, strict=True))
    else:
        bounds = RegisterSnapshot.objects.filter(
            municipality_id=municipality_id, taken_on__lte=as_of
        ).aggregate(first=Min("taken_on"), last=Max("taken_on"), count=Count("pk"))
    first, last = bounds["first"], bounds["last"]
    splits = [split for split in DIMENSIONS if split != "total" and split in dimensions]
    units = _participant_units(municipality_id, as_of, programme, entered_from, first, last,
                               splits)  # fmt: skip

    # The sums come from SQL (`_sums_sql`): tens of thousands of strata at national size,
    # where a pass over them in Python took longer than the queries. The pools are the
    # stored ones; the strata the pools job has not stored yet (or all of them, where
    # pools are not stored) are computed and handed to the same statement once more.
    found, missing = _sums(municipality_id, units, splits, last, {})
    if missing:
        pools = compute_pools(municipality_id, as_of, missing)
        computed = {stratum: pools.get(stratum, (0, 0, 0)) for stratum in missing}
        found, missing = _sums(municipality_id, units, splits, last, computed)
        if missing:  # a stratum the statement does not recognise as the one it gave
            raise RuntimeError(f"{len(missing)} strata without a pool after computing them")

    rows = {}

    def row(months, dimension, key):
        index = (months, dimension, key)
        if index not in rows:
            rows[index] = NetEffect(follow_up=months, dimension=dimension, key=key)
        return rows[index]

    for months in FOLLOW_UPS:
        row(months, "total", "")
    names = {}
    for kind, dimension, key, months, *numbers in found:
        effect = row(months, dimension, key)
        if kind == "counts":
            name, group, effect.eligible, effect.measured, *unmatched = numbers[:7]
            names[dimension, key] = (name, group)
            for reason, count in zip(_UNMATCHABLE, unmatched, strict=True):
                if count:
                    effect.unmatched[reason] = count
        else:
            (effect.matched, effect.successes, pool_off, pool_unknown, pool_variance,
             effect.comparison_people, no_pool) = numbers[7:]  # fmt: skip
            effect.pool_off, effect.pool_unknown = float(pool_off), float(pool_unknown)
            effect.pool_variance = float(pool_variance)
            if no_pool:
                effect.unmatched["no_pool"] = no_pool

    _label(rows.values(), names)
    ordered = sorted(
        (effect.finish() for effect in rows.values()),
        key=lambda effect: (effect.follow_up, DIMENSIONS.index(effect.dimension), effect.label),
    )
    return NetEffects(as_of=as_of, first_snapshot=first, latest_snapshot=last,
                      snapshots=bounds["count"], rows=ordered)  # fmt: skip


# A follow-up's stratum (`with_strata`), as the stored pools (`ComparisonPool`) key it.
STRATUM = ("enrolled_on", "due_on", "benefit_type", "target_group", "band")


def _sums(municipality_id, units, splits, last, computed):
    """(the rows of `_sums_sql`, the strata none of whose pools is stored or in `computed`
    ({stratum: (m_s, c_s, ended without reason)}; m_s 0: nobody comparable))."""
    connection = read_connection()
    vendor = connection.vendor
    units_sql, units_params = units.query.get_compiler(connection=connection).as_sql()
    pools, pools_params = _pools_sql(municipality_id, last, computed)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH units AS ({_units_select(splits)} FROM ({units_sql}) u), "
            f"pools ({', '.join(_POOL_COLUMNS)}) AS ({pools}), {_sums_sql(vendor, splits)}",
            [*units_params, *pools_params],
        )
        found = cursor.fetchall()
    rows, missing = [], set()
    for kind, *values in found:
        if kind == "missing":
            enrolled_on, due_on, *rest = values[-5:]
            missing.add((_date(enrolled_on), _date(due_on), *rest))
        else:
            rows.append((kind, *values[:-5]))
    return rows, missing


def _units_select(splits):
    # `_participant_units`' aliases as `_sums_sql` reads them: the model has a due_on and a
    # cohort, which an alias may not shadow.
    columns = ["u.months", "u.enrolled_on", "u.stratum_due_on AS due_on", "u.benefit_type",
               "u.target_group", "u.band", "u.unmatchable", "u.eligible", "u.measured",
               "u.successes"]  # fmt: skip
    if {"programme", "cohort"} & set(splits):
        columns += ["u.programme", "u.programme_name"]
    if "cohort" in splits:
        columns += ["u.group_key AS cohort", "u.cohort_name"]
    return f"SELECT {', '.join(columns)}"


def _date(value):
    # SQLite (make run) gives the dates of a raw statement as text.
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


_POOL_COLUMNS = (*STRATUM, "size", "off_for_work", "ended_unknown")


def _pools_sql(municipality_id, last, computed):
    """The pools as rows (STRATUM, size, off_for_work, ended_unknown): the stored ones of
    the register as it stands and as known on `last` (where pools are stored:
    `stores_pools`), and `computed`, as one JSON parameter (tens of thousands of strata
    would pass PostgreSQL's 65,535 parameters as a VALUES list)."""
    columns = _POOL_COLUMNS
    computed_rows = json.dumps(
        [
            dict(zip(columns, (*(str(part) for part in stratum), *pool), strict=True))
            for stratum, pool in computed.items()
        ]
    )
    if not stores_pools():
        values = ", ".join(f"json_extract(value, '$.{column}')" for column in columns)
        return f"SELECT {values} FROM json_each(%s)", [computed_rows]  # noqa: S608 (names of the code)
    fingerprint, params = pool_fingerprint_sql(municipality_id)
    table = connection.ops.quote_name(ComparisonPool._meta.db_table)
    sql = f"""
        SELECT p.enrolled_on, p.due_on, p.benefit_type, p.target_group, p.band,
               p.size, p.off_for_work, p.ended_unknown
        FROM {table} p
        WHERE p.municipality_id = %s AND p.known_on = %s
          AND p.fingerprint = (SELECT {fingerprint})
        UNION ALL
        SELECT * FROM json_to_recordset(%s::json) AS computed (
            enrolled_on date, due_on date, benefit_type text, target_group text, band text,
            size integer, off_for_work integer, ended_unknown integer)
    """  # noqa: S608 (table names and placeholders only)
    return sql, [municipality_id, last, *params, computed_rows]


# The reasons `with_strata` gives; "no_pool" is known once the pools are.
_UNMATCHABLE = ("before_register", "after_register", "incomplete")
# The columns of `_sums_sql`'s rows after the kind, with their types: a "counts" row fills
# the first nine (row, its names, eligible, measured, unmatched by reason), a "sums" row the
# row and the seven sums, a "missing" row the stratum.
_COLUMNS = {
    "dimension": "text", "key": "text", "months": "integer", "name": "text",
    "group_name": "text", "eligible": "integer", "measured": "integer",
    **dict.fromkeys(_UNMATCHABLE, "integer"),
    "matched": "integer", "successes": "integer", "pool_off": "number",
    "pool_unknown": "number", "pool_variance": "number", "people": "integer",
    "no_pool": "integer", "enrolled_on": "date", "due_on": "date",
    "benefit_type": "text", "target_group": "text", "band": "text",
}  # fmt: skip


_SUM_COLUMNS = ("matched", "successes", "pool_off", "pool_unknown", "pool_variance",
                "people", "no_pool")  # fmt: skip


def _number(vendor):
    # The strata's terms are floats; PostgreSQL adds them up as exact decimals (15
    # significant digits each), whatever order its plan adds them in: the stored and the
    # computed pools give the same figures to the last digit. (SQLite, make run's demo,
    # has floats only.)
    return "NUMERIC" if vendor == "postgresql" else "REAL"


def _float(vendor):
    return "DOUBLE PRECISION" if vendor == "postgresql" else "REAL"


def _select(vendor, kind, columns):
    """One branch of `_sums_sql`'s UNION: `columns` {name: expression}, NULL elsewhere;
    each of a type both databases agree on (PostgreSQL's SUM of a count is a numeric)."""
    # SQLite keeps dates as text; a CAST to DATE would make 2025 of "2025-03-01".
    types = {"text": "TEXT", "integer": "BIGINT",
             "date": "DATE" if vendor == "postgresql" else "TEXT",
             "number": _number(vendor)}  # fmt: skip
    values = ", ".join(
        f"CAST({columns.get(column, 'NULL')} AS {types[kind_of]})"
        for column, kind_of in _COLUMNS.items()
    )
    return f"SELECT '{kind}', {values}"


def _sums_sql(vendor, splits):
    """The rest of the statement after the follow-ups (`units`, `with_strata`, one row per
    combination of follow-up moment, split values and stratum) and the pools (`pools`):
    per row of the page, the counts (eligible, measured, unmatched by reason), and over
    the row's strata s with a pool, its participants n_s, of whom x_s off for work, and
    the sums of n_s·c_s/m_s, n_s·u_s/m_s, n_s²·q_s(1−q_s)/m_s (NetEffect) and m_s; and the
    strata without a pool row ("missing").

    A stratum's participants within a follow-up moment are counted whole before their term
    is squared. The rows of everyone, a target group and a benefit type see the same
    participants of a stratum (it holds the target group and the benefit type); the rows
    of a programme and of a group count their own."""
    number, real = _number(vendor), _float(vendor)
    stratum = ", ".join(STRATUM)
    # q_s, the plus-two rate of the pool (`_plus_two`), for the variance.
    q = f"(CAST(p.off_for_work + 1 AS {real}) / (p.size + 2))"
    own = [split for split in splits if split not in _STRATUM_SPLITS]
    cells = [
        f"""SELECT 'total' AS dimension, '' AS key, months, {stratum},
                   SUM(measured) AS n, SUM(successes) AS x
            FROM units WHERE unmatchable IS NULL AND measured > 0
            GROUP BY months, {stratum}"""  # noqa: S608 (names of the code only)
    ]
    cells += [
        f"""SELECT '{split}', CAST({split} AS TEXT), months, {stratum},
                   SUM(measured), SUM(successes)
            FROM units WHERE unmatchable IS NULL AND measured > 0
            GROUP BY {split}, months, {stratum}"""  # noqa: S608 (names of the code only)
        for split in own
    ]
    sums = {"months": "months", **{column: f"SUM({column})" for column in _SUM_COLUMNS}}
    rows = [
        _select(vendor, "sums", {"dimension": "dimension", "key": "key", **sums})
        + " FROM cell_sums GROUP BY dimension, key, months"
    ]
    rows += [
        _select(vendor, "sums", {"dimension": f"'{split}'", "key": split, **sums})
        + f" FROM cell_sums WHERE dimension = 'total' GROUP BY {split}, months"
        for split in splits
        if split in _STRATUM_SPLITS
    ]
    rows.append(
        _select(vendor, "missing", {column: column for column in STRATUM})
        + f" FROM terms WHERE missing = 1 AND dimension = 'total' GROUP BY {stratum}"
    )
    unmatched = {
        reason: f"SUM(CASE WHEN unmatchable = '{reason}' THEN measured ELSE 0 END)"
        for reason in _UNMATCHABLE
    }
    counted = {"months": "months", "eligible": "SUM(eligible)",
               "measured": "SUM(measured)", **unmatched}  # fmt: skip
    rows.append(
        _select(vendor, "counts", {"dimension": "'total'", "key": "''", **counted})
        + " FROM units GROUP BY months"
    )
    names = {
        "programme": {"name": "MAX(programme_name)"},
        "cohort": {"name": "MAX(programme_name)", "group_name": "MAX(cohort_name)"},
    }
    for split in splits:
        row = {"dimension": f"'{split}'", "key": f"CAST({split} AS TEXT)"}
        rows.append(
            _select(vendor, "counts", {**row, **names.get(split, {}), **counted})
            + f" FROM units GROUP BY {split}, months"
        )
    cell_columns = ", ".join(f"c.{column}" for column in STRATUM)
    # Exact decimals on PostgreSQL (`_number`): the same sums in whatever order.
    cell_sums = ", ".join(f"SUM(CAST({column} AS {number})) AS {column}"
                          for column in _SUM_COLUMNS)  # fmt: skip
    return f"""
        cells AS ({" UNION ALL ".join(cells)}),
        terms AS (
            SELECT c.dimension, c.key, c.months, {cell_columns},
                   CASE WHEN p.size > 0 THEN c.n ELSE 0 END AS matched,
                   CASE WHEN p.size > 0 THEN c.x ELSE 0 END AS successes,
                   CASE WHEN p.size > 0
                        THEN c.n * (CAST(p.off_for_work AS {real}) / p.size)
                        ELSE 0 END AS pool_off,
                   CASE WHEN p.size > 0
                        THEN c.n * (CAST(p.ended_unknown AS {real}) / p.size)
                        ELSE 0 END AS pool_unknown,
                   CASE WHEN p.size > 0 THEN (c.n * c.n) * ({q} * (1 - {q}) / p.size)
                        ELSE 0 END AS pool_variance,
                   CASE WHEN p.size > 0 THEN p.size ELSE 0 END AS people,
                   CASE WHEN p.size = 0 THEN c.n ELSE 0 END AS no_pool,
                   CASE WHEN p.size IS NULL THEN 1 ELSE 0 END AS missing
            FROM cells c
            LEFT JOIN pools p
              ON p.enrolled_on = c.enrolled_on AND p.due_on = c.due_on
             AND p.benefit_type = c.benefit_type AND p.target_group = c.target_group
             AND p.band = c.band
        ),
        -- Per cell of (row, benefit type, target group) first: the rows of everyone, a
        -- target group and a benefit type add up the same hundred or so cells.
        cell_sums AS (
            SELECT dimension, key, months, benefit_type, target_group, {cell_sums}
            FROM terms GROUP BY dimension, key, months, benefit_type, target_group
        )
        {" UNION ALL ".join(rows)}
    """  # noqa: S608 (column names and literals of the code only)


def counted_follow_ups(municipality_id):
    """THE follow-ups the net effect counts: the municipality's cohorts, not the manual
    comparison group, at the follow-up moments it reports. The page, the pools job and the
    research export of the comparison group (exports.py) all start from these."""
    return OutcomeMeasurement.objects.filter(
        cohort__programme__municipality_id=municipality_id,
        participant__in_comparison_group=False,
        follow_up__in=FOLLOW_UPS,
    )


def with_strata(follow_ups, first, last):
    """The follow-ups with their stratum's band of benefit duration (`band`,
    `DurationBand.expression`) and the reason they cannot be matched (`unmatchable`, NULL:
    they can), from the first and latest snapshot's dates: entered before the first
    snapshot, due after the latest, benefit start or age unknown. The one definition the
    page's sums, the pools job (`pool_strata`) and the research export's comparison group
    use; a follow-up that can be matched has its stratum in `STRATUM_PATHS`."""
    band = DurationBand.expression("participant__benefit_start", "participant__enrolled_on")
    if first is None:
        reason = Value("before_register")
    else:
        incomplete = Q(band__isnull=True) | ~Q(participant__target_group__in=TARGET_GROUPS)
        reason = Case(
            When(participant__enrolled_on__lt=first, then=Value("before_register")),
            When(due_on__gt=last, then=Value("after_register")),
            When(incomplete, then=Value("incomplete")),
            default=Value(None),
            output_field=CharField(),
        )
    return follow_ups.annotate(band=band).annotate(unmatchable=reason)


# A follow-up's stratum (`with_strata`), in the order of STRATUM.
STRATUM_PATHS = ("participant__enrolled_on", "due_on", "participant__benefit_type",
                 "participant__target_group", "band")  # fmt: skip


def _participant_units(municipality_id, as_of, programme, entered_from, first, last, splits):
    """The cohort's follow-ups due by the as-of date, grouped by everything a stratum and the
    `splits` need, in SQL to be read by `_sums_sql` as `units`: (months, programme,
    cohort, STRATUM, unmatchable, programme_name, cohort_name, eligible, measured,
    successes); programme and cohort only where a split needs them."""
    measured = Q(measured_on__lte=as_of)
    queryset = counted_follow_ups(municipality_id).filter(
        participant__enrolled_on__lte=as_of, due_on__lte=as_of
    )
    if programme is not None:
        queryset = queryset.filter(cohort__programme=programme)
    if entered_from is not None:
        queryset = queryset.filter(participant__enrolled_on__gte=entered_from)
    # Aliases the model's fields do not have; `_sums` names the columns after them.
    columns = {
        "months": F("follow_up"),
        "enrolled_on": F("participant__enrolled_on"),
        "stratum_due_on": F("due_on"),
        "benefit_type": F("participant__benefit_type"),
        "target_group": F("participant__target_group"),
    }
    if {"programme", "cohort"} & set(splits):
        columns |= {"programme": F("cohort__programme_id"),
                    "programme_name": F("cohort__programme__name")}  # fmt: skip
    if "cohort" in splits:
        columns |= {"group_key": F("cohort_id"), "cohort_name": F("cohort__name")}
    return (
        with_strata(queryset, first, last)
        .values("band", "unmatchable", **columns)
        .annotate(
            eligible=Count("pk"),
            measured=Count("pk", filter=measured),
            successes=Count("pk", filter=measured & OUTFLOW_TO_WORK),
        )
        .order_by()
    )


def _spells_sql(vendor, municipality_id, as_of):
    """The municipality's spells known by the as-of date, each with what the pool's tests
    need, computed once per spell rather than once per (stratum, spell) pair:

    - live_until: the end as known on the as-of date (NULL: still on benefit), so that
      "on benefit on e" is `live_until IS NULL OR live_until >= e`;
    - known_end: the end when it was recorded by the as-of date;
    - ended_for: 1 ended for work (OUTFLOW_TO_WORK_REASONS), 2 without a reason, 0 else;
    - free, joined_on: not linked to a programme participant (or linked to one in the
      comparison group); else the participant's enrolment date;
    - back (PostgreSQL): the days a later spell of the person, known by the as-of date,
      has them on benefit, as a datemultirange, so that "back on benefit at t" is
      `back @> t`: one index lookup per ended spell instead of one per pair.
    SQLite has no multiranges; `make run` on SQLite keeps the per-pair NOT EXISTS (the
    demo is small), PostgreSQL (production, and what the tests run on) takes `back`.
    """
    quote = connection.ops.quote_name
    spell = quote(BenefitSpell._meta.db_table)
    person = quote(RegisterPerson._meta.db_table)
    participant = quote(Participant._meta.db_table)
    reasons = ", ".join(["%s"] * len(OUTFLOW_TO_WORK_REASONS))
    reason_values = [str(reason) for reason in OUTFLOW_TO_WORK_REASONS]
    params = [as_of, as_of, *reason_values]
    back = "NULL"
    if vendor == "postgresql":
        # A later spell with an end before its start covers no day (and daterange would
        # refuse it): left out, as the NOT EXISTS it replaces finds no day in it either.
        back = f"""CASE WHEN sp.end_recorded_on <= %s AND sp.ended_on IS NOT NULL
                        AND (sp.end_reason IN ({reasons}) OR sp.end_reason = '') THEN (
            SELECT range_agg(daterange(later.started_on, later.live_until, '[]'))
            FROM (
                SELECT l.started_on,
                       CASE WHEN l.ended_on IS NULL OR l.end_recorded_on > %s THEN NULL
                            ELSE l.ended_on END AS live_until
                FROM {spell} l
                WHERE l.person_id = sp.person_id AND l.started_on > sp.started_on
                  AND l.first_seen_on <= %s
            ) later
            WHERE later.live_until IS NULL OR later.live_until >= later.started_on
        ) END"""  # noqa: S608 (table names and placeholders only)
        params += [as_of, *reason_values, as_of, as_of]
    sql = f"""
        SELECT sp.id, sp.person_id, sp.benefit_type, sp.started_on, pe.birth_year,
               CASE WHEN sp.ended_on IS NULL OR sp.end_recorded_on > %s THEN NULL
                    ELSE sp.ended_on END AS live_until,
               CASE WHEN sp.end_recorded_on <= %s THEN sp.ended_on END AS known_end,
               CASE WHEN sp.end_reason IN ({reasons}) THEN 1
                    WHEN sp.end_reason = '' THEN 2 ELSE 0 END AS ended_for,
               CASE WHEN pa.id IS NULL OR pa.in_comparison_group THEN 1 ELSE 0 END AS free,
               pa.enrolled_on AS joined_on,
               {back} AS back
        FROM {spell} sp
        JOIN {person} pe ON pe.id = sp.person_id
        LEFT JOIN {participant} pa ON pa.id = pe.participant_id
        WHERE sp.municipality_id = %s AND sp.first_seen_on <= %s
    """  # noqa: S608 (table names and placeholders only)
    return sql, [*params, municipality_id, as_of]


def _outcome_sql(vendor, as_of, due):
    """(off benefit for work at `due`, its params, ended without a reason at `due`, its
    params) for a row `sp` of `_spells_sql`: ended before t (known by the as-of date) and
    not back on benefit at t through a later spell."""
    if vendor == "postgresql":
        back, params = f"NOT COALESCE(sp.back @> {due}, FALSE)", []
    else:
        spell = connection.ops.quote_name(BenefitSpell._meta.db_table)
        back = f"""NOT EXISTS (
            SELECT 1 FROM {spell} later
            WHERE later.person_id = sp.person_id AND later.started_on > sp.started_on
              AND later.started_on <= {due} AND later.first_seen_on <= %s
              AND (later.ended_on IS NULL OR later.ended_on >= {due}
                   OR later.end_recorded_on > %s))"""  # noqa: S608 (table names and placeholders only)
        params = [as_of, as_of]
    ended = f"sp.known_end < {due} AND {back}"
    return f"sp.ended_for = 1 AND {ended}", params, f"sp.ended_for = 2 AND {ended}", params


def _strata_values(strata):
    values, params = [], []
    for index, (enrolled_on, due_on, benefit_type, group, band) in enumerate(strata):
        year_from, year_to = birth_years(enrolled_on)[group]
        _code, low, high, _label = DurationBand.by_code(band)
        after, until = DurationBand.bounds(enrolled_on, low, high)
        values.append("(%s, %s, %s, %s, %s, %s, %s, %s)")
        params += [index, enrolled_on, due_on, benefit_type, year_from, year_to, after, until]
    return values, params


def pool_sql(municipality_id, as_of, strata, vendor=None):
    """The comparison pool of every stratum as SQL, the one definition the net effect and
    the research export's comparison group share: (the FROM … WHERE clause, its params,
    the CASE condition "off benefit for work at t", its params, the same for "ended
    without a reason"). Rows: `s` (the stratum; `s.k` its index in `strata`) and `sp`
    (the matching spell, with its person in `sp.person_id`; columns: `_spells_sql`).
    `compute_pools` counts the same pools with the same conditions, by (enrolment date, benefit
    type, group, band) at once."""
    vendor = vendor or read_connection().vendor
    values, params = _strata_values(strata)
    spells, spell_params = _spells_sql(vendor, municipality_id, as_of)
    # MATERIALIZED: computed once, and never pulled into the pair join (where `back`
    # would be recomputed per pair). Column names through a WITH inside the subquery:
    # SQLite (make run) takes no column list after a VALUES subquery's alias.
    materialized = "MATERIALIZED" if vendor == "postgresql" else ""
    pool = f"""
        FROM (
            WITH strata (k, enrolled_on, due_on, benefit_type, year_from, year_to,
                         start_after, start_until) AS (VALUES {", ".join(values)})
            SELECT * FROM strata
        ) s
        JOIN (WITH spells AS {materialized} ({spells}) SELECT * FROM spells) sp
          ON sp.benefit_type = s.benefit_type
         AND sp.started_on > s.start_after AND sp.started_on <= s.start_until
         AND sp.birth_year BETWEEN s.year_from AND s.year_to
         AND (sp.live_until IS NULL OR sp.live_until >= s.enrolled_on)
        WHERE sp.free = 1 OR sp.joined_on > s.due_on
    """  # noqa: S608 (table names and placeholders only)
    off, off_params, unknown, unknown_params = _outcome_sql(vendor, as_of, "s.due_on")
    return pool, [*params, *spell_params], off, off_params, unknown, unknown_params


def compute_pools(municipality_id, as_of, strata):
    """{stratum: (m_s, c_s, ended without reason)} for every stratum with a pool, in one
    query, with `pool_sql`'s conditions (`_spells_sql`, `_outcome_sql`).

    The work follows the pairs (key, spell) that match, not strata × spells:
    - strata that differ only in their due date share a key (enrolment date, benefit type,
      group, band) and one pass over its spells, which counts every due date at once;
    - a key meets only the spells of its benefit type, birth years and calendar years of
      benefit start (equality join keys), the exact window is checked on those alone; a
      join on the benefit type with range conditions compared every stratum with every
      spell of its type;
    - each spell's end, programme entry and later spells are computed once per spell.
    The pairs themselves still grow with pool size × keys (both grow with a
    municipality), so this query is not linear in the register's size.
    """
    if not strata:
        return {}
    vendor = read_connection().vendor
    dues = {}
    for enrolled_on, due_on, benefit_type, group, band in strata:
        dues.setdefault((enrolled_on, benefit_type, group, band), set()).add(due_on)
    keys = sorted(dues)
    width = max(len(found) for found in dues.values())
    values, params = [], []
    for index, (enrolled_on, benefit_type, group, band) in enumerate(keys):
        year_from, year_to = birth_years(enrolled_on)[group]
        _code, low, high, _label = DurationBand.by_code(band)
        after, until = DurationBand.bounds(enrolled_on, low, high)
        due_dates = sorted(dues[enrolled_on, benefit_type, group, band])
        due_dates += [due_dates[-1]] * (width - len(due_dates))
        values.append(f"({', '.join(['%s'] * (9 + width))})")
        params += [index, enrolled_on, benefit_type, year_from, year_to, after, until,
                   after.year, until.year, *due_dates]  # fmt: skip
    due_columns = [f"due_{number}" for number in range(width)]
    spells, spell_params = _spells_sql(vendor, municipality_id, as_of)
    # Most pairs are someone who never entered a programme and did not end their spell
    # for work or without a reason: they count in every due date's pool and nowhere else.
    # The pairs are counted once; the per-due-date conditions are evaluated only on the
    # pairs of the other spells ("marked").
    counts, count_params = [], []
    for column in due_columns:
        left_out = f"sp.free = 0 AND NOT COALESCE(sp.joined_on > s.{column}, FALSE)"
        off, off_params, unknown, unknown_params = _outcome_sql(vendor, as_of, f"s.{column}")
        in_pool = f"NOT ({left_out})"
        counts += [
            f"SUM(CASE WHEN {left_out} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {in_pool} AND {off} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {in_pool} AND {unknown} THEN 1 ELSE 0 END)",
        ]
        count_params += [*off_params, *unknown_params]
    start_year = (
        "CAST(EXTRACT(YEAR FROM started_on) AS integer)"
        if vendor == "postgresql"
        else "CAST(strftime('%%Y', started_on) AS integer)"
    )
    materialized = "MATERIALIZED" if vendor == "postgresql" else ""
    # A key and a spell of its pool: the same test for all pairs and for the marked ones.
    pair = """
          ON sp.benefit_type = s.benefit_type AND sp.birth_year = s.birth_year
         AND sp.start_year = s.start_year
        WHERE sp.started_on > s.start_after AND sp.started_on <= s.start_until
          AND (sp.live_until IS NULL OR sp.live_until >= s.enrolled_on)"""
    sql = f"""
        WITH keys (k, enrolled_on, benefit_type, year_from, year_to, start_after,
                   start_until, start_year_from, start_year_to, {", ".join(due_columns)})
             AS (VALUES {", ".join(values)}),
        spells AS {materialized} (
            SELECT spells.*, {start_year} AS start_year FROM ({spells}) spells
        ),
        born (year) AS (SELECT DISTINCT birth_year FROM spells),
        started (year) AS (SELECT DISTINCT start_year FROM spells),
        buckets AS {materialized} (
            SELECT keys.*, born.year AS birth_year, started.year AS start_year
            FROM keys
            JOIN born ON born.year BETWEEN keys.year_from AND keys.year_to
            JOIN started ON started.year BETWEEN keys.start_year_from AND keys.start_year_to
        ),
        marked AS {materialized} (
            SELECT * FROM spells
            WHERE free = 0 OR (ended_for > 0 AND known_end IS NOT NULL)
        )
        SELECT s.k, COUNT(*), {", ".join(["NULL"] * len(counts))}
        FROM buckets s
        JOIN spells sp {pair}
        GROUP BY s.k
        UNION ALL
        SELECT s.k, NULL, {", ".join(counts)}
        FROM buckets s
        JOIN marked sp {pair}
        GROUP BY s.k
    """  # noqa: S608 (table names and placeholders only)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*params, *spell_params, *count_params])
        found = cursor.fetchall()
    pairs, marked = {}, {}
    for index, count, *numbers in found:
        if count is not None:
            pairs[index] = count
        else:
            marked[index] = numbers
    pools = {}
    for index, count in pairs.items():
        enrolled_on, benefit_type, group, band = keys[index]
        numbers = marked.get(index, [0] * (3 * width))
        for column, due_on in enumerate(sorted(dues[keys[index]])):
            left_out, off, unknown = numbers[3 * column : 3 * column + 3]
            if count - left_out:
                pools[enrolled_on, due_on, benefit_type, group, band] = (
                    count - left_out,
                    off,
                    unknown,
                )
    return pools


# Part of every stored pool's fingerprint: raise it when the pools' definition changes
# (`pool_sql`, `compute_pools`), so that no pool computed by the old one is read again.
POOL_DEFINITION = "1"


def pool_fingerprint_sql(municipality_id):
    """(SQL expression, params): a digest of everything a comparison pool depends on
    besides the spells recorded by its snapshot date: every snapshot of the municipality
    (an import may change what earlier snapshots' spells say, e.g. a gap closed) and every
    register person's participant with the enrolment date and comparison-group flag that
    decide who is in the pool (`_spells_sql`: free, joined_on). Whatever path changes one of
    them (a form, an import, an erasure, a bulk update), the digest changes with it.
    PostgreSQL only (md5, string_agg)."""
    quote = connection.ops.quote_name
    snapshot = quote(RegisterSnapshot._meta.db_table)
    person = quote(RegisterPerson._meta.db_table)
    participant = quote(Participant._meta.db_table)
    sql = f"""md5(%s
        || '|' || COALESCE((SELECT string_agg(sn.id || ':' || sn.taken_on, ',' ORDER BY sn.id)
                            FROM {snapshot} sn WHERE sn.municipality_id = %s), '')
        || '|' || COALESCE((SELECT string_agg(pe.id || ':' || pa.id || ':' || pa.enrolled_on
                                              || ':' || pa.in_comparison_group, ','
                                              ORDER BY pe.id)
                            FROM {person} pe JOIN {participant} pa ON pa.id = pe.participant_id
                            WHERE pe.municipality_id = %s AND pa.municipality_id = %s), ''))"""  # noqa: S608 (table names and placeholders only)
    # A person is linked only to a participant of their own municipality (the import
    # recognises the BSN there): the second condition lets an index find the participants.
    return sql, [POOL_DEFINITION, municipality_id, municipality_id, municipality_id]


def stores_pools():
    # SQLite (`make run`'s small demo) has no md5: its pages compute the pools.
    return read_connection().vendor == "postgresql"


def stored_pools(municipality_id, known_on):
    """({stratum: (m_s, c_s, ended without reason) or None for "no pool"}, fingerprint):
    the pools stored for the register as it stands now and as known on `known_on`, and the
    fingerprint they were looked up by; one query."""
    fingerprint, params = pool_fingerprint_sql(municipality_id)
    table = connection.ops.quote_name(ComparisonPool._meta.db_table)
    sql = f"""
        WITH current (fingerprint) AS MATERIALIZED (SELECT {fingerprint})
        SELECT current.fingerprint, p.enrolled_on, p.due_on, p.benefit_type, p.target_group,
               p.band, p.size, p.off_for_work, p.ended_unknown
        FROM current
        LEFT JOIN {table} p ON p.fingerprint = current.fingerprint
         AND p.municipality_id = %s AND p.known_on = %s
    """  # noqa: S608 (table names and placeholders only)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*params, municipality_id, known_on])
        found = cursor.fetchall()
    # A row: fingerprint, the stratum's five fields, then m_s, c_s and u_s (m_s 0: no pool).
    pools = {row[1:6]: row[6:] if row[6] else None for row in found if row[1] is not None}
    return pools, found[0][0]


def pool_strata(municipality_id, first, last):
    """Every stratum the municipality's participants' follow-ups can need on any date from
    `last` (the latest snapshot) on: the follow-ups due by `last`, measured or not yet (a
    measurement may come in later), that can be matched (`with_strata`)."""
    follow_ups = counted_follow_ups(municipality_id).filter(due_on__lte=last)
    rows = with_strata(follow_ups, first, last).filter(unmatchable__isnull=True)
    return set(rows.values_list(*STRATUM_PATHS).distinct().order_by())


def _label(effects, names):
    # names: {(dimension, key): (programme's name, group's name)}, from the counts rows.
    groups = dict(TargetGroup.choices)
    benefits = dict(BenefitType.choices)
    for effect in effects:
        if effect.dimension == "programme":
            effect.label = names.get(("programme", effect.key), ("", None))[0]
        elif effect.dimension == "cohort":
            programme, cohort = names.get(("cohort", effect.key), (None, None))
            effect.label = f"{programme} · {cohort}" if cohort else ""
        elif effect.dimension == "target_group":
            effect.label = str(groups.get(effect.key, effect.key))
        elif effect.dimension == "benefit_type":
            effect.label = str(benefits.get(effect.key, effect.key))
        else:
            effect.label = str(_("All participants"))


def open_imports(user):
    """The user's municipality's imports still in progress or waiting for a decision:
    the register page links them, so that a manager who left the page finds them back."""
    return (
        SnapshotImport.objects.for_user(user)
        .filter(stage__in=[ImportStage.CHECK, ImportStage.CHECKED, ImportStage.IMPORT])
        .order_by("-requested_at", "-pk")[:10]
    )

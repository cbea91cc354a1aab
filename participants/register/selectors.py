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
selects people with better prospects. Computed in three queries whatever the numbers:
the snapshots' dates, the participants' follow-ups grouped by stratum (with the names
of their groups and programmes), and, when any follow-up can be matched, one query over
the register for every stratum's pool together (a VALUES list joined to the spells).
"""

import datetime
import functools
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import Count, Max, Min, Q
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
        had not started yet. Both arms use the same bounds (`bounds`)."""
        for code, low, high, _label in cls.BANDS:
            after, until = cls.bounds(on_date, low, high)
            if after < started_on <= until:
                return code
        return None

    @classmethod
    def by_code(cls, code):
        return next(band for band in cls.BANDS if band[0] == code)


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
    # Per stratum: [participants n_s, participants off benefit, pool m_s, pool off c_s,
    # pool ended without reason].
    strata: dict = field(default_factory=dict, repr=False)
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
        p_c = 0.0
        unknown = 0.0
        comparison_variance = 0.0
        for n_s, _x_s, m_s, c_s, u_s in self.strata.values():
            weight = n_s / n
            p_c += weight * c_s / m_s
            unknown += weight * u_s / m_s
            comparison_variance += (
                weight**2 * _plus_two(c_s, m_s) * (1 - _plus_two(c_s, m_s)) / m_s
            )
            self.comparison_people += m_s
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


# --- the computation ----------------------------------------------------------------------


def net_effects(municipality, as_of, programme=None, entered_from=None, snapshots=None):
    """The net effect at every follow-up moment, for the municipality (or one programme of
    it), by programme, group (cohort), target group and benefit type, as of `as_of`. The
    caller scopes: `municipality` is the user's own (the views pass
    `request.user.municipality`; its primary key will do). `entered_from`: count only the
    participants who entered on or after this date (a period's cohort, as the dashboard
    counts its gross figures). `snapshots`: the (first, latest, number) of the
    municipality's snapshots taken by `as_of` when the caller has them already (the
    dashboard, from the benchmark figures' statement): one query less."""
    municipality_id = getattr(municipality, "pk", municipality)
    if snapshots is not None:
        bounds = dict(zip(("first", "last", "count"), snapshots, strict=True))
    else:
        bounds = RegisterSnapshot.objects.filter(
            municipality_id=municipality_id, taken_on__lte=as_of
        ).aggregate(first=Min("taken_on"), last=Max("taken_on"), count=Count("pk"))
    first, last = bounds["first"], bounds["last"]
    units = _participant_units(municipality_id, as_of, programme, entered_from)

    rows = {}

    def row(months, dimension, key):
        index = (months, dimension, str(key))
        if index not in rows:
            rows[index] = NetEffect(follow_up=months, dimension=dimension, key=str(key))
        return rows[index]

    candidates = []  # (unit, stratum)
    for months in FOLLOW_UPS:
        row(months, "total", "")
    for unit in units:
        targets = [
            row(unit["follow_up"], "total", ""),
            row(unit["follow_up"], "programme", unit["cohort__programme_id"]),
            row(unit["follow_up"], "cohort", unit["cohort_id"]),
            row(unit["follow_up"], "target_group", unit["participant__target_group"]),
            row(unit["follow_up"], "benefit_type", unit["participant__benefit_type"]),
        ]
        for target in targets:
            target.eligible += unit["eligible"]
            target.measured += unit["measured"]
        if not unit["measured"]:
            continue
        reason, stratum = _stratum(unit, first, last)
        if reason:
            for target in targets:
                target.unmatched[reason] = target.unmatched.get(reason, 0) + unit["measured"]
            continue
        candidates.append((unit, stratum, targets))

    pools = _pools(municipality_id, as_of, {stratum for _unit, stratum, _targets in candidates})
    for unit, stratum, targets in candidates:
        pool = pools.get(stratum)
        for target in targets:
            if pool is None:
                target.unmatched["no_pool"] = target.unmatched.get("no_pool", 0) + unit["measured"]
                continue
            target.matched += unit["measured"]
            target.successes += unit["successes"]
            entry = target.strata.setdefault(stratum, [0, 0, *pool])
            entry[0] += unit["measured"]
            entry[1] += unit["successes"]

    _label(rows.values(), units)
    ordered = sorted(
        (effect.finish() for effect in rows.values()),
        key=lambda effect: (effect.follow_up, DIMENSIONS.index(effect.dimension), effect.label),
    )
    return NetEffects(as_of=as_of, first_snapshot=first, latest_snapshot=last,
                      snapshots=bounds["count"], rows=ordered)  # fmt: skip


def _participant_units(municipality_id, as_of, programme, entered_from=None):
    """The cohort's follow-ups due by the as-of date, grouped by everything a stratum and a
    split need: one grouped query, however many participants."""
    measured = Q(measured_on__lte=as_of)
    queryset = OutcomeMeasurement.objects.filter(
        cohort__programme__municipality_id=municipality_id,
        participant__in_comparison_group=False,
        participant__enrolled_on__lte=as_of,
        follow_up__in=FOLLOW_UPS,
        due_on__lte=as_of,
    )
    if programme is not None:
        queryset = queryset.filter(cohort__programme=programme)
    if entered_from is not None:
        queryset = queryset.filter(participant__enrolled_on__gte=entered_from)
    return list(
        queryset.values(
            "follow_up",
            "cohort__programme_id",
            "cohort_id",
            "cohort__name",
            "cohort__programme__name",
            "due_on",
            "participant__enrolled_on",
            "participant__benefit_type",
            "participant__target_group",
            "participant__benefit_start",
        )
        .annotate(
            eligible=Count("pk"),
            measured=Count("pk", filter=measured),
            successes=Count("pk", filter=measured & OUTFLOW_TO_WORK),
        )
        .order_by()
    )


def _stratum(unit, first, last):
    """(reason it cannot be matched, None) or (None, stratum)."""
    enrolled_on, due_on = unit["participant__enrolled_on"], unit["due_on"]
    if first is None or enrolled_on < first:
        return "before_register", None
    if due_on > last:
        return "after_register", None
    started_on = unit["participant__benefit_start"]
    group = unit["participant__target_group"]
    band = DurationBand.of(started_on, enrolled_on) if started_on else None
    if band is None or group not in TargetGroup.values:
        return "incomplete", None
    return None, (enrolled_on, due_on, unit["participant__benefit_type"], group, band)


def pool_sql(municipality_id, as_of, strata):
    """The comparison pool of every stratum as SQL, the one definition the net effect and
    the research export's comparison group share: (the FROM … WHERE clause, its params,
    the CASE condition "off benefit for work at t", its params, the same for "ended
    without a reason"). Rows: `s` (the stratum; `s.k` its index in `strata`), `sp` (the
    matching spell) and `pe` (the person)."""
    values, params = [], []
    for index, (enrolled_on, due_on, benefit_type, group, band) in enumerate(strata):
        year_from, year_to = birth_years(enrolled_on)[group]
        _code, low, high, _label = DurationBand.by_code(band)
        after, until = DurationBand.bounds(enrolled_on, low, high)
        values.append("(%s, %s, %s, %s, %s, %s, %s, %s)")
        params += [index, enrolled_on, due_on, benefit_type, year_from, year_to, after, until]
    quote = connection.ops.quote_name
    spell = quote(BenefitSpell._meta.db_table)
    person = quote(RegisterPerson._meta.db_table)
    participant = quote(Participant._meta.db_table)
    reasons = ", ".join(["%s"] * len(OUTFLOW_TO_WORK_REASONS))
    # Off benefit at t: ended before t (known by the as-of date) and not back on benefit
    # at t through a later spell.
    off_at_due = f"""
        sp.ended_on < s.due_on AND sp.end_recorded_on <= %s
        AND NOT EXISTS (
            SELECT 1 FROM {spell} later
            WHERE later.person_id = sp.person_id AND later.started_on > sp.started_on
              AND later.started_on <= s.due_on AND later.first_seen_on <= %s
              AND (later.ended_on IS NULL OR later.ended_on >= s.due_on
                   OR later.end_recorded_on > %s))"""  # noqa: S608 (table names and placeholders only)
    pool = f"""
        FROM (
            WITH strata (k, enrolled_on, due_on, benefit_type, year_from, year_to,
                         start_after, start_until) AS (VALUES {", ".join(values)})
            SELECT * FROM strata
        ) s
        JOIN {spell} sp
          ON sp.municipality_id = %s AND sp.benefit_type = s.benefit_type
         AND sp.started_on > s.start_after AND sp.started_on <= s.start_until
         AND sp.first_seen_on <= %s
         AND (sp.ended_on IS NULL OR sp.ended_on >= s.enrolled_on OR sp.end_recorded_on > %s)
        JOIN {person} pe
          ON pe.id = sp.person_id AND pe.birth_year BETWEEN s.year_from AND s.year_to
        LEFT JOIN {participant} pa ON pa.id = pe.participant_id
        WHERE pa.id IS NULL OR pa.in_comparison_group OR pa.enrolled_on > s.due_on
    """  # noqa: S608 (table names and placeholders only)
    # Column names through a WITH inside the subquery: SQLite (make run) takes no column
    # list after a VALUES subquery's alias, PostgreSQL and SQLite both take this.
    params += [municipality_id, as_of, as_of]
    reason_values = [str(reason) for reason in OUTFLOW_TO_WORK_REASONS]
    off = f"{off_at_due} AND sp.end_reason IN ({reasons})"
    unknown = f"{off_at_due} AND sp.end_reason = ''"
    return pool, params, off, [as_of, as_of, as_of, *reason_values], unknown, [as_of] * 3


def _pools(municipality_id, as_of, strata):
    """{stratum: (m_s, c_s, ended without reason)} for every stratum with a pool, in one
    query: the strata as a VALUES list joined to the register's spells."""
    if not strata:
        return {}
    strata = sorted(strata)
    pool, pool_params, off, off_params, unknown, unknown_params = pool_sql(
        municipality_id, as_of, strata
    )
    sql = f"""
        SELECT s.k, COUNT(*),
               SUM(CASE WHEN {off} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {unknown} THEN 1 ELSE 0 END)
        {pool}
        GROUP BY s.k
    """  # noqa: S608 (table names and placeholders only)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*off_params, *unknown_params, *pool_params])
        found = cursor.fetchall()
    return {strata[index]: (pool, off or 0, unknown or 0) for index, pool, off, unknown in found}


def _label(effects, units):
    # The names came with the follow-ups (they depend on the group alone, so grouping by
    # them changes nothing): no query of their own.
    names, cohorts = {}, {}
    for unit in units:
        names[unit["cohort__programme_id"]] = unit["cohort__programme__name"]
        cohorts[unit["cohort_id"]] = f"{unit['cohort__programme__name']} · {unit['cohort__name']}"
    groups = dict(TargetGroup.choices)
    benefits = dict(BenefitType.choices)
    for effect in effects:
        if effect.dimension == "programme":
            effect.label = names.get(int(effect.key), "")
        elif effect.dimension == "cohort":
            effect.label = cohorts.get(int(effect.key), "")
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

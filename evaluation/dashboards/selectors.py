"""Figures for the manager's dashboard, the programme page and the monitoring report.

Every figure is an SQL aggregate (conditional counts, grouped `values().annotate()`), never
a loop over participants, so a page costs the same number of queries for 10 participants
as for 10,000. The dashboard and the reports call the same functions: what a manager sees
on screen is what the PDF prints. README.md, "Figures: definitions", says the same in
words; the dashboard shows each definition beside its figure.

A page shows a cohort as of a date (`Period`):

- Cohort: the participants who entered (`Participant.enrolled_on`) in the period, up to
  its as-of date; without a period, everyone who entered by the as-of date. Participants
  in the comparison group never count as the programme's result.
- As-of date: the period's last day (today when it ends later or is not given). Nothing
  on the page reads data recorded after it: statuses come from the status history,
  follow-ups count when due and measured by then, money from ledger entries booked by
  then.
- Status on the as-of date: the last status change by the end of that day; without one,
  the status the first later change started from (registered when it does not say); a
  participant without any history keeps their recorded status.
- Funnel: members of the cohort per stage of the main flow they had reached by the as-of
  date (their status then, or a change to that stage or a later one by then). Everyone in
  the cohort counts as registered. The selected stage is split by the development
  potential recorded at the intake (selection's criterion).
- In work after 3 months and off benefit after 6 months (intention to treat): eligible are
  the cohort's participants whose N-month follow-up is due on or before the as-of date,
  drop-outs included; the figure is successes / measured (measured by the as-of date),
  shown with "measured m of e". With nothing due there is no figure ("–", not yet
  measurable), never 0 %. In work: employment other than none (`participants.models.
  IN_WORK`); off benefit: no benefit and an end reason that counts as outflow to work
  (`participants.models.OUTFLOW_TO_WORK`, the savings model's predicate too).
- Follow-ups belong to the programme of their group (`cohort.programme`, as in the savings
  model); participants to `participant.programme`.
- Goals: a percentage goal compares the same figure as the page; count goals
  (participants, placements, groups started, job intentions) are the programme's total
  from its start up to the as-of date, because that is what the target is set for.
- Savings: the savings model (`funding/savings.py`) of the period's cohort (without a
  period: every participant of the programme) as of the as-of date; the cost is the
  whole programme's booked by then, also for a period.
- Consultant activity: coaching sessions per ISO week from the period's start (or the last
  12 weeks) to the as-of date, at most 26 weeks; the average per week rounded half up;
  follow-ups overdue on the as-of date (due before it and not measured by then); the
  active caseload: each consultant's participants whose status on the as-of date was
  active (whose consultant someone is has no history: today's assignment).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, NullIf, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultants.models import CoachingSession
from employers.models import Opportunity, OpportunityKind, OpportunityStatus
from funding import savings as savings_model
from funding import selectors as funding_selectors
from funding.models import Fund, SavingsAssumptions
from participants.models import (
    ACTIVE_STATUSES,
    IN_WORK,
    OUTFLOW_TO_WORK,
    BenefitType,
    Cohort,
    DevelopmentPotential,
    OutcomeMeasurement,
    Participant,
    Status,
    StatusChange,
    TargetGroup,
    Training,
)
from participants.register import benchmark as register_benchmark
from participants.register import selectors as register
from participants.selectors import network_change_figure, training_counts
from vakwerk.models import GoalMetric, Programme, ProgrammeGoal, User
from vakwerk.roles import Role

# The Zwolle trial's results (../shared/DESIGN.md, "Reference figures from the seeds"):
# every programme is shown against them beside its own goals.
ZWOLLE_IN_WORK_3M = Decimal(48)
ZWOLLE_OFF_BENEFIT_6M = Decimal(57)

MAIN_FLOW = (
    Status.REGISTERED,
    Status.INTAKE,
    Status.SELECTED,
    Status.IN_PROGRAMME,
    Status.MATCHED,
    Status.PLACED,
    Status.OFF_BENEFIT,
)
FUNNEL_STAGES = (
    Status.REGISTERED,
    Status.SELECTED,
    Status.IN_PROGRAMME,
    Status.MATCHED,
    Status.PLACED,
    Status.OFF_BENEFIT,
)
DEFAULT_ACTIVITY_WEEKS = 12
MAX_ACTIVITY_WEEKS = 26
PERCENT_GOALS = (GoalMetric.IN_WORK_3M, GoalMetric.OFF_BENEFIT_6M)
ACTIVE = {status.value for status in ACTIVE_STATUSES}
# Where `programme_actuals` keeps the outcome figures behind the percentage goals.
RATES = "rates"


def percent(part, whole):
    """A whole percentage (half up), or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def end_of(day):
    """The first moment after `day` in the project's time zone: "by the end of the day"
    is `< end_of(day)` (an index-friendly comparison of the stored timestamps)."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


@dataclass(frozen=True)
class Period:
    """From/to dates, both optional and inclusive: the participants who entered in it,
    with every figure as of its last day."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    @property
    def is_open(self):
        return self.start is None and self.end is None

    def on_date(self, today=None):
        """The date figures are "as of": the end of the period, but never the future."""
        today = today or timezone.localdate()
        return min(self.end, today) if self.end else today

    def entered(self, on_date, prefix=""):
        """Q for the cohort: entered in the period, by the as-of date."""
        condition = Q(**{f"{prefix}enrolled_on__lte": on_date})
        if self.start:
            condition &= Q(**{f"{prefix}enrolled_on__gte": self.start})
        return condition


@dataclass(frozen=True)
class Scope:
    """A whole municipality, or one programme of it."""

    municipality: object
    programme: object = None

    def participants(self):
        queryset = Participant.objects.filter(
            municipality=self.municipality, in_comparison_group=False
        )
        if self.programme is not None:
            queryset = queryset.filter(programme=self.programme)
        return queryset

    def outcomes(self):
        queryset = OutcomeMeasurement.objects.filter(
            cohort__programme__municipality=self.municipality,
            participant__in_comparison_group=False,
        )
        if self.programme is not None:
            queryset = queryset.filter(cohort__programme=self.programme)
        return queryset

    def cohorts(self):
        queryset = Cohort.objects.filter(programme__municipality=self.municipality)
        if self.programme is not None:
            queryset = queryset.filter(programme=self.programme)
        return queryset

    def programmes(self):
        if self.programme is not None:
            return [self.programme]
        return list(Programme.objects.filter(municipality=self.municipality).order_by("pk"))


def scope_for(user, programme=None):
    """The scope a manager may see: their municipality, or a programme of it (the caller
    got the programme through `Programme.objects.for_user`; checked again here)."""
    if programme is not None and programme.municipality_id != user.municipality_id:
        raise ValueError("The programme belongs to another municipality.")
    return Scope(user.municipality, programme)


def status_on(on_date):
    """A participant's status on `on_date`, from the status history (see the module
    docstring), as an expression to annotate participants with."""
    cutoff = end_of(on_date)
    changes = StatusChange.objects.filter(participant=OuterRef("pk"))
    before = changes.filter(changed_at__lt=cutoff).order_by("-changed_at", "-pk")
    after = (
        changes.filter(changed_at__gte=cutoff)
        .order_by("changed_at", "pk")
        .annotate(was=Coalesce(NullIf("from_status", Value("")), Value(Status.REGISTERED.value)))
    )
    return Coalesce(
        Subquery(before.values("to_status")[:1]),
        Subquery(after.values("was")[:1]),
        F("status"),
        output_field=CharField(),
    )


# Funnel and status cards


@dataclass(frozen=True)
class FunnelStage:
    status: str
    label: str
    count: int
    percent_of_first: Decimal | None
    # The selected stage by development potential at intake (selection's criterion):
    # (potential, label, count), highest first; "" is selected without a recorded intake.
    breakdown: tuple = ()


def _potential_breakdown(by_potential):
    order = [(p.value, str(p.label)) for p in reversed(DevelopmentPotential)]
    order.append(("", str(_("No intake recorded"))))
    return tuple(
        (value, label, by_potential.get(value, 0))
        for value, label in order
        if value or by_potential.get(value)
    )


def reached_rank(on_date):
    """The furthest step of the main flow (its index in MAIN_FLOW) a participant's status
    history reached by the as-of date, or None: with the status then, what the funnel
    counts. One subquery per participant; the stages are worked out from the grouped
    (status then, rank) counts, not with a subquery per stage."""
    rank = Case(
        *(When(to_status=status.value, then=Value(index)) for index, status in
          enumerate(MAIN_FLOW)),
        output_field=IntegerField(),
    )  # fmt: skip
    changes = (
        StatusChange.objects.filter(
            participant=OuterRef("pk"),
            changed_at__lt=end_of(on_date),
            to_status__in=[status.value for status in MAIN_FLOW],
        )
        .annotate(rank=rank)
        .order_by("-rank")
    )
    return Subquery(changes.values("rank")[:1], output_field=IntegerField())


_FLOW_INDEX = {status.value: index for index, status in enumerate(MAIN_FLOW)}


def furthest_step(status_then, rank):
    """The furthest step of MAIN_FLOW a participant reached (its index; -1 for none): the
    status then, or the history's furthest step. `reached_stage` takes it, so a row of
    the grouped counts works it out once for all the stages it is asked about."""
    then = _FLOW_INDEX.get(status_then, -1)
    return then if rank is None or rank < then else rank


def reached_stage(stage, furthest):
    if stage == Status.REGISTERED:
        return True  # everyone who entered registered
    return furthest >= _FLOW_INDEX[stage]


def _funnel_stages(counts, selected_by_potential=None):
    first = counts[FUNNEL_STAGES[0].value]
    breakdown = _potential_breakdown(selected_by_potential or {})
    return [
        FunnelStage(stage.value, str(stage.label), counts[stage.value],
                    percent(counts[stage.value], first),
                    breakdown if stage == Status.SELECTED else ())
        for stage in FUNNEL_STAGES
    ]  # fmt: skip


@dataclass
class ParticipantCounts:
    """Everything the dashboard counts on participants, from one grouped query."""

    statuses: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)
    per_group: dict = field(default_factory=dict)
    per_benefit: dict = field(default_factory=dict)
    everyone: int = 0
    per_programme: dict = field(default_factory=dict)
    # Per consultant: their participants whose status on the as-of date was active.
    caseload: dict = field(default_factory=dict)
    # The cohort's members who reached the selected stage, per development potential.
    selected_by_potential: dict = field(default_factory=dict)


def _add(counts, key, number):
    counts[key] = counts.get(key, 0) + number


def participant_counts(scope, period=Period(), programme_ids=(), on_date=None):
    """One query, grouped by municipality, programme, status on the as-of date, target
    group, benefit, consultant and whether the participant entered in the period, with a
    conditional count per funnel stage: the status cards, the funnel and the splits of the
    cohort (entered in the period), the participants and placements of each programme in
    `programme_ids` since its start (the goals), and each consultant's active caseload. A
    participant is in exactly one group, so the sums over groups are the counts the
    separate queries would give."""
    on_date = on_date or period.on_date()
    queryset = Participant.objects.filter(in_comparison_group=False, enrolled_on__lte=on_date)
    if scope.programme is not None:
        queryset = queryset.filter(programme=scope.programme)
    else:
        queryset = queryset.filter(
            Q(municipality=scope.municipality) | Q(programme_id__in=list(programme_ids))
        )
    rows = (
        queryset.annotate(
            status_then=status_on(on_date),
            in_period=Case(When(period.entered(on_date), then=Value(True)), default=Value(False),
                           output_field=BooleanField()),
        )
        .annotate(rank=reached_rank(on_date))
        .values("municipality_id", "programme_id", "status_then", "rank", "target_group",
                "benefit_type", "in_period", "consultant_id", "intake__development_potential")
        .annotate(total=Count("pk"))
        .order_by()
    )  # fmt: skip
    ids = set(programme_ids)
    counts = ParticipantCounts(per_programme={pk: {"people": 0, "placed": 0} for pk in ids})
    for row in rows:
        total = row["total"]
        furthest = furthest_step(row["status_then"], row["rank"])
        if row["municipality_id"] == scope.municipality.pk and row["in_period"]:
            _add(counts.statuses, row["status_then"], total)
            for stage in FUNNEL_STAGES:
                if reached_stage(stage, furthest):
                    _add(counts.stages, stage.value, total)
            if reached_stage(Status.SELECTED, furthest):
                potential = row["intake__development_potential"] or ""
                _add(counts.selected_by_potential, potential, total)
            _add(counts.per_group, row["target_group"], total)
            _add(counts.per_benefit, row["benefit_type"], total)
            counts.everyone += total
        if row["municipality_id"] == scope.municipality.pk and row["status_then"] in ACTIVE:
            _add(counts.caseload, row["consultant_id"], total)
        if row["programme_id"] in ids:
            figures = counts.per_programme[row["programme_id"]]
            figures["people"] += total
            if reached_stage(Status.PLACED, furthest):
                figures["placed"] += total
    for stage in FUNNEL_STAGES:
        counts.stages.setdefault(stage.value, 0)
    return counts


# Outcomes: in work after 3 months, off benefit after 6 months, with their splits


@dataclass(frozen=True)
class Rate:
    """One outcome figure of one group of people (intention to treat): `eligible` have
    their follow-up due by the as-of date, `measured` of them were measured by then,
    `successes` of those had the outcome. The figure is successes / measured."""

    successes: int = 0
    measured: int = 0
    eligible: int = 0

    @property
    def percent(self):
        return percent(self.successes, self.measured)

    @property
    def not_measured(self):
        return self.eligible - self.measured

    @property
    def measurable(self):
        """False while no follow-up is due: "not yet measurable", never 0 %."""
        return self.eligible > 0


@dataclass(frozen=True)
class OutcomeRow:
    key: str
    label: str
    in_work_3m: Rate = Rate()
    off_benefit_6m: Rate = Rate()

    @property
    def in_work_3m_percent(self):
        return self.in_work_3m.percent

    @property
    def off_benefit_6m_percent(self):
        return self.off_benefit_6m.percent


@dataclass(frozen=True)
class OutcomeSplit:
    dimension: str
    title: str
    rows: list
    # How many rows there are in all, when `rows` shows only the most recent of them.
    total: int | None = None

    @property
    def shortened(self):
        return self.total is not None and self.total > len(self.rows)


@dataclass(frozen=True)
class Outcomes:
    total: OutcomeRow
    splits: list
    goal_in_work_3m: Decimal | None = None
    goal_off_benefit_6m: Decimal | None = None
    reference_in_work_3m: Decimal = ZWOLLE_IN_WORK_3M
    reference_off_benefit_6m: Decimal = ZWOLLE_OFF_BENEFIT_6M


OUTCOME_FIGURES = ("due_3m", "measured_3m", "in_work_3m", "due_6m", "measured_6m",
                   "off_benefit_6m")  # fmt: skip


def _outcome_counts(on_date):
    """The conditional counts of one outcome row, over follow-ups already limited to the
    cohort and to those due by the as-of date (`_due`)."""
    measured = Q(measured_on__lte=on_date)

    def people(condition):
        return Count("participant", distinct=True, filter=condition)

    return {
        "due_3m": people(Q(follow_up=3)),
        "measured_3m": people(Q(follow_up=3) & measured),
        "in_work_3m": people(Q(follow_up=3) & measured & IN_WORK),
        "due_6m": people(Q(follow_up=6)),
        "measured_6m": people(Q(follow_up=6) & measured),
        "off_benefit_6m": people(Q(follow_up=6) & measured & OUTFLOW_TO_WORK),
    }


def _due(queryset, period, on_date):
    """The follow-ups that count on the as-of date: of the cohort, at 3 or 6 months, due
    by then."""
    return queryset.filter(
        period.entered(on_date, "participant__"), follow_up__in=(3, 6), due_on__lte=on_date
    )


def _row(key, label, counts):
    return OutcomeRow(
        key=str(key),
        label=str(label),
        in_work_3m=Rate(counts.get("in_work_3m", 0), counts.get("measured_3m", 0),
                        counts.get("due_3m", 0)),
        off_benefit_6m=Rate(counts.get("off_benefit_6m", 0), counts.get("measured_6m", 0),
                            counts.get("due_6m", 0)),
    )  # fmt: skip


def _split(queryset, split, first, second, counts):
    return (
        queryset.annotate(split=Value(split), first=first, second=second)
        .values("split", "first", "second")
        .annotate(**counts)
        .values("split", "first", "second", *OUTCOME_FIGURES)
        .order_by()
    )


def outcome_counts(scope, period=Period(), programme_ids=(), on_date=None):
    """One query (UNION ALL of grouped counts) for the follow-ups by group, by target
    group and benefit together, and by each programme in `programme_ids` (the goals).
    Returns {"cohort": {pk: counts}, "people": {(target group, benefit): counts},
    "programme": {pk: counts}}."""
    on_date = on_date or period.on_date()
    counts = _outcome_counts(on_date)
    text = CharField()
    own = _due(scope.outcomes(), period, on_date)
    parts = [
        _split(own, "cohort", Cast("cohort_id", text), Value("", text), counts),
        _split(own, "people", F("participant__target_group"), F("participant__benefit_type"),
               counts),
    ]  # fmt: skip
    if programme_ids:
        theirs = OutcomeMeasurement.objects.filter(
            cohort__programme_id__in=list(programme_ids), participant__in_comparison_group=False
        )
        parts.append(
            _split(_due(theirs, period, on_date), "programme", Cast("cohort__programme_id", text),
                   Value("", text), counts)
        )  # fmt: skip
    result = {"cohort": {}, "people": {}, "programme": {}}
    for row in parts[0].union(*parts[1:], all=True):
        figures = {name: row[name] for name in OUTCOME_FIGURES}
        if row["split"] == "people":
            result["people"][(row["first"], row["second"])] = figures
        else:
            result[row["split"]][int(row["first"])] = figures
    return result


def _summed(rows):
    total = {}
    for row in rows:
        for name, number in row.items():
            _add(total, name, number)
    return total


# The dashboard shows the most recent groups; a region has hundreds, and a chart of
# hundreds of bars tells nobody anything. All of them are on the groups page.
DASHBOARD_GROUPS = 12


def _cohorts(scope, on_date):
    """The groups started by the as-of date, oldest first."""
    return (
        scope.cohorts()
        .filter(start_date__lte=on_date)
        .select_related("programme")
        .order_by("start_date", "name", "pk")
    )


def _cohort_rows(scope, counted, cohorts):
    rows = []
    for cohort in cohorts:
        label = cohort.name if scope.programme else f"{cohort.programme.name} · {cohort.name}"
        rows.append(_row(cohort.pk, label, counted.get(cohort.pk, {})))
    return rows


def group_outcomes(scope, period=Period(), today=None):
    """Every group's row of the outcome table, oldest first: one query on the follow-ups
    and one for the groups, however many of either."""
    on_date = period.on_date(today)
    counted = outcome_counts(scope, period, on_date=on_date)
    return _cohort_rows(scope, counted["cohort"], _cohorts(scope, on_date))


def outcomes(scope, period=Period(), goals=None, people=None, counted=None, cohorts=None,
             cohorts_total=None, on_date=None):  # fmt: skip
    """The totals and the splits by group, target group and benefit type: one query on
    the follow-ups (`outcome_counts`), one for the cohort's splits (`participant_counts`,
    unless the dashboard passes `people`) and one for the groups, however many
    participants. A participant has one target group and one benefit, so the totals and
    the target group and benefit splits are sums of the (target group, benefit) counts."""
    on_date = on_date or period.on_date()
    counted = counted or outcome_counts(scope, period, on_date=on_date)
    people = people or participant_counts(scope, period, on_date=on_date)
    by_target_group, by_benefit_type = {}, {}
    for (target_group, benefit_type), row in counted["people"].items():
        by_target_group.setdefault(target_group, []).append(row)
        by_benefit_type.setdefault(benefit_type, []).append(row)
    by_target_group = {key: _summed(rows) for key, rows in by_target_group.items()}
    by_benefit_type = {key: _summed(rows) for key, rows in by_benefit_type.items()}
    cohorts = cohorts if cohorts is not None else _cohorts(scope, on_date)
    group_rows = [
        _row(value, label, by_target_group.get(value, {}))
        for value, label in TargetGroup.choices
        if people.per_group.get(value) or value in by_target_group
    ]
    benefit_rows = [
        _row(value, label, by_benefit_type.get(value, {}))
        for value, label in BenefitType.choices
        if people.per_benefit.get(value) or value in by_benefit_type
    ]
    goals = goals or {}
    return Outcomes(
        total=_row("total", _("All participants"), _summed(counted["people"].values())),
        splits=[
            OutcomeSplit("cohort", str(_("By group")), _cohort_rows(scope, counted["cohort"],
                         cohorts), total=cohorts_total),
            OutcomeSplit("target_group", str(_("By target group")), group_rows),
            OutcomeSplit("benefit_type", str(_("By benefit")), benefit_rows),
        ],
        goal_in_work_3m=goals.get(GoalMetric.IN_WORK_3M),
        goal_off_benefit_6m=goals.get(GoalMetric.OFF_BENEFIT_6M),
    )  # fmt: skip


# Goals against actuals


@dataclass(frozen=True)
class GoalRow:
    metric: str
    label: str
    target: Decimal
    actual: Decimal | None
    is_percent: bool
    # For a percentage goal: the outcome figure it compares (measured m of e).
    rate: Rate | None = None

    @property
    def reached(self):
        return self.actual is not None and self.actual >= self.target


def programme_actuals(programmes, period=Period(), metrics=None, *, people=None,
                      outcome_rows=None, on_date=None):  # fmt: skip
    """{programme id: {metric: actual}} for several programmes at once: one grouped query
    per metric asked for (all metrics when `metrics` is None), however many programmes.
    A percentage goal's actual is the page's figure (the cohort of the period); a count
    goal's is the programme's total from its start to the as-of date.
    The dashboard passes what it counted already: `people` ({pk: {"people", "placed"}}
    from `participant_counts`) and `outcome_rows` ({pk: counts} from `outcome_counts`);
    those queries are then skipped."""
    programmes = list(programmes)
    ids = [programme.pk for programme in programmes]
    metrics = set(GoalMetric.values if metrics is None else metrics)
    actuals = {pk: {} for pk in ids}
    if not ids:
        return actuals
    on_date = on_date or period.on_date()
    own = Participant.objects.filter(
        programme_id__in=ids, in_comparison_group=False, enrolled_on__lte=on_date
    )

    if metrics & {GoalMetric.PARTICIPANTS, GoalMetric.PLACEMENTS}:
        if people is None:
            rows = (
                own.annotate(status_then=status_on(on_date), rank=reached_rank(on_date))
                .values("programme_id", "status_then", "rank")
                .annotate(total=Count("pk"))
                .order_by()
            )
            people = {}
            for row in rows:
                figures = people.setdefault(row["programme_id"], {"people": 0, "placed": 0})
                figures["people"] += row["total"]
                if reached_stage(Status.PLACED, furthest_step(row["status_then"], row["rank"])):
                    figures["placed"] += row["total"]
        for pk, row in people.items():
            if pk in actuals:
                actuals[pk][GoalMetric.PARTICIPANTS] = Decimal(row["people"])
                actuals[pk][GoalMetric.PLACEMENTS] = Decimal(row["placed"])
    if GoalMetric.COHORTS in metrics:
        rows = (
            Cohort.objects.filter(programme_id__in=ids, start_date__lte=on_date)
            .values("programme_id")
            .annotate(started=Count("pk"))
            .order_by()
        )
        for row in rows:
            actuals[row["programme_id"]][GoalMetric.COHORTS] = Decimal(row["started"])
    if metrics & set(PERCENT_GOALS):
        if outcome_rows is None:
            rows = (
                _due(OutcomeMeasurement.objects.filter(
                    cohort__programme_id__in=ids, participant__in_comparison_group=False
                ), period, on_date)
                .values("cohort__programme_id")
                .annotate(**_outcome_counts(on_date))
                .order_by()
            )  # fmt: skip
            outcome_rows = {row["cohort__programme_id"]: row for row in rows}
        for pk, counts in outcome_rows.items():
            if pk in actuals:
                row = _row(pk, "", counts)
                actuals[pk][GoalMetric.IN_WORK_3M] = row.in_work_3m.percent
                actuals[pk][GoalMetric.OFF_BENEFIT_6M] = row.off_benefit_6m.percent
                actuals[pk][RATES] = {
                    GoalMetric.IN_WORK_3M: row.in_work_3m,
                    GoalMetric.OFF_BENEFIT_6M: row.off_benefit_6m,
                }
    if GoalMetric.JOB_INTENTIONS in metrics:
        municipality_ids = {programme.municipality_id for programme in programmes}
        # Job intentions are the municipality's (its WSP's employers), not one programme's.
        # One counts from the moment the WSP confirmed it, also when it was filled,
        # withdrawn or expired since (as of then it was confirmed); rows from before
        # confirmed_at existed count from their creation while confirmed or filled.
        cutoff = end_of(on_date)
        rows = (
            Opportunity.objects.filter(
                employer__municipality_id__in=municipality_ids,
                kind=OpportunityKind.JOB_INTENTION,
            )
            .filter(
                Q(confirmed_at__lt=cutoff)
                | Q(confirmed_at__isnull=True, created_at__lt=cutoff,
                    status__in=(OpportunityStatus.CONFIRMED, OpportunityStatus.FILLED))
            )
            .values("employer__municipality_id")
            .annotate(total=Count("pk"))
            .order_by()
        )  # fmt: skip
        per_municipality = {row["employer__municipality_id"]: row["total"] for row in rows}
        for programme in programmes:
            actuals[programme.pk][GoalMetric.JOB_INTENTIONS] = Decimal(
                per_municipality.get(programme.municipality_id, 0)
            )
    for figures in actuals.values():
        for metric in metrics - set(PERCENT_GOALS):
            figures.setdefault(metric, Decimal(0))
        for metric in metrics & set(PERCENT_GOALS):
            figures.setdefault(metric, None)
        if metrics & set(PERCENT_GOALS):
            figures.setdefault(RATES, {metric: Rate() for metric in PERCENT_GOALS})
    return actuals


def goal_rows(goals, actuals):
    rates = actuals.get(RATES, {})
    return [
        GoalRow(
            metric=goal.metric,
            label=str(goal.get_metric_display()),
            target=goal.target,
            actual=actuals.get(goal.metric),
            is_percent=goal.metric in PERCENT_GOALS,
            rate=rates.get(goal.metric),
        )
        for goal in goals
    ]


def goals_with_actuals(programme, period=Period(), today=None):
    """The programme's goals, each with its actual figure: a query for the goals (none
    when they were prefetched) and one per kind of metric the goals need."""
    goals = list(programme.goals.all())
    if not goals:
        return []
    metrics = {goal.metric for goal in goals}
    actuals = programme_actuals([programme], period, metrics, on_date=period.on_date(today))
    return goal_rows(goals, actuals[programme.pk])


# Budgets


@dataclass(frozen=True)
class Budgets:
    funds: list
    allocated: Decimal
    spent: Decimal
    committed: Decimal
    available: Decimal


def budgets(scope, on_date=None):
    """Each fund with its balances from the ledger entries booked by the as-of date (one
    query); a programme's view shows its own funds and the municipality-wide ones it may
    draw on."""
    on_date = on_date or timezone.localdate()
    queryset = Fund.objects.filter(municipality=scope.municipality)
    if scope.programme is not None:
        queryset = queryset.filter(Q(programme=scope.programme) | Q(programme__isnull=True))
    funds = list(
        funding_selectors.with_balances(queryset, on_date=on_date).select_related("programme")
    )

    def total(name):
        return sum((getattr(fund, name) for fund in funds), Decimal("0.00"))

    return Budgets(funds, total("allocated"), total("spent"), total("committed"),
                   total("available"))  # fmt: skip


# Savings


@dataclass(frozen=True)
class Savings:
    assumptions: object
    results: list
    realised_to_date: Decimal
    gross_projected: Decimal
    net_projected: Decimal
    programme_cost: Decimal
    net_savings: Decimal


def current_assumptions(municipality):
    return SavingsAssumptions.objects.current(municipality) or savings_model.default_assumptions(
        municipality
    )


def savings(scope, period=Period(), assumptions=None, programmes=None, on_date=None,
            effects=None):  # fmt: skip
    """Realised and projected savings of each programme under the municipality's current
    assumptions, as of the period's as-of date: with a period, of its cohort (follow-ups
    of the participants who entered in it, measured by then), without one of everyone;
    the cost is the programme's booked by then either way (the ledger does not say whom a
    euro was spent on). Three grouped queries for all programmes together, whatever their
    number and size (`programmes`: the scope's programmes, when the caller has them
    already; `effects`: `net_effect` of the same scope and period, when the caller has it:
    the register's measured counterfactual)."""
    assumptions = assumptions or current_assumptions(scope.municipality)
    on_date = on_date or period.on_date()
    entered = None if period.is_open else (period.start, on_date)
    if programmes is None:
        programmes = scope.programmes()
    elif scope.programme is not None:
        programmes = [scope.programme]
    else:
        programmes = sorted(programmes, key=lambda programme: programme.pk)
    results = savings_model.compute_savings_of(
        programmes, assumptions, on_date, entered, effects=effects
    )

    def total(name):
        values = [getattr(result, name) for result in results]
        # A programme without a net figure (no comparison group) leaves the total unknown.
        if any(value is None for value in values):
            return None
        return sum(values, Decimal("0.00"))

    return Savings(
        assumptions=assumptions,
        results=results,
        realised_to_date=total("realised_to_date"),
        gross_projected=total("gross_projected"),
        net_projected=total("net_projected"),
        programme_cost=total("programme_cost"),
        net_savings=total("net_savings"),
    )


# Net effect


def net_effect(scope, period=Period(), on_date=None, bench=None):
    """The measured net effect beside the gross outcomes: the register's matched comparison
    (`participants.register.selectors.net_effects`, the one definition) for the scope's
    participants who entered in the period, as of its as-of date. Two queries, three when
    a follow-up can be matched, whatever the numbers; without a snapshot its
    `latest_snapshot` is None and nothing is estimated. One query less when the benchmark
    figures of the same day (`bench`) bring the snapshots' dates."""
    on_date = on_date or period.on_date()
    snapshots = None
    if bench is not None and bench.as_of == on_date:
        snapshots = (bench.first_snapshot, bench.latest_snapshot, bench.snapshots)
    return register.net_effects(
        scope.municipality, on_date, scope.programme, entered_from=period.start,
        snapshots=snapshots, dimensions=("total", "programme"),
    )  # fmt: skip


# The Divosa benchmark


def benchmark(scope, on_date):
    """The municipality's bijstand inflow, outflow and outflow to work over the twelve months
    ending on the as-of date, by the Divosa benchmark's definitions
    (`participants.register.benchmark.bijstand_benchmark`, the one definition): the whole
    municipality also when a programme is chosen, and whatever the period's start, because
    the benchmark compares municipalities, not cohorts. One query with a register (which
    also reads the snapshots' dates the net effect needs), two without."""
    return register_benchmark.bijstand_benchmark(scope.municipality, on_date)


# Consultant activity


@dataclass(frozen=True)
class WeekCount:
    monday: datetime.date
    label: str
    sessions: int


@dataclass(frozen=True)
class ConsultantActivity:
    weeks: list
    consultants: list
    sessions: int
    overdue: int
    first_week: datetime.date | None = None
    last_week: datetime.date | None = None
    per_week: Decimal | None = field(default=None)
    # The days the sessions were counted over (the table's "sessions" column).
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None


def _monday(day):
    return day - datetime.timedelta(days=day.weekday())


def _week_label(monday):
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def caseload_on(scope, on_date):
    """{consultant id: participants of the scope (entered by then) whose status on the
    as-of date was active}: one grouped query."""
    rows = (
        scope.participants()
        .filter(enrolled_on__lte=on_date)
        .annotate(status_then=status_on(on_date))
        .filter(status_then__in=ACTIVE)
        .values("consultant_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["consultant_id"]: row["n"] for row in rows}


def consultant_activity(scope, period=Period(), today=None, on_date=None, caseload=None):
    """Two queries: sessions per ISO week and consultant, and every consultant with their
    overdue follow-ups counted over a join, without a subquery per consultant; a third for
    the caseload unless the dashboard passes it (`participant_counts(...).caseload`)."""
    today = today or timezone.localdate()
    end = on_date or period.on_date(today)
    last_monday = _monday(end)
    if period.start:
        first_monday = max(
            _monday(period.start), last_monday - datetime.timedelta(weeks=MAX_ACTIVITY_WEEKS - 1)
        )
    else:
        first_monday = last_monday - datetime.timedelta(weeks=DEFAULT_ACTIVITY_WEEKS - 1)
    first_day = max(first_monday, period.start or first_monday)
    window = Q(held_on__gte=first_day, held_on__lte=end)

    sessions = CoachingSession.objects.filter(participant__municipality=scope.municipality)
    if scope.programme is not None:
        sessions = sessions.filter(participant__programme=scope.programme)
    per_week, held = {}, {}
    rows = (
        sessions.filter(window)
        .annotate(week=TruncWeek("held_on"))
        .values("week", "consultant_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        week = row["week"]
        week = week.date() if isinstance(week, datetime.datetime) else week
        _add(per_week, week, row["n"])
        _add(held, row["consultant_id"], row["n"])
    weeks = []
    monday = first_monday
    while monday <= last_monday:
        weeks.append(WeekCount(monday, _week_label(monday), per_week.get(monday, 0)))
        monday += datetime.timedelta(weeks=1)

    # Whose consultant someone is has no history: the caseload follows today's assignment,
    # with the statuses of the as-of date.
    if caseload is None:
        caseload = caseload_on(scope, end)
    overdue = (
        Q(caseload__outcomes__due_on__lt=end)
        & (Q(caseload__outcomes__measured_on__isnull=True)
           | Q(caseload__outcomes__measured_on__gt=end))
        & period.entered(end, "caseload__")
    )  # fmt: skip
    if scope.programme is not None:
        overdue &= Q(caseload__outcomes__cohort__in=Cohort.objects.filter(
            programme=scope.programme).values("pk"))  # fmt: skip
    consultants = list(
        User.objects.filter(municipality=scope.municipality, role=Role.CONSULTANT, is_active=True)
        .annotate(
            overdue_follow_ups=Count("caseload__outcomes", distinct=True, filter=overdue),
        )
        .order_by("last_name", "first_name", "pk")
    )
    for consultant in consultants:
        consultant.sessions_held = held.get(consultant.pk, 0)
        consultant.active_caseload = caseload.get(consultant.pk, 0)
    if scope.programme is not None:
        consultants = [
            c for c in consultants if c.active_caseload or c.sessions_held or c.overdue_follow_ups
        ]
    total_sessions = sum(week.sessions for week in weeks)
    return ConsultantActivity(
        weeks=weeks,
        consultants=consultants,
        sessions=total_sessions,
        overdue=sum(consultant.overdue_follow_ups for consultant in consultants),
        first_week=first_monday,
        last_week=last_monday,
        per_week=(Decimal(total_sessions) / len(weeks)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        if weeks
        else None,
        first_day=first_day,
        last_day=end,
    )


# Network (social capital)


def network_change(scope, period=Period(), on_date=None):
    """The average network change of the scope's cohort (who entered in the period), from
    the measurements made by the as-of date: `participants.selectors.network_change_figure`,
    the one definition. The programme page shows it; the dashboard does not, to stay within
    its 20 queries (README, "Scale")."""
    on_date = on_date or period.on_date()
    return network_change_figure(scope.participants().filter(period.entered(on_date)), on_date)


# Training (the plan's "vakopleiding")


def trainings(scope, period=Period(), on_date=None):
    """Per kind, the scope's trainings started and completed from the period's start up
    to the as-of date: `participants.selectors.training_counts`, the one definition."""
    on_date = on_date or period.on_date()
    return training_counts(
        Training.objects.filter(participant__in=scope.participants()), period.start, on_date
    )


# Everything on one page


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    period: Period
    on_date: datetime.date
    status_counts: list
    funnel: list
    outcomes: Outcomes
    goals: list
    budgets: Budgets
    savings: Savings
    activity: ConsultantActivity
    # Whether the as-of date is today (no period, or one that has not ended yet).
    as_of_today: bool = True
    # Trainings started and completed in the period, per kind (`trainings`).
    trainings: object = None
    # The measured net effect against the register's comparison group (`net_effect`).
    net_effect: object = None
    # The municipality's bijstand inflow and outflow by the Divosa benchmark's definitions
    # (`participants.register.benchmark`), beside the programme's own figures.
    benchmark: object = None

    @property
    def participants(self):
        """The cohort: who entered in the period (everyone registered)."""
        return self.funnel[0].count if self.funnel else 0


def dashboard(scope, period=Period(), today=None, programmes=None, groups=DASHBOARD_GROUPS):
    """Every figure of the dashboard and the monitoring report, in the same number of
    queries (plus two for the programmes and their goals when the caller does not pass
    them) for one programme or many, ten participants or 10,000.
    `programmes`: the municipality's programmes with their goals prefetched, ordered by
    start date (newest first) and name, when the caller has them already.
    `groups`: how many of the most recent groups get an outcome row (None: all of them,
    as the monitoring report, a record, shows)."""
    today = today or timezone.localdate()
    on_date = period.on_date(today)
    programme = scope.programme
    if programme is not None:
        # Its goals come with the programmes when the caller fetched them (ordered by pk).
        known = [item for item in programmes or () if item.pk == programme.pk]
        goals = (
            list(known[0].goals.all())
            if known
            else list(ProgrammeGoal.objects.filter(programme=programme).order_by("pk"))
        )
        shown = [programme]
    else:
        if programmes is None:
            programmes = (
                Programme.objects.filter(municipality=scope.municipality)
                .prefetch_related("goals")
                .order_by("-start_date", "name")
            )
        shown = list(programmes)
    ids = [item.pk for item in shown]
    people = participant_counts(scope, period, ids, on_date=on_date)
    counted = outcome_counts(scope, period, ids, on_date=on_date)
    # Only the groups that get a row are fetched (a region has hundreds); the window count
    # says how many there are in all.
    cohorts = _cohorts(scope, on_date).annotate(in_all=Window(Count("pk")))
    if groups:
        cohorts = list(cohorts.order_by("-start_date", "-name", "-pk")[:groups])[::-1]
    else:
        cohorts = list(cohorts)
    actuals = programme_actuals(
        shown, period, people=people.per_programme, outcome_rows=counted["programme"],
        on_date=on_date,
    )  # fmt: skip
    if programme is not None:
        goal_table = [(programme, goal_rows(goals, actuals[programme.pk]))]
        targets = {goal.metric: goal.target for goal in goals}
    else:
        goal_table = [(item, goal_rows(item.goals.all(), actuals[item.pk])) for item in shown]
        # The municipality has no goals of its own; with one programme, its goals are.
        targets = (
            {goal.metric: goal.target for goal in shown[0].goals.all()} if len(shown) == 1 else {}
        )
    bench = benchmark(scope, on_date)
    effects = net_effect(scope, period, on_date, bench)
    return Dashboard(
        scope=scope,
        period=period,
        on_date=on_date,
        status_counts=[(status, people.statuses.get(status.value, 0)) for status in Status],
        funnel=_funnel_stages(people.stages, people.selected_by_potential),
        outcomes=outcomes(scope, period, targets, people=people, counted=counted,
                          cohorts=cohorts, cohorts_total=cohorts[0].in_all if cohorts else 0,
                          on_date=on_date),
        goals=goal_table,
        budgets=budgets(scope, on_date),
        savings=savings(scope, period, programmes=shown, on_date=on_date, effects=effects),
        activity=consultant_activity(scope, period, today, on_date=on_date,
                                     caseload=people.caseload),
        as_of_today=on_date == today,
        trainings=trainings(scope, period, on_date),
        net_effect=effects,
        benchmark=bench,
    )  # fmt: skip

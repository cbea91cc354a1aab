"""Outcome figures for the manager's dashboard, the programme page and the PDF reports.

Every figure is an SQL aggregate (conditional counts, grouped `values().annotate()`), never
a loop over participants, so a page costs the same number of queries for 10 participants
as for 10,000. The dashboard and the reports call the same functions: what a manager sees
on screen is what the PDF prints.

Definitions (participants in the comparison group never count as the programme's result):

- Funnel: a participant counts for every stage they reached — their current status or any
  status change to that stage or a later one of the main flow. With a period, only
  status changes within the period count ("reached this stage or a later one in the
  period"); registration in the period also counts by the enrolment date.
- In work after 3 months: measured 3-month follow-ups with employment other than none /
  measured 3-month follow-ups (measured_on within the period).
- Off benefit after 6 months: 6-month follow-ups measured with benefit status none /
  participants of the programme. With a period, the denominator is the participants
  whose 6-month follow-up fell due in the period (only they could be measured in it).
- Follow-ups belong to the programme of their group (`cohort.programme`, as in the savings
  model); participants to `participant.programme`.
- Consultant activity: coaching sessions per ISO week (the period, or the last 12 weeks up
  to its end; at most the last 26 weeks are shown), active caseload per consultant, and
  follow-ups that are overdue today (due in the period, when one is given).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultants.models import CoachingSession
from employers.models import Opportunity, OpportunityKind, OpportunityStatus
from funding import savings as savings_model
from funding import selectors as funding_selectors
from funding.models import Fund, SavingsAssumptions
from participants.models import (
    ACTIVE_STATUSES,
    BenefitStatus,
    BenefitType,
    Cohort,
    Employment,
    OutcomeMeasurement,
    Participant,
    Status,
    StatusChange,
    TargetGroup,
)
from vakwerk.models import GoalMetric, Programme, ProgrammeGoal, User
from vakwerk.roles import Role

# The Zwolle trial's results (DESIGN.md, "Reference figures"): every programme is shown
# against them beside its own goals.
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


def percent(part, whole):
    """A whole percentage (half up), or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _reached(stage):
    return MAIN_FLOW[MAIN_FLOW.index(stage) :]


@dataclass(frozen=True)
class Period:
    """From/to dates, both optional and inclusive."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    @property
    def is_open(self):
        return self.start is None and self.end is None

    def q(self, lookup):
        """Q for `lookup` (a date or datetime__date path) within the period."""
        condition = Q()
        if self.start:
            condition &= Q(**{f"{lookup}__gte": self.start})
        if self.end:
            condition &= Q(**{f"{lookup}__lte": self.end})
        return condition

    def on_date(self, today=None):
        """The date figures are "as of": the end of the period, but never the future."""
        today = today or timezone.localdate()
        return min(self.end, today) if self.end else today


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


# Status counts and programmes (the dashboard's first cards)


def status_counts(user, programme=None):
    """Participants per current status for the user's municipality (or one programme),
    counted in one query."""
    queryset = Participant.objects.for_user(user)
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    rows = queryset.values("status").annotate(total=Count("pk")).order_by()
    counts = {row["status"]: row["total"] for row in rows}
    return [(status, counts.get(status.value, 0)) for status in Status]


def programmes_with_goals(user):
    return (
        Programme.objects.for_user(user)
        .annotate(open_activities=Count("activities", filter=Q(activities__done_on__isnull=True)))
        .prefetch_related("goals")
        .order_by("-start_date", "name")
    )


# Funnel


@dataclass(frozen=True)
class FunnelStage:
    status: str
    label: str
    count: int
    percent_of_first: Decimal | None


def _reached_condition(stage, period):
    statuses = _reached(stage)
    changes = StatusChange.objects.filter(participant=OuterRef("pk"), to_status__in=statuses)
    if period.is_open:
        return Q(status__in=statuses) | Exists(changes)
    condition = Exists(changes.filter(period.q("changed_at__date")))
    if stage == Status.REGISTERED:
        condition = condition | period.q("enrolled_on")
    return condition


def funnel(scope, period=Period()):
    """One query: a conditional count per stage."""
    counts = scope.participants().aggregate(
        **{
            stage.value: Count("pk", filter=_reached_condition(stage, period))
            for stage in FUNNEL_STAGES
        }
    )
    first = counts[FUNNEL_STAGES[0].value]
    return [
        FunnelStage(stage.value, str(stage.label), counts[stage.value],
                    percent(counts[stage.value], first))
        for stage in FUNNEL_STAGES
    ]  # fmt: skip


# Outcomes: in work after 3 months, off benefit after 6 months, with their splits


@dataclass(frozen=True)
class OutcomeRow:
    key: str
    label: str
    measured_3m: int = 0
    in_work_3m: int = 0
    off_benefit_6m: int = 0
    base_6m: int = 0

    @property
    def in_work_3m_percent(self):
        return percent(self.in_work_3m, self.measured_3m)

    @property
    def off_benefit_6m_percent(self):
        return percent(self.off_benefit_6m, self.base_6m)


@dataclass(frozen=True)
class OutcomeSplit:
    dimension: str
    title: str
    rows: list


@dataclass(frozen=True)
class Outcomes:
    total: OutcomeRow
    splits: list
    goal_in_work_3m: Decimal | None = None
    goal_off_benefit_6m: Decimal | None = None
    reference_in_work_3m: Decimal = ZWOLLE_IN_WORK_3M
    reference_off_benefit_6m: Decimal = ZWOLLE_OFF_BENEFIT_6M


def _outcome_counts(period):
    measured = Q(measured_on__isnull=False) & period.q("measured_on")
    working = ~Q(employment__in=[Employment.NONE, ""])
    return {
        "measured_3m": Count("participant", distinct=True, filter=Q(follow_up=3) & measured),
        "in_work_3m": Count(
            "participant", distinct=True, filter=Q(follow_up=3) & measured & working
        ),
        "off_benefit_6m": Count(
            "participant",
            distinct=True,
            filter=Q(follow_up=6, benefit_status=BenefitStatus.NONE) & measured,
        ),
        "due_6m": Count("participant", distinct=True, filter=Q(follow_up=6) & period.q("due_on")),
    }


def _row(key, label, counts, base_6m):
    return OutcomeRow(
        key=str(key),
        label=str(label),
        measured_3m=counts.get("measured_3m", 0),
        in_work_3m=counts.get("in_work_3m", 0),
        off_benefit_6m=counts.get("off_benefit_6m", 0),
        base_6m=base_6m,
    )


def outcomes(scope, period=Period(), goals=None):
    """The totals and the splits by cohort, target group and benefit type: four grouped
    queries on the follow-ups and two for the denominators, however many participants."""
    counts = _outcome_counts(period)
    measurements = scope.outcomes()
    total_counts = measurements.aggregate(**counts)

    def grouped(*keys):
        return {
            tuple(row[key] for key in keys): row
            for row in measurements.values(*keys).annotate(**counts).order_by()
        }

    by_cohort = grouped("cohort_id")
    by_target_group = grouped("participant__target_group")
    by_benefit_type = grouped("participant__benefit_type")

    # Denominators without a period: the participants themselves. One grouped query gives
    # the total and both splits (each participant has one target group and one benefit).
    people = (
        scope.participants()
        .values("target_group", "benefit_type")
        .annotate(total=Count("pk"))
        .order_by()
    )
    per_group, per_benefit, everyone = {}, {}, 0
    for row in people:
        per_group[row["target_group"]] = per_group.get(row["target_group"], 0) + row["total"]
        per_benefit[row["benefit_type"]] = per_benefit.get(row["benefit_type"], 0) + row["total"]
        everyone += row["total"]
    cohorts = (
        scope.cohorts()
        .select_related("programme")
        .annotate(
            members=Count(
                "enrolments__participant",
                distinct=True,
                filter=Q(enrolments__participant__in_comparison_group=False),
            )
        )
        .order_by("start_date", "name", "pk")
    )

    def base(counted, people_count):
        return counted.get("due_6m", 0) if not period.is_open else people_count

    cohort_rows = []
    for cohort in cohorts:
        counted = by_cohort.get((cohort.pk,), {})
        label = cohort.name if scope.programme else f"{cohort.programme.name} · {cohort.name}"
        cohort_rows.append(_row(cohort.pk, label, counted, base(counted, cohort.members)))
    group_rows = [
        _row(value, label, by_target_group.get((value,), {}),
             base(by_target_group.get((value,), {}), per_group.get(value, 0)))
        for value, label in TargetGroup.choices
        if per_group.get(value) or (value,) in by_target_group
    ]  # fmt: skip
    benefit_rows = [
        _row(value, label, by_benefit_type.get((value,), {}),
             base(by_benefit_type.get((value,), {}), per_benefit.get(value, 0)))
        for value, label in BenefitType.choices
        if per_benefit.get(value) or (value,) in by_benefit_type
    ]  # fmt: skip
    goals = goals or {}
    return Outcomes(
        total=_row("total", _("All participants"), total_counts, base(total_counts, everyone)),
        splits=[
            OutcomeSplit("cohort", str(_("By group")), cohort_rows),
            OutcomeSplit("target_group", str(_("By target group")), group_rows),
            OutcomeSplit("benefit_type", str(_("By benefit")), benefit_rows),
        ],
        goal_in_work_3m=goals.get(GoalMetric.IN_WORK_3M),
        goal_off_benefit_6m=goals.get(GoalMetric.OFF_BENEFIT_6M),
    )


# Goals against actuals


@dataclass(frozen=True)
class GoalRow:
    metric: str
    label: str
    target: Decimal
    actual: Decimal | None
    is_percent: bool

    @property
    def reached(self):
        return self.actual is not None and self.actual >= self.target


def programme_actuals(programmes, period=Period(), metrics=None):
    """{programme id: {metric: actual}} for several programmes at once: one grouped query
    per metric asked for (all metrics when `metrics` is None), however many programmes."""
    programmes = list(programmes)
    ids = [programme.pk for programme in programmes]
    metrics = set(GoalMetric.values if metrics is None else metrics)
    actuals = {pk: {} for pk in ids}
    if not ids:
        return actuals
    on_date = period.on_date()
    own = Participant.objects.filter(programme_id__in=ids, in_comparison_group=False)

    needs_people = metrics & {GoalMetric.PARTICIPANTS, GoalMetric.PLACEMENTS,
                              GoalMetric.OFF_BENEFIT_6M}  # fmt: skip
    if needs_people:
        rows = own.values("programme_id").annotate(
            people=Count("pk"),
            placed=Count("pk", filter=_reached_condition(Status.PLACED, period)),
        )
        for row in rows.order_by():
            actuals[row["programme_id"]][GoalMetric.PARTICIPANTS] = Decimal(row["people"])
            actuals[row["programme_id"]][GoalMetric.PLACEMENTS] = Decimal(row["placed"])
    if GoalMetric.COHORTS in metrics:
        rows = (
            Cohort.objects.filter(programme_id__in=ids, start_date__lte=on_date)
            .filter(period.q("start_date") if period.start else Q())
            .values("programme_id")
            .annotate(started=Count("pk"))
            .order_by()
        )
        for row in rows:
            actuals[row["programme_id"]][GoalMetric.COHORTS] = Decimal(row["started"])
    if metrics & set(PERCENT_GOALS):
        rows = (
            OutcomeMeasurement.objects.filter(
                cohort__programme_id__in=ids, participant__in_comparison_group=False
            )
            .values("cohort__programme_id")
            .annotate(**_outcome_counts(period))
            .order_by()
        )
        for row in rows:
            figures = actuals[row["cohort__programme_id"]]
            people = figures.get(GoalMetric.PARTICIPANTS, 0)
            base_6m = row["due_6m"] if not period.is_open else people
            figures[GoalMetric.IN_WORK_3M] = percent(row["in_work_3m"], row["measured_3m"])
            figures[GoalMetric.OFF_BENEFIT_6M] = percent(row["off_benefit_6m"], base_6m)
    if GoalMetric.JOB_INTENTIONS in metrics:
        # Job intentions are the municipality's (its WSP's employers), not one programme's.
        municipality_ids = {programme.municipality_id for programme in programmes}
        rows = (
            Opportunity.objects.filter(
                employer__municipality_id__in=municipality_ids,
                kind=OpportunityKind.JOB_INTENTION,
                status__in=(OpportunityStatus.CONFIRMED, OpportunityStatus.FILLED),
            )
            .filter(period.q("created_at__date"))
            .values("employer__municipality_id")
            .annotate(total=Count("pk"))
            .order_by()
        )
        per_municipality = {row["employer__municipality_id"]: row["total"] for row in rows}
        for programme in programmes:
            actuals[programme.pk][GoalMetric.JOB_INTENTIONS] = Decimal(
                per_municipality.get(programme.municipality_id, 0)
            )
    for figures in actuals.values():
        for metric in metrics - set(PERCENT_GOALS):
            figures.setdefault(metric, Decimal(0))
    return actuals


def goal_rows(goals, actuals):
    return [
        GoalRow(
            metric=goal.metric,
            label=str(goal.get_metric_display()),
            target=goal.target,
            actual=actuals.get(goal.metric),
            is_percent=goal.metric in PERCENT_GOALS,
        )
        for goal in goals
    ]


def goals_with_actuals(programme, period=Period()):
    """The programme's goals, each with its actual figure: a query for the goals (none
    when they were prefetched) and one per kind of metric the goals need."""
    goals = list(programme.goals.all())
    if not goals:
        return []
    metrics = {goal.metric for goal in goals}
    if metrics & set(PERCENT_GOALS):
        metrics.add(GoalMetric.PARTICIPANTS)
    actuals = programme_actuals([programme], period, metrics)[programme.pk]
    return goal_rows(goals, actuals)


# Budgets


@dataclass(frozen=True)
class Budgets:
    funds: list
    allocated: Decimal
    spent: Decimal
    committed: Decimal
    available: Decimal


def budgets(scope):
    """Each fund with its balances from the ledger (one query); a programme's view shows
    its own funds and the municipality-wide ones it may draw on."""
    queryset = Fund.objects.filter(municipality=scope.municipality)
    if scope.programme is not None:
        queryset = queryset.filter(Q(programme=scope.programme) | Q(programme__isnull=True))
    funds = list(funding_selectors.with_balances(queryset).select_related("programme"))

    def total(name):
        return sum((getattr(fund, name) for fund in funds), Decimal("0.00"))

    return Budgets(funds, total("allocated"), total("spent"), total("committed"),
                   total("available"))  # fmt: skip


# Savings


@dataclass(frozen=True)
class Savings:
    assumptions: object
    assumption_rows: list
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


def assumption_rows(assumptions):
    """(label, value) for every assumption the savings model uses, in its order."""
    rows = []
    for name in savings_model.ASSUMPTION_FIELDS:
        model_field = SavingsAssumptions._meta.get_field(name)
        value = getattr(assumptions, name)
        if model_field.choices:
            value = dict(model_field.flatchoices).get(value, value)
        rows.append((str(model_field.verbose_name), name, value))
    return rows


def savings(scope, period=Period(), assumptions=None):
    """Realised and projected savings of each programme under the municipality's current
    assumptions (three queries per programme, whatever its size)."""
    assumptions = assumptions or current_assumptions(scope.municipality)
    on_date = period.on_date()
    results = [
        savings_model.compute_savings(programme, assumptions, on_date)
        for programme in scope.programmes()
    ]

    def total(name):
        return sum((getattr(result, name) for result in results), Decimal("0.00"))

    return Savings(
        assumptions=assumptions,
        assumption_rows=assumption_rows(assumptions),
        results=results,
        realised_to_date=total("realised_to_date"),
        gross_projected=total("gross_projected"),
        net_projected=total("net_projected"),
        programme_cost=total("programme_cost"),
        net_savings=total("net_savings"),
    )


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


def _monday(day):
    return day - datetime.timedelta(days=day.weekday())


def _week_label(monday):
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _count(queryset):
    """A correlated COUNT(*) subquery, 0 when there are no rows."""
    counted = queryset.order_by().values(group=Value(1)).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def consultant_activity(scope, period=Period(), today=None):
    """Two queries: sessions per ISO week, and every consultant with their caseload,
    sessions and overdue follow-ups as correlated counts."""
    today = today or timezone.localdate()
    end = period.on_date(today)
    last_monday = _monday(end)
    if period.start:
        first_monday = max(
            _monday(period.start), last_monday - datetime.timedelta(weeks=MAX_ACTIVITY_WEEKS - 1)
        )
    else:
        first_monday = last_monday - datetime.timedelta(weeks=DEFAULT_ACTIVITY_WEEKS - 1)
    window = Q(held_on__gte=max(first_monday, period.start or first_monday), held_on__lte=end)

    sessions = CoachingSession.objects.filter(participant__municipality=scope.municipality)
    if scope.programme is not None:
        sessions = sessions.filter(participant__programme=scope.programme)
    per_week = {
        row["week"]: row["n"]
        for row in sessions.filter(window)
        .annotate(week=TruncWeek("held_on"))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
    }
    per_week = {
        (week.date() if isinstance(week, datetime.datetime) else week): n
        for week, n in per_week.items()
    }
    weeks = []
    monday = first_monday
    while monday <= last_monday:
        weeks.append(WeekCount(monday, _week_label(monday), per_week.get(monday, 0)))
        monday += datetime.timedelta(weeks=1)

    caseload = Participant.objects.filter(
        consultant=OuterRef("pk"), status__in=ACTIVE_STATUSES, in_comparison_group=False
    )
    held = sessions.filter(window, consultant=OuterRef("pk"))
    overdue = OutcomeMeasurement.objects.filter(
        participant__consultant=OuterRef("pk"), measured_on__isnull=True, due_on__lt=today
    ).filter(period.q("due_on"))
    if scope.programme is not None:
        caseload = caseload.filter(programme=scope.programme)
        overdue = overdue.filter(cohort__programme=scope.programme)
    consultants = list(
        User.objects.filter(municipality=scope.municipality, role=Role.CONSULTANT, is_active=True)
        .annotate(
            active_caseload=_count(caseload),
            sessions_held=_count(held),
            overdue_follow_ups=_count(overdue),
        )
        .order_by("last_name", "first_name", "pk")
    )
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
        per_week=(Decimal(total_sessions) / len(weeks)).quantize(Decimal("0.1"))
        if weeks
        else None,
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


def dashboard(scope, period=Period(), today=None):
    """Every figure of the dashboard and the monitoring report. The number of queries
    depends on the number of programmes (goals and savings are per programme), never on
    the number of participants."""
    today = today or timezone.localdate()
    programme = scope.programme
    counts = scope.participants().values("status").annotate(total=Count("pk")).order_by()
    counted = {row["status"]: row["total"] for row in counts}
    if programme is not None:
        goals = list(ProgrammeGoal.objects.filter(programme=programme).order_by("pk"))
        actuals = programme_actuals([programme], period)[programme.pk]
        goal_table = [(programme, goal_rows(goals, actuals))]
        targets = {goal.metric: goal.target for goal in goals}
    else:
        programmes = list(
            Programme.objects.filter(municipality=scope.municipality)
            .prefetch_related("goals")
            .order_by("-start_date", "name")
        )
        actuals = programme_actuals(programmes, period)
        goal_table = [(item, goal_rows(item.goals.all(), actuals[item.pk])) for item in programmes]
        # The municipality has no goals of its own; with one programme, its goals are.
        targets = (
            {goal.metric: goal.target for goal in programmes[0].goals.all()}
            if len(programmes) == 1
            else {}
        )
    return Dashboard(
        scope=scope,
        period=period,
        on_date=period.on_date(today),
        status_counts=[(status, counted.get(status.value, 0)) for status in Status],
        funnel=funnel(scope, period),
        outcomes=outcomes(scope, period, targets),
        goals=goal_table,
        budgets=budgets(scope),
        savings=savings(scope, period),
        activity=consultant_activity(scope, period, today),
    )

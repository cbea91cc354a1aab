"""Issue 13, done when: every figure of the dashboard and of the monitoring report,
recomputed here with plain SQL from the raw tables (not through the project's selectors
or querysets), for the demo data and for generated data, with no period and with several
periods, comes out equal. The SQL below is written from README.md's "Figures:
definitions", on its own: the as-of date is compared as a local date (AT TIME ZONE), not
through the selectors' end-of-day timestamps."""

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse

from consultants.models import CoachingSession
from employers.models import OpportunityKind, OpportunityStatus
from evaluation.dashboards import selectors
from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from funding.models import Counterfactual, EntryKind, FundKind, LedgerEntry, SavingsAssumptions
from participants.models import (
    BenefitEndReason,
    BenefitStatus,
    BenefitType,
    Employment,
    OutcomeMeasurement,
    Participant,
    Status,
    StatusChange,
)
from participants.register import selectors as register
from tests.employers.factories import EmployerFactory, OpportunityFactory
from tests.funding.factories import FundFactory
from tests.participants.factories import CohortFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.bsn import bsn_from_number
from vakwerk.models import GoalMetric, Programme, User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 30)
TZ = "Europe/Amsterdam"
MAIN_FLOW = [
    "registered",
    "intake",
    "selected",
    "in_programme",
    "matched",
    "placed",
    "off_benefit",
]
FUNNEL = ["registered", "selected", "in_programme", "matched", "placed", "off_benefit"]
ACTIVE = ["registered", "intake", "selected", "in_programme", "matched", "placed"]
OUTFLOW_REASONS = ("work", "education", "own_business")


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _half_up(value, places="1"):
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _percent(part, whole):
    return _half_up(Decimal(part) * 100 / whole) if whole else None


def _monday(day):
    return day - datetime.timedelta(days=day.weekday())


# The plain SQL


STATUS_THEN = f"""
    COALESCE(
      (SELECT s.to_status FROM participants_statuschange s
        WHERE s.participant_id = p.id AND (s.changed_at AT TIME ZONE '{TZ}')::date <= %(d)s
        ORDER BY s.changed_at DESC, s.id DESC LIMIT 1),
      (SELECT COALESCE(NULLIF(s.from_status, ''), 'registered') FROM participants_statuschange s
        WHERE s.participant_id = p.id AND (s.changed_at AT TIME ZONE '{TZ}')::date > %(d)s
        ORDER BY s.changed_at, s.id LIMIT 1),
      p.status)
"""


def _reached_sql(stage):
    stages = ", ".join(f"'{name}'" for name in MAIN_FLOW[MAIN_FLOW.index(stage) :])
    return f"""(t.status_then IN ({stages}) OR EXISTS (
        SELECT 1 FROM participants_statuschange s WHERE s.participant_id = t.id
        AND s.to_status IN ({stages}) AND (s.changed_at AT TIME ZONE '{TZ}')::date <= %(d)s))"""


def _participants_sql(where):
    """Participants with their status on the as-of date (t.status_then)."""
    return f"""(SELECT p.*, {STATUS_THEN} AS status_then FROM participants_participant p
                WHERE NOT p.in_comparison_group AND p.enrolled_on <= %(d)s AND {where}) t"""


COHORT = "(%(start)s::date IS NULL OR p.enrolled_on >= %(start)s::date)"
IN_SCOPE = "p.municipality_id = %(m)s AND (%(prog)s::int IS NULL OR p.programme_id = %(prog)s)"


def _outcome_sql(group_by, extra_where="TRUE"):
    return f"""
        SELECT {group_by} AS key,
          COUNT(DISTINCT p.id) FILTER (WHERE o.follow_up = 3),
          COUNT(DISTINCT p.id) FILTER (WHERE o.follow_up = 3 AND o.measured_on <= %(d)s),
          COUNT(DISTINCT p.id) FILTER (WHERE o.follow_up = 3 AND o.measured_on <= %(d)s
                                       AND o.employment NOT IN ('none', '')),
          COUNT(DISTINCT p.id) FILTER (WHERE o.follow_up = 6),
          COUNT(DISTINCT p.id) FILTER (WHERE o.follow_up = 6 AND o.measured_on <= %(d)s),
          COUNT(DISTINCT p.id) FILTER (WHERE o.follow_up = 6 AND o.measured_on <= %(d)s
                                       AND o.benefit_status = 'none'
                                       AND o.benefit_end_reason IN {OUTFLOW_REASONS})
        FROM participants_outcomemeasurement o
        JOIN participants_participant p ON p.id = o.participant_id
        JOIN participants_cohort c ON c.id = o.cohort_id
        JOIN vakwerk_programme g ON g.id = c.programme_id
        WHERE NOT p.in_comparison_group AND o.due_on <= %(d)s AND o.follow_up IN (3, 6)
          AND p.enrolled_on <= %(d)s AND {COHORT} AND {extra_where}
        GROUP BY 1"""


def _rates(row):
    """((successes, measured, eligible) at 3 months, the same at 6)."""
    due3, measured3, work3, due6, measured6, off6 = row
    return ((work3, measured3, due3), (off6, measured6, due6))


NO_RATES = ((0, 0, 0), (0, 0, 0))


def sql_figures(municipality_id, programme_id, period, today=TODAY):
    """Every figure of the dashboard, by plain SQL, in the shape of `page_figures`."""
    on = min(period.end, today) if period.end else today
    params = {"m": municipality_id, "prog": programme_id, "d": on, "start": period.start}
    scope_outcomes = (
        "g.municipality_id = %(m)s AND (%(prog)s::int IS NULL OR c.programme_id = %(prog)s)"
    )
    figures = {"on_date": on}

    cohort = _participants_sql(f"{IN_SCOPE} AND {COHORT}")
    statuses = dict(_rows(f"SELECT status_then, COUNT(*) FROM {cohort} GROUP BY 1", params))
    figures["statuses"] = {status.value: statuses.get(status.value, 0) for status in Status}
    funnel = ", ".join(
        "COUNT(*)" if stage == "registered" else f"COUNT(*) FILTER (WHERE {_reached_sql(stage)})"
        for stage in FUNNEL
    )
    figures["funnel"] = dict(
        zip(FUNNEL, _rows(f"SELECT {funnel} FROM {cohort}", params)[0], strict=True)
    )

    [total] = _rows(_outcome_sql("'total'", scope_outcomes), params) or [("total",) + (0,) * 6]
    figures["total"] = _rates(total[1:])
    by_cohort = {
        row[0]: _rates(row[1:]) for row in _rows(_outcome_sql("c.id", scope_outcomes), params)
    }
    started = _rows(
        """SELECT c.id FROM participants_cohort c JOIN vakwerk_programme g ON g.id = c.programme_id
           WHERE g.municipality_id = %(m)s AND (%(prog)s::int IS NULL OR c.programme_id = %(prog)s)
             AND c.start_date <= %(d)s ORDER BY c.start_date, c.name, c.id""",
        params,
    )
    figures["cohorts"] = {pk: by_cohort.get(pk, NO_RATES) for (pk,) in started}
    for dimension in ("target_group", "benefit_type"):
        measured = {
            row[0]: _rates(row[1:])
            for row in _rows(_outcome_sql(f"p.{dimension}", scope_outcomes), params)
        }
        present = {key for (key,) in _rows(f"SELECT DISTINCT {dimension} FROM {cohort}", params)}
        figures[dimension] = {key: measured.get(key, NO_RATES) for key in present | set(measured)}

    # Goals: percentages as the outcomes of the cohort, counts since the programme's start.
    if programme_id is None:
        shown = [
            pk
            for (pk,) in _rows(
                "SELECT id FROM vakwerk_programme WHERE municipality_id = %(m)s", params
            )
        ]
    else:
        shown = [programme_id]
    goals = {}
    for pk in shown:
        own = {**params, "g": pk}
        people = _participants_sql("p.programme_id = %(g)s")
        count, placed = _rows(
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE {_reached_sql('placed')}) FROM {people}", own
        )[0]
        [(groups,)] = _rows(
            "SELECT COUNT(*) FROM participants_cohort WHERE programme_id = %(g)s "
            "AND start_date <= %(d)s",
            own,
        )
        rows = _rows(_outcome_sql("c.programme_id", "c.programme_id = %(g)s"), own)
        rates = _rates(rows[0][1:]) if rows else NO_RATES
        [(intentions,)] = _rows(
            f"""SELECT COUNT(*) FROM employers_opportunity o
                JOIN employers_employer e ON e.id = o.employer_id
                JOIN vakwerk_programme g ON g.municipality_id = e.municipality_id
                WHERE g.id = %(g)s AND o.kind = 'job_intention'
                  AND ((o.confirmed_at AT TIME ZONE '{TZ}')::date <= %(d)s
                       OR (o.confirmed_at IS NULL AND o.status IN ('confirmed', 'filled')
                           AND (o.created_at AT TIME ZONE '{TZ}')::date <= %(d)s))
            """,
            own,
        )
        actual = {
            GoalMetric.PARTICIPANTS: Decimal(count),
            GoalMetric.PLACEMENTS: Decimal(placed),
            GoalMetric.COHORTS: Decimal(groups),
            GoalMetric.JOB_INTENTIONS: Decimal(intentions),
            GoalMetric.IN_WORK_3M: _percent(rates[0][0], rates[0][1]),
            GoalMetric.OFF_BENEFIT_6M: _percent(rates[1][0], rates[1][1]),
        }
        for metric, target in _rows(
            "SELECT metric, target FROM vakwerk_programmegoal WHERE programme_id = %(g)s", own
        ):
            goals[(pk, metric)] = (
                actual[metric],
                actual[metric] is not None and actual[metric] >= target,
            )
    figures["goals"] = goals

    # Budgets: ledger entries booked by the as-of date, a correction in its entry's bucket.
    figures["funds"] = {}
    for fund, allocated, spent, committed in _rows(
        f"""SELECT f.id,
              COALESCE(SUM(x.amount) FILTER (WHERE x.kind IN ('deposit', 'replenishment')), 0),
              COALESCE(SUM(x.amount) FILTER (WHERE x.kind = 'expenditure'), 0),
              COALESCE(SUM(x.amount) FILTER (WHERE x.kind = 'commitment'), 0)
              - COALESCE(SUM(x.amount) FILTER (WHERE x.kind = 'expenditure'
                                                 AND x.commitment_id IS NOT NULL), 0)
              - COALESCE(SUM(x.amount) FILTER (WHERE x.kind = 'release'), 0)
            FROM funding_fund f
            LEFT JOIN (
              SELECT e.fund_id, e.amount, e.commitment_id,
                     CASE WHEN e.kind = 'correction' THEN k.kind ELSE e.kind END AS kind
              FROM funding_ledgerentry e LEFT JOIN funding_ledgerentry k ON k.id = e.corrects_id
              WHERE (e.booked_at AT TIME ZONE '{TZ}')::date <= %(d)s
            ) x ON x.fund_id = f.id
            WHERE f.municipality_id = %(m)s
              AND (%(prog)s::int IS NULL OR f.programme_id = %(prog)s OR f.programme_id IS NULL)
            GROUP BY f.id""",
        params,
    ):
        figures["funds"][fund] = (allocated, spent, committed, allocated - spent - committed)
    return figures


def sql_savings(programme_ids, assumptions, on, period=None, register_rates=None):
    """The savings model of each programme as of `on`, from plain SQL rows: with a period,
    of its cohort (who entered in it by `on`, the comparison group's too), the cost the
    whole programme's. `register_rates`: {programme id: the benefit register's measured
    comparison rate}, which goes before the assumed counterfactual; the matching behind
    it has its own independent checks (tests/participants/register/)."""
    register_rates = register_rates or {}
    period = period or selectors.Period()
    share, duration = assumptions.partial_benefit_share, assumptions.remaining_duration_years
    yearly = {
        "bijstand": assumptions.yearly_cost_bijstand,
        "ww": assumptions.yearly_cost_ww,
        "both": assumptions.yearly_cost_both,
    }
    cent = Decimal("0.01")
    result = {}
    for pk in programme_ids:
        params = {"g": pk, "d": on, "n": assumptions.sustainable_follow_up,
                  "start": period.start, "cohort": not period.is_open}  # fmt: skip
        measured = f"""FROM participants_outcomemeasurement o
            JOIN participants_participant p ON p.id = o.participant_id
            JOIN participants_cohort c ON c.id = o.cohort_id
            WHERE c.programme_id = %(g)s AND o.follow_up = %(n)s AND o.measured_on <= %(d)s
              AND (NOT %(cohort)s OR (p.enrolled_on <= %(d)s AND {COHORT}))"""
        sustainable = f"o.benefit_status = 'none' AND o.benefit_end_reason IN {OUTFLOW_REASONS}"
        counts = _rows(
            f"""SELECT p.benefit_type, p.in_comparison_group, COUNT(DISTINCT p.id),
                  COUNT(DISTINCT p.id) FILTER (WHERE {sustainable}),
                  COUNT(DISTINCT p.id) FILTER (WHERE o.benefit_status = 'partial')
                {measured} GROUP BY 1, 2""",
            params,
        )
        own = {row[0]: row[2:] for row in counts if not row[1]}
        comparison = [sum(row[i] for row in counts if row[1]) for i in (2, 3, 4)]
        if pk in register_rates:
            rate = register_rates[pk]
        elif assumptions.counterfactual == Counterfactual.COMPARISON_GROUP:
            rate = (
                (comparison[1] + share * comparison[2]) / comparison[0]
                if comparison[0]
                else Decimal(0)
            )
        else:
            rate = assumptions.reference_outflow_rate
        rate = _half_up(rate, "0.0001")
        realised = {}
        for benefit, status, day, people in _rows(
            f"""SELECT p.benefit_type, o.benefit_status, o.measured_on, COUNT(DISTINCT p.id)
                {measured} AND NOT p.in_comparison_group
                AND (({sustainable}) OR o.benefit_status = 'partial') GROUP BY 1, 2, 3""",
            params,
        ):
            weight = share if status == "partial" else Decimal(1)
            years = min(duration, Decimal((on - day).days) / Decimal(365))
            realised[benefit] = realised.get(benefit, Decimal(0)) + (
                yearly.get(benefit, Decimal(0)) * weight * people * years
            )
        gross = net = outflows_total = realised_total = Decimal("0.00")
        for benefit, (participants, sustained, partial) in own.items():
            cost = yearly.get(benefit, Decimal("0.00"))
            outflows = _half_up(sustained + share * partial, cent)
            expected = _half_up(rate * participants, cent)
            outflows_total += outflows
            gross += _half_up(outflows * cost * duration, cent)
            net += _half_up(max(Decimal("0.00"), outflows - expected) * cost * duration, cent)
            realised_total += _half_up(realised.get(benefit, 0), cent)
        [(spent,)] = _rows(
            f"""SELECT COALESCE(SUM(e.amount), 0) FROM funding_ledgerentry e
                JOIN funding_fund f ON f.id = e.fund_id
                LEFT JOIN funding_ledgerentry k ON k.id = e.corrects_id
                WHERE f.programme_id = %(g)s
                  AND (CASE WHEN e.kind = 'correction' THEN k.kind ELSE e.kind END) = 'expenditure'
                  AND (e.booked_at AT TIME ZONE '{TZ}')::date <= %(d)s""",
            params,
        )
        if (assumptions.counterfactual == Counterfactual.COMPARISON_GROUP
                and not comparison[0]):  # fmt: skip
            result[pk] = (outflows_total, realised_total, gross, None, spent, None)
        else:
            result[pk] = (outflows_total, realised_total, gross, net, spent, net - spent)
    return result


def sql_activity(municipality_id, programme_id, period, today=TODAY):
    on = min(period.end, today) if period.end else today
    last_monday = _monday(on)
    if period.start:
        first_monday = max(_monday(period.start), last_monday - datetime.timedelta(weeks=25))
    else:
        first_monday = last_monday - datetime.timedelta(weeks=11)
    first_day = max(first_monday, period.start or first_monday)
    params = {
        "m": municipality_id,
        "prog": programme_id,
        "d": on,
        "first": first_day,
        "start": period.start,
    }
    sessions = f"""FROM consultants_coachingsession s
        JOIN participants_participant p ON p.id = s.participant_id
        WHERE {IN_SCOPE} AND s.held_on BETWEEN %(first)s AND %(d)s"""
    per_week = dict(
        _rows(
            f"SELECT date_trunc('week', s.held_on)::date, COUNT(*) {sessions} GROUP BY 1", params
        )
    )
    weeks = []
    monday = first_monday
    while monday <= last_monday:
        weeks.append((monday, per_week.get(monday, 0)))
        monday += datetime.timedelta(weeks=1)
    total = sum(n for _monday_, n in weeks)
    held = dict(_rows(f"SELECT s.consultant_id, COUNT(*) {sessions} GROUP BY 1", params))
    consultants = {}
    for pk, caseload, overdue in _rows(
        f"""SELECT u.id,
              (SELECT COUNT(*) FROM participants_participant p WHERE p.consultant_id = u.id
                 AND {STATUS_THEN} IN {tuple(ACTIVE)} AND NOT p.in_comparison_group
                 AND p.enrolled_on <= %(d)s AND {IN_SCOPE}),
              (SELECT COUNT(*) FROM participants_outcomemeasurement o
                 JOIN participants_participant p ON p.id = o.participant_id
                 JOIN participants_cohort c ON c.id = o.cohort_id
                 WHERE p.consultant_id = u.id AND o.due_on < %(d)s
                   AND (o.measured_on IS NULL OR o.measured_on > %(d)s)
                   AND p.enrolled_on <= %(d)s AND {COHORT}
                   AND (%(prog)s::int IS NULL OR c.programme_id = %(prog)s))
            FROM vakwerk_user u
            WHERE u.municipality_id = %(m)s AND u.role = 'consultant' AND u.is_active""",
        params,
    ):
        sessions_held = held.get(pk, 0)
        if programme_id is None or caseload or sessions_held or overdue:
            consultants[pk] = (caseload, sessions_held, overdue)
    return {
        "weeks": weeks,
        "sessions": total,
        "per_week": _half_up(Decimal(total) / len(weeks), "0.1"),
        "first_day": first_day,
        "overdue": sum(row[2] for row in consultants.values()),
        "consultants": consultants,
    }


# The same shape from what the page and the report show


def _rate(rate):
    return (rate.successes, rate.measured, rate.eligible)


def _both(row):
    return (_rate(row.in_work_3m), _rate(row.off_benefit_6m))


def page_figures(figures):
    splits = {split.dimension: split for split in figures.outcomes.splits}
    goals = {}
    for programme, rows in figures.goals:
        for row in rows:
            goals[(programme.pk, row.metric)] = (row.actual, row.reached)
    return {
        "on_date": figures.on_date,
        "statuses": {status.value: count for status, count in figures.status_counts},
        "funnel": {stage.status: stage.count for stage in figures.funnel},
        "total": _both(figures.outcomes.total),
        "cohorts": {int(row.key): _both(row) for row in splits["cohort"].rows},
        "target_group": {row.key: _both(row) for row in splits["target_group"].rows},
        "benefit_type": {row.key: _both(row) for row in splits["benefit_type"].rows},
        "goals": goals,
        "funds": {
            fund.pk: (fund.allocated, fund.spent, fund.committed, fund.available)
            for fund in figures.budgets.funds
        },
    }


def page_savings(figures):
    return {
        result.programme.pk: (
            result.outflows,
            result.realised_to_date,
            result.gross_projected,
            result.net_projected,
            result.programme_cost,
            result.net_savings,
        )
        for result in figures.savings.results
    }


def page_activity(figures):
    activity = figures.activity
    return {
        "weeks": [(week.monday, week.sessions) for week in activity.weeks],
        "sessions": activity.sessions,
        "per_week": activity.per_week,
        "first_day": activity.first_day,
        "overdue": activity.overdue,
        "consultants": {
            c.pk: (c.active_caseload, c.sessions_held, c.overdue_follow_ups)
            for c in activity.consultants
        },
    }


def _assert_equal(figures, municipality_id, programme_id, period, groups=None):
    expected = sql_figures(municipality_id, programme_id, period)
    shown = page_figures(figures)
    if groups:  # the dashboard shows the most recent groups only
        expected["cohorts"] = dict(list(expected["cohorts"].items())[-groups:])
    assert shown == expected
    programmes = [result.programme.pk for result in figures.savings.results]
    assumptions = figures.savings.assumptions
    effects = register.net_effects(
        municipality_id, expected["on_date"], entered_from=period.start if period else None
    )
    register_rates = {
        int(row.key): Decimal(str(row.comparison_rate))
        for row in effects.for_follow_up(assumptions.sustainable_follow_up, "programme")
        if row.measurable
    }
    assert page_savings(figures) == sql_savings(
        programmes, assumptions, expected["on_date"], period, register_rates
    )
    assert page_activity(figures) == sql_activity(municipality_id, programme_id, period)
    return expected


def _check_dashboard(client, manager, programme, period):
    params = {}
    if programme is not None:
        params["programme"] = programme.pk
    if period.start:
        params["date_from"] = period.start.isoformat()
    if period.end:
        params["date_to"] = period.end.isoformat()
    client.force_login(manager)
    response = client.get(reverse("evaluation:dashboard"), params)
    assert response.status_code == 200
    figures = response.context["figures"]
    expected = _assert_equal(
        figures,
        manager.municipality_id,
        programme and programme.pk,
        period,
        groups=selectors.DASHBOARD_GROUPS,
    )
    page = response.content.decode()
    percent = _percent(expected["total"][1][0], expected["total"][1][1])
    shown = f"{percent}%" if percent is not None else "–"
    assert f'data-testid="off-benefit-6m-total">{shown}' in page


def _check_monitoring_report(programme, period):
    report = Report.objects.create(
        programme=programme,
        kind=ReportKind.MONITORING,
        period_start=period.start,
        period_end=period.end,
    )
    context = reports.monitoring_context(report, today=TODAY)
    expected = _assert_equal(context["figures"], programme.municipality_id, programme.pk, period)
    html = render_to_string(reports.TEMPLATES[ReportKind.MONITORING], context)
    assert f'data-testid="summary-participants">{expected["funnel"]["registered"]}<' in html
    # The summary prints each rate as the dashboard's cards do.
    for testid, (part, measured, eligible) in zip(
        ("summary-in-work-3m", "summary-off-benefit-6m"), expected["total"], strict=True
    ):
        cell = html.split(f'data-testid="{testid}">', 1)[1].split("</td>", 1)[0]
        if eligible:
            assert f"{part} van {measured} gemeten · gemeten {measured} van {eligible}" in cell
        else:
            assert "nog niet te meten" in cell


# Demo data

DEMO_PERIODS = [
    selectors.Period(),
    selectors.Period(datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)),
    selectors.Period(datetime.date(2025, 2, 1), datetime.date(2025, 12, 31)),
    selectors.Period(datetime.date(2025, 3, 25), datetime.date(2026, 6, 30)),
    selectors.Period(None, datetime.date(2025, 9, 30)),
    selectors.Period(datetime.date(2026, 6, 1), None),
]


@pytest.mark.parametrize("period", DEMO_PERIODS, ids=str)
def test_demo_dashboard_and_monitoring_report_equal_plain_sql(client, period, demo):
    for domain in ("zwolle", "kampen"):
        manager = User.objects.get(email=f"manager@{domain}.example")
        programme = Programme.objects.get(municipality=manager.municipality)
        for shown in (None, programme):
            _check_dashboard(client, manager, shown, period)
        _check_monitoring_report(programme, period)


# Generated data


def _generate(municipality, make_user, seed):
    """Two programmes with groups, participants entering over two years with a status
    history (some changes after a period's end), follow-ups due and measured at random
    (every end reason, moving away included), sessions, funds with every kind of entry
    booked at random moments, corrections among them, and job intentions."""
    rng = random.Random(seed)
    consultants = [make_user(Role.CONSULTANT, municipality=municipality) for _ in range(3)]
    manager = make_user(Role.MANAGER, municipality=municipality)
    start = datetime.date(2025, 1, 6)
    programmes = []
    for number in range(2):
        programme = ProgrammeFactory(municipality=municipality, name=f"VAK Gen {seed}-{number}")
        for metric, target in (
            (GoalMetric.IN_WORK_3M, 45),
            (GoalMetric.OFF_BENEFIT_6M, 50),
            (GoalMetric.PARTICIPANTS, 20),
            (GoalMetric.PLACEMENTS, 5),
            (GoalMetric.COHORTS, 3),
            (GoalMetric.JOB_INTENTIONS, 2),
        ):
            programme.goals.create(metric=metric, target=target)
        cohorts = []
        for _number in range(4):
            begin = start + datetime.timedelta(weeks=rng.randint(0, 90))
            cohorts.append(
                CohortFactory(
                    programme=programme,
                    start_date=begin,
                    end_date=begin + datetime.timedelta(weeks=12),
                )
            )
        programmes.append((programme, cohorts))
    for index in range(70):
        programme, cohorts = rng.choice(programmes)
        entered = start + datetime.timedelta(days=rng.randint(0, 700))
        participant = Participant.objects.create(
            municipality=municipality,
            programme=programme,
            bsn=bsn_from_number(30_000_000 + seed * 1000 + index * 37),
            first_name="Gen",
            last_name=f"{seed}-{index}",
            birth_date=datetime.date(rng.randint(1962, 2005), rng.randint(1, 12), 1),
            benefit_type=rng.choice(BenefitType.values),
            enrolled_on=entered,
            consultant=rng.choice(consultants),
            in_comparison_group=rng.random() < 0.1,
        )
        status, moment = Status.REGISTERED, entered
        if rng.random() < 0.85:  # the rest has no history at all
            steps = MAIN_FLOW[: rng.randint(1, len(MAIN_FLOW))]
            if rng.random() < 0.2:
                steps.append(rng.choice([Status.DROPPED_OUT, Status.NOT_SELECTED]))
            previous = ""
            for step in steps:
                moment += datetime.timedelta(days=rng.randint(0, 60))
                StatusChange.objects.create(
                    participant=participant,
                    from_status=previous,
                    to_status=step,
                    changed_at=datetime.datetime.combine(
                        moment, datetime.time(rng.choice([0, 9, 23]), 30), tzinfo=datetime.UTC
                    ),
                )
                previous = status = step
        else:
            status = rng.choice(Status.values)
        Participant.objects.filter(pk=participant.pk).update(status=status)
        cohort = rng.choice(cohorts if rng.random() < 0.9 else programmes[0][1])
        for months in (3, 6, 12):
            due = cohort.end_date + datetime.timedelta(days=30 * months)
            measured = None
            if due <= TODAY + datetime.timedelta(days=20) and rng.random() < 0.8:
                measured = due + datetime.timedelta(days=rng.randint(-5, 40))
            benefit = rng.choice(BenefitStatus.values) if measured else ""
            OutcomeMeasurement.objects.create(
                participant=participant,
                cohort=cohort,
                follow_up=months,
                due_on=due,
                measured_on=measured,
                employment=rng.choice(Employment.values) if measured else "",
                benefit_status=benefit,
                benefit_end_reason=rng.choice(BenefitEndReason.values)
                if benefit == BenefitStatus.NONE
                else "",
            )
        for _ in range(rng.randint(0, 6)):
            CoachingSession.objects.create(
                consultant=participant.consultant,
                participant=participant,
                minutes=45,
                held_on=TODAY - datetime.timedelta(days=rng.randint(0, 400)),
            )
    for programme, _cohorts in programmes + [(None, None)]:
        fund = FundFactory(municipality=municipality, programme=programme, kind=FundKind.PILOT)
        entries = []
        for _ in range(12):
            kind = rng.choice(
                [
                    EntryKind.DEPOSIT,
                    EntryKind.EXPENDITURE,
                    EntryKind.COMMITMENT,
                    EntryKind.RELEASE,
                    EntryKind.REPLENISHMENT,
                    EntryKind.CORRECTION,
                ]
            )
            booked = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
                hours=rng.randint(0, 24 * 690)
            )
            corrects = rng.choice(entries) if kind == EntryKind.CORRECTION and entries else None
            if kind == EntryKind.CORRECTION and corrects is None:
                kind = EntryKind.DEPOSIT
            amount = Decimal(rng.randint(100, 90000)) / 100
            if corrects is not None:
                amount = -amount if rng.random() < 0.5 else amount
            entries.append(
                LedgerEntry.objects.create(
                    fund=fund,
                    kind=kind,
                    amount=amount,
                    booked_at=booked,
                    booked_by=manager,
                    description="gegenereerd",
                    corrects=corrects,
                )
            )
    employer = EmployerFactory(municipality=municipality)
    # Confirmed, filled or withdrawn since (each with its confirmation moment), one
    # submitted and never confirmed, one confirmed before confirmed_at existed.
    for status in (OpportunityStatus.CONFIRMED, OpportunityStatus.FILLED,
                   OpportunityStatus.WITHDRAWN, OpportunityStatus.CONFIRMED):  # fmt: skip
        OpportunityFactory(
            employer=employer, kind=OpportunityKind.JOB_INTENTION, status=status,
            confirmed_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
            + datetime.timedelta(days=rng.randint(0, 690)),
        )  # fmt: skip
    OpportunityFactory(employer=employer, status=OpportunityStatus.SUBMITTED)
    OpportunityFactory(employer=employer, status=OpportunityStatus.FILLED, confirmed_at=None)
    if seed % 2 == 0:
        # The comparison group's measured rate as the counterfactual, 12 months sustainable.
        SavingsAssumptions.objects.create(
            municipality=municipality,
            version=1,
            created_by=manager,
            counterfactual=Counterfactual.COMPARISON_GROUP,
            sustainable_follow_up=12,
            yearly_cost_ww=Decimal("3100.00"),
        )
    return manager, [programme for programme, _cohorts in programmes]


GENERATED_PERIODS = [
    selectors.Period(),
    selectors.Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
    selectors.Period(datetime.date(2025, 7, 1), datetime.date(2026, 6, 30)),
    selectors.Period(datetime.date(2026, 3, 1), None),
    selectors.Period(None, datetime.date(2026, 2, 28)),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_dashboard_and_monitoring_report_equal_plain_sql(
    client, make_user, municipality, seed
):
    manager, programmes = _generate(municipality, make_user, seed)
    for period in GENERATED_PERIODS:
        for shown in (None, *programmes):
            _check_dashboard(client, manager, shown, period)
        for programme in programmes:
            _check_monitoring_report(programme, period)


# A period's savings are its cohort's (issue 13, build 2)


def test_a_periods_savings_count_the_follow_ups_of_its_cohort_only(client, make_user):
    """Before, a period's savings counted every participant of the programme: here the
    dashboard, the monitoring report and the savings report of 2026 showed 2 outflows
    where 1 of the 2 people entered in 2026. The cost stays the whole programme's."""
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    group = CohortFactory(programme=programme)
    measured = {datetime.date(2025, 1, 10): datetime.date(2025, 8, 1),
                datetime.date(2026, 2, 2): datetime.date(2026, 9, 1)}  # fmt: skip
    for index, (entered, day) in enumerate(measured.items()):
        person = Participant.objects.create(
            municipality=manager.municipality, programme=programme,
            bsn=bsn_from_number(31_000_000 + index * 37), first_name="Cohort",
            last_name=str(index), birth_date=datetime.date(1980, 1, 1),
            benefit_type=BenefitType.BIJSTAND, enrolled_on=entered,
        )  # fmt: skip
        OutcomeMeasurement.objects.create(
            participant=person, cohort=group, follow_up=6, due_on=day, measured_on=day,
            benefit_status=BenefitStatus.NONE, benefit_end_reason=BenefitEndReason.WORK,
            employment=Employment.FULL_TIME,
        )  # fmt: skip
    fund = FundFactory(municipality=manager.municipality, programme=programme)
    LedgerEntry.objects.create(
        fund=fund, kind=EntryKind.EXPENDITURE, amount=Decimal("500.00"), booked_by=manager,
        description="x", booked_at=datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC),
    )  # fmt: skip
    bijstand = Decimal("14783.00")

    def realised(day):
        return _half_up(bijstand * (Decimal((TODAY - day).days) / 365), "0.01")

    period = selectors.Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    client.force_login(manager)
    response = client.get(reverse("evaluation:dashboard"),
                          {"programme": programme.pk, "date_from": "2026-01-01",
                           "date_to": "2026-12-31"})  # fmt: skip
    [result] = response.context["figures"].savings.results
    assert result.outflows == 1
    assert result.gross_projected == Decimal("36957.50")  # 1 × € 14.783 × 2,5 years
    assert result.realised_to_date == realised(datetime.date(2026, 9, 1))
    assert result.programme_cost == Decimal("500.00")  # booked in 2025, before the cohort
    page = response.content.decode()
    assert "cohort van de periode" in page
    assert "alle deelnemers van elk programma (niet alleen" not in page
    assert "aan de lage kant" in page
    _check_dashboard(client, manager, programme, period)

    # Without a period: everyone, as the savings page and the replenishments count.
    [whole] = selectors.savings(selectors.Scope(manager.municipality, programme)).results
    assert whole.outflows == 2 and whole.gross_projected == Decimal("73915.00")
    assert whole.realised_to_date == realised(datetime.date(2025, 8, 1)) + realised(
        datetime.date(2026, 9, 1)
    )

    for kind in (ReportKind.MONITORING, ReportKind.SAVINGS):
        report = Report.objects.create(
            programme=programme, kind=kind, period_start=period.start, period_end=period.end
        )
        context = reports.CONTEXTS[kind](report, today=TODAY)
        savings = (
            context["figures"].savings if kind == ReportKind.MONITORING else context["savings"]
        )
        assert [(r.outflows, r.gross_projected, r.realised_to_date) for r in savings.results] == [
            (result.outflows, result.gross_projected, result.realised_to_date)
        ]
        html = render_to_string(reports.TEMPLATES[kind], context)
        assert "€ 36.957,50" in html
        assert "aan de lage kant" in html

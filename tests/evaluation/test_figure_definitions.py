"""Issue 13, the evaluation side: one definition per figure (intention to treat, the
outflow reasons of the savings model), a period that is a cohort as of its last day, the
smaller findings of point 10, and the definitions a manager can open beside each figure.
Each test names the finding it reproduces."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from consultants.models import CoachingSession
from evaluation.dashboards import selectors
from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from funding import savings as savings_model
from funding.models import EntryKind, LedgerEntry
from participants import services as participant_services
from participants.models import (
    BenefitEndReason,
    BenefitStatus,
    Employment,
    Enrolment,
    OutcomeMeasurement,
    StatusChange,
)
from tests.funding.factories import FundFactory
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.models import GoalMetric, Programme, User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _dashboard(client, manager, **params):
    client.force_login(manager)
    response = client.get(reverse("evaluation:dashboard"), params)
    assert response.status_code == 200
    return response.context["figures"], response.content.decode()


def _member(programme, cohort, **fields):
    participant = ParticipantFactory(
        municipality=programme.municipality, programme=programme, **fields
    )
    Enrolment.objects.create(cohort=cohort, participant=participant, enrolled_on=cohort.start_date)
    return participant


def _follow_up(participant, cohort, months, due, measured=None, **fields):
    if fields.get("benefit_status") == BenefitStatus.NONE:
        fields.setdefault("benefit_end_reason", BenefitEndReason.WORK)
    return OutcomeMeasurement.objects.create(
        participant=participant, cohort=cohort, follow_up=months, due_on=due,
        measured_on=measured, **fields,
    )  # fmt: skip


# Found 4: not yet measurable shown as 0 %; a new participant moves Zwolle; two denominators


def test_found_4_nothing_due_is_not_yet_measurable_never_0_percent(client, make_user):
    """Kampen's running group: 24 participants whose follow-ups fall due next year."""
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality, name="VAK Loopt")
    programme.goals.create(metric=GoalMetric.OFF_BENEFIT_6M, target=50)
    cohort = CohortFactory(
        programme=programme,
        start_date=datetime.date(2026, 9, 7),
        end_date=datetime.date(2026, 12, 18),
    )
    for _ in range(24):
        participant = _member(programme, cohort, enrolled_on=datetime.date(2026, 8, 10))
        participant_services.schedule_follow_ups(participant, cohort)

    figures, page = _dashboard(client, manager, programme=programme.pk)
    total = figures.outcomes.total
    assert total.off_benefit_6m == selectors.Rate(0, 0, 0)
    assert total.off_benefit_6m_percent is None
    assert 'data-testid="off-benefit-6m-total">–' in page
    assert "nog niet te meten" in page
    assert "0 van 24" not in page
    [(_programme, [goal])] = figures.goals
    assert goal.actual is None and not goal.reached


def test_found_4_kampen_demo_shows_no_6_month_figure_yet(client, demo):
    manager = User.objects.get(email="manager@kampen.example")
    figures, page = _dashboard(client, manager)
    assert figures.outcomes.total.off_benefit_6m.percent is None
    assert 'data-testid="off-benefit-6m-total">–' in page


def test_found_4_registering_a_participant_today_does_not_move_zwolle(client, demo):
    manager = User.objects.get(email="manager@zwolle.example")
    zwolle = Programme.objects.get(name="VAK Zwolle")
    before, _page = _dashboard(client, manager, programme=zwolle.pk)
    participant_services.register_participant(
        User.objects.get(email="consultant@zwolle.example"),
        programme=zwolle,
        bsn="111222333",
        first_name="Nieuw",
        last_name="Deelnemer",
        birth_date=datetime.date(1990, 1, 1),
        enrolled_on=datetime.date(2026, 11, 30),
    )
    after, page = _dashboard(client, manager, programme=zwolle.pk)
    assert after.outcomes.total == before.outcomes.total
    assert after.outcomes.total.off_benefit_6m == selectors.Rate(41, 72, 72)
    assert after.outcomes.total.off_benefit_6m_percent == 57
    assert after.funnel[0].count == before.funnel[0].count + 1
    goals = {row.metric: (row.actual, row.reached) for row in after.goals[0][1]}
    assert goals[GoalMetric.OFF_BENEFIT_6M] == (57, True)
    assert goals[GoalMetric.IN_WORK_3M] == (48, True)
    assert "41 van 72 gemeten · gemeten 72 van 72" in page


def test_found_4_both_outcomes_have_the_same_denominator_definition(client, make_user):
    """A drop-out measured at 3 months and not (yet) at 6 counts as eligible at both; a
    participant with nothing due counts at neither."""
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    cohort = CohortFactory(programme=programme)  # ended 24 April 2026
    stayed = _member(programme, cohort, status="off_benefit")
    dropped = _member(programme, cohort, status="dropped_out")
    ParticipantFactory(municipality=manager.municipality, programme=programme)  # nothing due
    due_3, due_6 = datetime.date(2026, 7, 24), datetime.date(2026, 10, 24)
    _follow_up(stayed, cohort, 3, due_3, due_3, employment=Employment.FULL_TIME)
    _follow_up(dropped, cohort, 3, due_3, due_3, employment=Employment.NONE)
    _follow_up(stayed, cohort, 6, due_6, due_6, benefit_status=BenefitStatus.NONE)
    _follow_up(dropped, cohort, 6, due_6)

    figures, page = _dashboard(client, manager, programme=programme.pk)
    total = figures.outcomes.total
    assert total.in_work_3m == selectors.Rate(successes=1, measured=2, eligible=2)
    assert total.off_benefit_6m == selectors.Rate(successes=1, measured=1, eligible=2)
    assert (total.in_work_3m_percent, total.off_benefit_6m_percent) == (50, 100)
    assert "1 van 1 gemeten · gemeten 1 van 2 · 1 nog niet gemeten" in page


# Found 6: moving away is no outflow, on the dashboard as in the savings model


def test_found_6_moving_away_counts_neither_on_the_dashboard_nor_in_the_savings(client, make_user):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    cohort = CohortFactory(programme=programme)
    due = datetime.date(2026, 10, 24)
    for reason in (BenefitEndReason.WORK, BenefitEndReason.MOVED_AWAY):
        person = _member(programme, cohort)
        _follow_up(person, cohort, 6, due, due, benefit_status=BenefitStatus.NONE,
                   benefit_end_reason=reason)  # fmt: skip

    figures, _page = _dashboard(client, manager, programme=programme.pk)
    rate = figures.outcomes.total.off_benefit_6m
    assert rate == selectors.Rate(successes=1, measured=2, eligible=2)
    [result] = figures.savings.results
    assert result.sustainable_outflows == rate.successes == 1
    assert OutcomeMeasurement.objects.outflow_to_work().count() == 1


# Found 3 and 5: a period is a cohort, every figure as of its last day

PERIOD = {"date_from": "2026-03-25", "date_to": "2026-06-30"}


@pytest.fixture
def period_case(make_user):
    """x entered before the period: their 6-month follow-up, due before it, was measured
    inside it (off benefit). y and z entered in the period: y's follow-up is due in it but
    measured after it, z's is due and measured in it (full benefit). z reached intake
    before the end of the period and was selected after it. The fund got 1.000,00 in May
    and spent 400,00 in July."""
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    old = CohortFactory(programme=programme, name="Oud", start_date=datetime.date(2025, 6, 2),
                        end_date=datetime.date(2025, 9, 1))  # fmt: skip
    new = CohortFactory(programme=programme, name="Nieuw",
                        start_date=datetime.date(2025, 10, 1),
                        end_date=datetime.date(2025, 12, 15))  # fmt: skip
    x = _member(programme, old, enrolled_on=datetime.date(2025, 5, 20))
    y = _member(programme, new, enrolled_on=datetime.date(2026, 4, 1))
    z = _member(programme, new, enrolled_on=datetime.date(2026, 4, 2), status="selected")
    _follow_up(x, old, 6, datetime.date(2026, 3, 1), datetime.date(2026, 4, 10),
               benefit_status=BenefitStatus.NONE)  # fmt: skip
    _follow_up(y, new, 6, datetime.date(2026, 6, 15), datetime.date(2026, 7, 10),
               benefit_status=BenefitStatus.NONE)  # fmt: skip
    _follow_up(z, new, 6, datetime.date(2026, 6, 20), datetime.date(2026, 6, 25),
               benefit_status=BenefitStatus.FULL)  # fmt: skip
    for to_status, day in (("registered", datetime.date(2026, 4, 2)),
                           ("intake", datetime.date(2026, 5, 1)),
                           ("selected", datetime.date(2026, 7, 15))):  # fmt: skip
        StatusChange.objects.create(
            participant=z, to_status=to_status,
            changed_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC),
        )  # fmt: skip
    fund = FundFactory(municipality=manager.municipality, programme=programme)
    for kind, amount, day in (
        (EntryKind.DEPOSIT, "1000.00", datetime.date(2026, 5, 1)),
        (EntryKind.EXPENDITURE, "400.00", datetime.date(2026, 7, 10)),
    ):
        LedgerEntry.objects.create(
            fund=fund, kind=kind, amount=Decimal(amount), booked_by=manager, description="x",
            booked_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC),
        )  # fmt: skip
    return manager, programme, old, fund


def test_found_3_a_period_counts_one_population_for_numerator_and_denominator(client, period_case):
    manager, programme, old, _fund = period_case
    figures, page = _dashboard(client, manager, programme=programme.pk, **PERIOD)
    total = figures.outcomes.total
    # y and z entered in the period and were due; only z was measured by 30 June.
    assert total.off_benefit_6m == selectors.Rate(successes=0, measured=1, eligible=2)
    assert "0 van 1 gemeten · gemeten 1 van 2 · 1 nog niet gemeten" in page
    # x's group: x did not enter in the period, so nothing of it counts (no "1 of 0").
    rows = {row.key: row for row in figures.outcomes.splits[0].rows}
    assert rows[str(old.pk)].off_benefit_6m == selectors.Rate(0, 0, 0)
    for split in figures.outcomes.splits:
        for row in split.rows:
            assert row.off_benefit_6m.successes <= row.off_benefit_6m.measured
            assert row.off_benefit_6m.measured <= row.off_benefit_6m.eligible

    # The monitoring report of the same period prints the same figures.
    report = Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING,
        period_start=datetime.date(2026, 3, 25), period_end=datetime.date(2026, 6, 30),
    )  # fmt: skip
    context = reports.monitoring_context(report)
    assert context["figures"].outcomes.total == total
    html = render_to_string(reports.TEMPLATES[ReportKind.MONITORING], context)
    assert "0 van 1 gemeten · gemeten 1 van 2 · 1 nog niet gemeten" in html


def test_found_5_everything_labelled_as_of_a_date_reads_nothing_later(client, period_case):
    manager, programme, _old, fund = period_case
    figures, page = _dashboard(client, manager, programme=programme.pk, **PERIOD)
    assert figures.on_date == datetime.date(2026, 6, 30)
    assert "Cijfers per 30 juni 2026." in page
    assert "Deelnemers per status op 30 juni 2026" in page
    # z was selected on 15 July: on 30 June they were at intake.
    statuses = {status.value: count for status, count in figures.status_counts}
    assert (statuses["intake"], statuses["selected"]) == (1, 0)
    # The expenditure of 10 July is not in the budget nor in the programme's cost.
    [shown] = [item for item in figures.budgets.funds if item.pk == fund.pk]
    assert (shown.allocated, shown.spent, shown.available) == (1000, 0, 1000)
    assert figures.savings.results[0].programme_cost == 0
    # y's follow-up, measured on 10 July, is not measured as of 30 June (found 3 above).

    figures, page = _dashboard(client, manager, programme=programme.pk)
    assert figures.on_date == datetime.date(2026, 11, 30)
    assert "Cijfers per vandaag, 30 november 2026." in page
    assert figures.savings.results[0].programme_cost == 400


# Found 10: the smaller ones


def test_found_10_sessions_per_week_are_rounded_half_up(make_user):
    manager = make_user(Role.MANAGER)
    consultant = make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=manager.municipality, consultant=consultant)
    for days_ago in (1, 8, 15):  # 3 sessions in 12 weeks: 0,25 a week
        CoachingSession.objects.create(
            consultant=consultant, participant=participant, minutes=30,
            held_on=datetime.date(2026, 11, 30) - datetime.timedelta(days=days_ago),
        )  # fmt: skip
    activity = selectors.consultant_activity(selectors.Scope(manager.municipality))
    assert (activity.sessions, len(activity.weeks)) == (3, 12)
    assert activity.per_week == Decimal("0.3")


def test_found_10_the_sessions_column_says_which_weeks_it_counts(client, make_user):
    manager = make_user(Role.MANAGER)
    make_user(Role.CONSULTANT)
    _figures, page = _dashboard(client, manager)
    assert "Gesprekken in de periode" not in page
    # 12 weeks up to today: from Monday 14 September.
    assert "Gesprekken 14 september 2026 – 30 november 2026" in page
    _figures, page = _dashboard(client, manager, date_from="2026-10-14", date_to="2026-10-31")
    assert "Gesprekken 14 oktober 2026 – 31 oktober 2026" in page


def test_found_10_the_report_names_its_participants_beside_the_programmes_goal(make_user):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    programme.goals.create(metric=GoalMetric.PARTICIPANTS, target=10)
    for _ in range(3):
        ParticipantFactory(municipality=manager.municipality, programme=programme)
    # Everyone entered on 5 January; a report of November alone has no new participants.
    report = Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING,
        period_start=datetime.date(2026, 11, 1), period_end=datetime.date(2026, 11, 30),
    )  # fmt: skip
    context = reports.monitoring_context(report)
    html = render_to_string(reports.TEMPLATES[ReportKind.MONITORING], context)
    assert "Deelnemers ingestroomd in de periode" in html
    assert 'data-testid="summary-participants">0<' in html
    [(_programme, [goal])] = context["figures"].goals
    assert goal.actual == 3
    assert "aantallen sinds de start van het programma" in html

    # The monthly report (no start): the same number in both places.
    report = Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING, period_end=datetime.date(2026, 10, 31)
    )
    context = reports.monitoring_context(report)
    html = render_to_string(reports.TEMPLATES[ReportKind.MONITORING], context)
    assert 'data-testid="summary-participants">3<' in html
    assert context["figures"].goals[0][1][0].actual == 3


def test_found_10_groups_started_compares_like_with_like_in_a_period(client, make_user):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    programme.goals.create(metric=GoalMetric.COHORTS, target=2)
    CohortFactory(programme=programme, start_date=datetime.date(2025, 9, 1),
                  end_date=datetime.date(2025, 12, 1))  # fmt: skip
    CohortFactory(programme=programme, start_date=datetime.date(2026, 5, 4),
                  end_date=datetime.date(2026, 8, 3))  # fmt: skip
    CohortFactory(programme=programme, start_date=datetime.date(2026, 9, 7),
                  end_date=datetime.date(2026, 12, 18))  # fmt: skip
    figures, page = _dashboard(
        client, manager, programme=programme.pk, date_from="2026-04-01", date_to="2026-06-30"
    )
    [(_programme, [goal])] = figures.goals
    # The goal is the programme's: both groups started by 30 June count, the later not.
    assert (goal.actual, goal.reached) == (2, True)
    assert "aantallen sinds de start van het programma, per 30 juni 2026" in page


# Point 4: the definitions, beside each figure and in the README


def test_each_figure_has_an_explanation_a_manager_can_open_without_javascript(client, make_user):
    _figures, page = _dashboard(client, make_user(Role.MANAGER))
    for figure in ("status", "funnel", "in-work-3m", "off-benefit-6m", "goals", "budget",
                   "savings", "activity"):  # fmt: skip
        assert f'data-testid="explain-{figure}"><summary>Hoe wordt dit geteld?</summary>' in page
    assert "verhuizing of een werkende partner telt niet" in page


def test_the_readme_defines_every_figure():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    section = readme.split("## Figures: definitions", 1)[1].split("\n## ", 1)[0]
    for term in ("Cohort", "As-of date", "Status on the as-of date", "Funnel",
                 "In work after 3 months", "Off benefit after 6 months", "Goals", "Budget",
                 "Savings", "Consultant activity", "OUTFLOW_TO_WORK"):  # fmt: skip
        assert term.lower() in section.lower(), term


def test_savings_and_dashboard_use_one_outflow_predicate():
    """funding.savings' sustainable outflow and the dashboard's off benefit are the same
    Q (participants.models.OUTFLOW_TO_WORK)."""
    from participants.models import OUTFLOW_TO_WORK

    assert savings_model.SUSTAINABLE == OUTFLOW_TO_WORK


def test_the_research_codebook_defines_off_benefit_as_the_dashboard_does():
    from types import SimpleNamespace

    from django.utils import translation

    from evaluation.research.codebook import readme_text
    from evaluation.research.models import ExportFormat
    from evaluation.research.tables import OUTCOMES
    from participants.models import OUTFLOW_TO_WORK_REASONS, BenefitEndReason

    column = next(c for c in OUTCOMES.columns if c.name == "outflow_to_work")
    with translation.override("nl"):
        counted = {str(BenefitEndReason(reason).label).lower() for reason in
                   OUTFLOW_TO_WORK_REASONS}  # fmt: skip
    assert counted == {"werk", "opleiding", "eigen bedrijf"}
    for reason in counted:
        assert reason in column.label
    project = SimpleNamespace(name="P", institution="I", agreement_reference="A",
                              export_retention_days=30)  # fmt: skip
    text = readme_text(project, [], ExportFormat.CSV, {})
    assert "Uit de uitkering na 6 maanden (outflow_to_work)" in text
    assert "verhuizing of een werkende partner telt niet" in text
    assert "niet 0%" in text


def test_the_programme_page_shows_the_goals_figure_with_what_was_measured(client, make_user):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    programme.goals.create(metric=GoalMetric.IN_WORK_3M, target=50)
    programme.goals.create(metric=GoalMetric.OFF_BENEFIT_6M, target=50)
    cohort = CohortFactory(programme=programme)
    due_3 = datetime.date(2026, 7, 24)
    for employment, measured in ((Employment.FULL_TIME, due_3), (Employment.NONE, due_3),
                                 ("", None)):  # fmt: skip
        _follow_up(_member(programme, cohort), cohort, 3, due_3, measured, employment=employment)
    client.force_login(manager)
    page = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "50% — 1 van 2" in page
    assert "gemeten 2 van 3; 1 nog niet gemeten" in page
    assert "per vandaag, 30 november 2026" in page
    goals = {row.metric: row for row in selectors.goals_with_actuals(programme)}
    assert (goals[GoalMetric.IN_WORK_3M].actual, goals[GoalMetric.IN_WORK_3M].reached) == (
        50,
        True,
    )
    # No 6-month follow-up is due: not yet measurable, not "not reached".
    assert goals[GoalMetric.OFF_BENEFIT_6M].actual is None
    assert goals[GoalMetric.OFF_BENEFIT_6M].rate == selectors.Rate(0, 0, 0)
    assert "nog niet te meten" in page


def test_found_5_the_caseload_is_counted_with_the_statuses_of_the_as_of_date(client, make_user):
    manager = make_user(Role.MANAGER)
    consultant = make_user(Role.CONSULTANT)
    participant = ParticipantFactory(
        municipality=manager.municipality, consultant=consultant, status="dropped_out"
    )
    for to_status, day in (("registered", datetime.date(2026, 1, 5)),
                           ("in_programme", datetime.date(2026, 2, 1)),
                           ("dropped_out", datetime.date(2026, 7, 15))):  # fmt: skip
        StatusChange.objects.create(
            participant=participant, to_status=to_status,
            changed_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC),
        )  # fmt: skip
    figures, page = _dashboard(client, manager, date_to="2026-06-30")
    [row] = [c for c in figures.activity.consultants if c.pk == consultant.pk]
    assert row.active_caseload == 1  # in the programme on 30 June
    assert "Actieve caseload op 30 juni 2026" in page
    figures, _page = _dashboard(client, manager)
    [row] = [c for c in figures.activity.consultants if c.pk == consultant.pk]
    assert row.active_caseload == 0  # dropped out since

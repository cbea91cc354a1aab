"""The manager's dashboard and the programme page: figures of a programme built here by
hand, the Zwolle demo's 48% and 57%, the period filter, consultant activity, access per
role, and a query count that does not grow with the number of participants."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultants.models import CoachingSession
from evaluation.dashboards import selectors
from evaluation.questionnaires.models import Stakeholder, StakeholderKind, StakeholderRole
from participants.models import (
    BenefitEndReason,
    BenefitStatus,
    Employment,
    Enrolment,
    OutcomeMeasurement,
    Participant,
    StatusChange,
)
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeActivityFactory, ProgrammeFactory
from vakwerk.bsn import bsn_from_number
from vakwerk.models import GoalMetric, Municipality, Phase, Programme, User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

YOUTH = datetime.date(2004, 6, 1)
WORKER = datetime.date(1990, 5, 17)
OLDER = datetime.date(1970, 1, 1)
MEASURED_3M = datetime.date(2026, 7, 27)
MEASURED_6M = datetime.date(2026, 10, 26)


# Every figure is as of a date: the clock is pinned so that no test depends on today.
TODAY = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


def _outcome(participant, cohort, months, *, employment=None, benefit=None, measured=True):
    return OutcomeMeasurement.objects.create(
        participant=participant,
        cohort=cohort,
        follow_up=months,
        due_on=datetime.date(2026, 7, 24) if months == 3 else datetime.date(2026, 10, 24),
        measured_on=(MEASURED_3M if months == 3 else MEASURED_6M) if measured else None,
        employment=employment or "",
        benefit_status=benefit or "",
        benefit_end_reason=BenefitEndReason.WORK if benefit == BenefitStatus.NONE else "",
    )


@pytest.fixture
def programme(municipality, make_user):
    """Six participants in two groups plus one of the comparison group:

    | who | group | target | benefit  | status               | 3 months  | 6 months |
    | a   | 1     | worker | bijstand | off benefit          | full-time | none     |
    | b   | 1     | youth  | ww       | placed               | part-time | none     |
    | c   | 1     | older  | bijstand | matched              | no work   | full     |
    | d   | 1     | worker | ww       | dropped out (was in) | no work   | —        |
    | e   | 2     | worker | bijstand | in programme         | —         | —        |
    | f   | —     | youth  | bijstand | registered           | —         | —        |
    | g   | 1     | worker | bijstand | off benefit, comparison group, in work: never counted |
    """
    programme = ProgrammeFactory(municipality=municipality, name="VAK Testdorp")
    programme.goals.create(metric=GoalMetric.IN_WORK_3M, target=Decimal("50"))
    programme.goals.create(metric=GoalMetric.OFF_BENEFIT_6M, target=Decimal("60"))
    programme.goals.create(metric=GoalMetric.PARTICIPANTS, target=Decimal("10"))
    first = CohortFactory(programme=programme, name="Groep 1")
    second = CohortFactory(programme=programme, name="Groep 2")
    consultant = make_user(Role.CONSULTANT, first_name="Karin", last_name="Coach")

    def person(status, birth_date, benefit, cohort=None, **extra):
        participant = ParticipantFactory(
            municipality=municipality,
            programme=programme,
            status=status,
            birth_date=birth_date,
            benefit_type=benefit,
            consultant=consultant,
            **extra,
        )
        if cohort:
            Enrolment.objects.create(
                cohort=cohort, participant=participant, enrolled_on=cohort.start_date
            )
        return participant

    a = person("off_benefit", WORKER, "bijstand", first)
    b = person("placed", YOUTH, "ww", first)
    c = person("matched", OLDER, "bijstand", first)
    d = person("dropped_out", WORKER, "ww", first)
    e = person("in_programme", WORKER, "bijstand", second)
    f = person("registered", YOUTH, "bijstand")
    g = person("off_benefit", WORKER, "bijstand", first, in_comparison_group=True)
    # d dropped out after reaching "in programme": the history says so.
    for to_status, day in (("registered", 1), ("selected", 10), ("in_programme", 20),
                           ("dropped_out", 27)):  # fmt: skip
        StatusChange.objects.create(
            participant=d,
            to_status=to_status,
            changed_at=datetime.datetime(2026, 2, day, 10, tzinfo=datetime.UTC),
        )
    _outcome(a, first, 3, employment=Employment.FULL_TIME, benefit=BenefitStatus.PARTIAL)
    _outcome(b, first, 3, employment=Employment.PART_TIME, benefit=BenefitStatus.PARTIAL)
    _outcome(c, first, 3, employment=Employment.NONE, benefit=BenefitStatus.FULL)
    _outcome(d, first, 3, employment=Employment.NONE, benefit=BenefitStatus.FULL)
    _outcome(e, second, 3, measured=False)
    _outcome(g, first, 3, employment=Employment.FULL_TIME, benefit=BenefitStatus.NONE)
    _outcome(a, first, 6, employment=Employment.FULL_TIME, benefit=BenefitStatus.NONE)
    _outcome(b, first, 6, employment=Employment.PART_TIME, benefit=BenefitStatus.NONE)
    _outcome(c, first, 6, employment=Employment.NONE, benefit=BenefitStatus.FULL)
    _outcome(d, first, 6, measured=False)
    _outcome(g, first, 6, employment=Employment.FULL_TIME, benefit=BenefitStatus.NONE)
    programme.people = {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}
    programme.consultant = consultant
    programme.cohort_pks = (first.pk, second.pk)
    return programme


def _figures(client, manager, **params):
    client.force_login(manager)
    response = client.get(reverse("evaluation:dashboard"), params)
    assert response.status_code == 200
    return response, response.context["figures"]


def test_funnel_counts_every_stage_a_participant_reached(client, make_user, programme):
    _response, figures = _figures(client, make_user(Role.MANAGER), programme=programme.pk)
    funnel = {stage.status: stage.count for stage in figures.funnel}
    assert funnel == {
        "registered": 6,
        "selected": 5,
        "in_programme": 5,
        "matched": 3,
        "placed": 2,
        "off_benefit": 1,
    }


def test_outcomes_and_their_splits(client, make_user, programme):
    response, figures = _figures(client, make_user(Role.MANAGER), programme=programme.pk)
    outcomes = figures.outcomes
    # Due by the as-of date: a-e at 3 months (e not measured), a-d at 6 (d not measured).
    assert outcomes.total.in_work_3m == selectors.Rate(successes=2, measured=4, eligible=5)
    assert outcomes.total.in_work_3m_percent == 50
    assert outcomes.total.off_benefit_6m == selectors.Rate(successes=2, measured=3, eligible=4)
    assert outcomes.total.off_benefit_6m_percent == 67
    assert (outcomes.goal_in_work_3m, outcomes.goal_off_benefit_6m) == (50, 60)
    assert (outcomes.reference_in_work_3m, outcomes.reference_off_benefit_6m) == (48, 57)

    splits = {
        split.dimension: {row.key: (row.in_work_3m_percent, row.off_benefit_6m_percent)
                          for row in split.rows}
        for split in outcomes.splits
    }  # fmt: skip
    first, second = (str(pk) for pk in programme.cohort_pks)
    assert splits["cohort"] == {first: (50, 67), second: (None, None)}
    assert splits["target_group"] == {"youth": (100, 100), "workers": (50, 100), "older": (0, 0)}
    assert splits["benefit_type"] == {"bijstand": (50, 50), "ww": (50, 100)}

    page = response.content.decode()
    assert 'data-testid="in-work-3m-total">50%' in page
    assert 'data-testid="off-benefit-6m-total">67%' in page
    assert "2 van 3 gemeten · gemeten 3 van 4 · 1 nog niet gemeten" in page
    # Every chart is an accessible SVG with a table of the same figures.
    assert page.count('role="img"') == 5  # funnel, two outcomes, sessions, savings
    assert page.count("<title>") >= 5
    for table in ("funnel-table", "outcome-table", "sessions-table", "savings-table"):
        assert f'data-testid="{table}"' in page


def test_goals_against_actuals(client, make_user, programme):
    _response, figures = _figures(client, make_user(Role.MANAGER), programme=programme.pk)
    [(shown, rows)] = figures.goals
    assert shown == programme
    actual = {row.metric: (row.actual, row.reached) for row in rows}
    assert actual == {
        GoalMetric.IN_WORK_3M: (50, True),
        GoalMetric.OFF_BENEFIT_6M: (67, True),
        GoalMetric.PARTICIPANTS: (6, False),
    }


def test_a_period_is_the_cohort_that_entered_in_it_as_of_its_last_day(
    client, make_user, programme
):
    # d entered in February; the period ends before the 6-month follow-ups were measured.
    Participant.objects.filter(pk=programme.people["d"].pk).update(
        enrolled_on=datetime.date(2026, 2, 1)
    )
    _response, figures = _figures(
        client, make_user(Role.MANAGER), programme=programme.pk,
        date_from="2026-02-01", date_to="2026-08-31",
    )  # fmt: skip
    assert figures.on_date == datetime.date(2026, 8, 31)
    assert figures.funnel[0].count == 1
    assert figures.outcomes.total.in_work_3m == selectors.Rate(0, 1, 1)
    # Not due by 31 August: not yet measurable, no 0 %.
    assert figures.outcomes.total.off_benefit_6m == selectors.Rate(0, 0, 0)
    assert figures.outcomes.total.off_benefit_6m_percent is None
    # d's history: in programme on 20 February, dropped out on 27 February.
    funnel = {stage.status: stage.count for stage in figures.funnel}
    assert funnel["in_programme"] == 1
    assert funnel["placed"] == 0
    assert dict((status.value, n) for status, n in figures.status_counts)["dropped_out"] == 1

    _response, figures = _figures(
        client, make_user(Role.MANAGER), programme=programme.pk,
        date_from="2026-01-01", date_to="2026-01-31",
    )  # fmt: skip
    assert figures.on_date == datetime.date(2026, 1, 31)
    assert figures.funnel[0].count == 5  # a, b, c, e, f entered on 5 January
    assert figures.outcomes.total.in_work_3m == selectors.Rate(0, 0, 0)


def test_a_period_that_ends_before_it_starts_is_refused(client, make_user, programme):
    response, figures = _figures(
        client, make_user(Role.MANAGER), date_from="2026-09-01", date_to="2026-01-01"
    )
    assert response.context["form"].errors
    assert figures.period == selectors.Period()


@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_an_odd_date_gives_a_dutch_error_on_the_dashboard(client, make_user, programme, field):
    response, figures = _figures(client, make_user(Role.MANAGER), **{field: "31-02-2026"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Voer een geldige datum in." in html
    # Django points the input at its error (aria-describedby): that element exists.
    assert f'aria-describedby="id_{field}_error"' in html and f'id="id_{field}_error"' in html
    assert figures.period == selectors.Period()


def test_consultant_activity(client, make_user, programme, municipality):
    consultant = programme.consultant
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    for weeks_ago, count in ((0, 2), (1, 3), (20, 5)):
        for _ in range(count):
            CoachingSession.objects.create(
                consultant=consultant,
                participant=programme.people["a"],
                held_on=monday - datetime.timedelta(weeks=weeks_ago),
                minutes=45,
            )
    response, figures = _figures(client, make_user(Role.MANAGER))
    activity = figures.activity
    assert len(activity.weeks) == selectors.DEFAULT_ACTIVITY_WEEKS
    assert [week.sessions for week in activity.weeks][-2:] == [3, 2]
    assert activity.sessions == 5  # the sessions of 20 weeks ago fall outside 12 weeks
    assert activity.per_week == Decimal("0.4")  # 5 / 12 = 0.4166…
    [row] = [c for c in activity.consultants if c.pk == consultant.pk]
    # Active caseload: b, c, e and f (a is off benefit, d dropped out; g is comparison).
    assert (row.active_caseload, row.sessions_held) == (4, 5)
    # Overdue: e's 3-month and d's 6-month follow-up are due and not measured.
    assert row.overdue_follow_ups == 2
    page = response.content.decode()
    assert f'data-testid="consultant-{consultant.pk}"' in page


def test_municipality_view_covers_every_programme(client, make_user, programme, municipality):
    other = ProgrammeFactory(municipality=municipality, name="VAK Tweede")
    ParticipantFactory(municipality=municipality, programme=other, status="registered")
    response, figures = _figures(client, make_user(Role.MANAGER))
    assert figures.scope.programme is None
    assert figures.funnel[0].count == 7
    assert {item for item, _rows in figures.goals} == {other, programme}
    assert {result.programme for result in figures.savings.results} == {programme, other}
    # With two programmes, neither's goals are the municipality's.
    assert figures.outcomes.goal_in_work_3m is None


def test_another_municipalitys_programme_cannot_be_chosen(
    client, make_user, programme, other_municipality
):
    foreign = ProgrammeFactory(municipality=other_municipality)
    manager = make_user(Role.MANAGER, municipality=other_municipality)
    response, figures = _figures(client, manager, programme=programme.pk)
    assert response.context["form"].errors
    assert figures.scope.programme is None
    assert figures.scope.municipality == other_municipality
    assert figures.funnel[0].count == 0
    assert foreign in [item for item, _rows in figures.goals]


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.EMPLOYER, Role.RESEARCHER, Role.WSP,
                                  Role.ADMIN])  # fmt: skip
def test_only_managers_see_the_dashboard(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("evaluation:dashboard")).status_code == 403


def test_demo_zwolle_shows_48_and_57_percent(client, demo):
    manager = User.objects.get(email="manager@zwolle.example")
    zwolle = Programme.objects.get(name="VAK Zwolle")
    for params in ({"programme": zwolle.pk}, {}):
        response, figures = _figures(client, manager, **params)
        total = figures.outcomes.total
        assert total.in_work_3m == selectors.Rate(successes=34, measured=71, eligible=72)
        assert total.in_work_3m_percent == 48
        assert total.off_benefit_6m == selectors.Rate(successes=41, measured=72, eligible=72)
        assert total.off_benefit_6m_percent == 57
        assert (figures.outcomes.goal_in_work_3m, figures.outcomes.goal_off_benefit_6m) == (48, 57)
        assert figures.funnel[0].count == 72
        assert figures.funnel[-1].count == 41
        page = response.content.decode()
        assert 'data-testid="in-work-3m-total">48%' in page
        assert 'data-testid="off-benefit-6m-total">57%' in page
        assert "€ 517.405,00" in page  # 14 off bijstand × € 14.783 × 2,5 years
    goals = {row.metric: row.actual for row in selectors.goals_with_actuals(zwolle)}
    assert goals[GoalMetric.IN_WORK_3M] == 48
    assert goals[GoalMetric.OFF_BENEFIT_6M] == 57
    assert goals[GoalMetric.PARTICIPANTS] == 72
    assert goals[GoalMetric.COHORTS] == 6


# Query count


def _populate(programme, cohort, consultant, first, count):
    """`count` participants with a status history, sessions and follow-ups, in bulk."""
    people = Participant.objects.bulk_create(
        Participant(
            municipality=programme.municipality,
            programme=programme,
            bsn=bsn_from_number(20_000_000 + index * 37),
            first_name="Test",
            last_name=f"Deelnemer {index}",
            birth_date=WORKER,
            target_group="workers" if index % 2 else "youth",
            benefit_type="bijstand" if index % 3 else "ww",
            status=("placed", "off_benefit", "in_programme")[index % 3],
            consultant=consultant,
            enrolled_on=datetime.date(2026, 1, 5),
        )
        for index in range(first, first + count)
    )
    Enrolment.objects.bulk_create(
        Enrolment(cohort=cohort, participant=p, enrolled_on=cohort.start_date) for p in people
    )
    StatusChange.objects.bulk_create(
        StatusChange(participant=p, to_status="in_programme",
                     changed_at=datetime.datetime(2026, 2, 2, tzinfo=datetime.UTC))
        for p in people
    )  # fmt: skip
    CoachingSession.objects.bulk_create(
        CoachingSession(consultant=consultant, participant=p, minutes=30,
                        held_on=timezone.localdate() - datetime.timedelta(days=index % 60))
        for index, p in enumerate(people)
    )  # fmt: skip
    OutcomeMeasurement.objects.bulk_create(
        OutcomeMeasurement(
            participant=p, cohort=cohort, follow_up=months, due_on=datetime.date(2026, 8, 1),
            measured_on=datetime.date(2026, 8, 3) if index % 2 else None,
            employment="full_time" if index % 4 == 1 else "none",
            benefit_status="none" if index % 4 == 1 else "full",
        )
        for index, p in enumerate(people)
        for months in (3, 6)
    )  # fmt: skip


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_participants(client, make_user, municipality):
    manager = make_user(Role.MANAGER)
    consultant = make_user(Role.CONSULTANT)
    programme = ProgrammeFactory(municipality=municipality)
    programme.goals.create(metric=GoalMetric.IN_WORK_3M, target=50)
    programme.goals.create(metric=GoalMetric.JOB_INTENTIONS, target=5)
    cohort = CohortFactory(programme=programme)
    _populate(programme, cohort, consultant, 0, 10)
    client.force_login(manager)
    urls = [
        reverse("evaluation:dashboard"),
        reverse("evaluation:dashboard") + f"?programme={programme.pk}",
        reverse("evaluation:dashboard") + f"?programme={programme.pk}&date_from=2026-01-01",
        reverse("programme_detail", args=[programme.pk]),
    ]
    with_10 = [_queries(client, url) for url in urls]
    _populate(programme, cohort, consultant, 10, 190)
    assert Participant.objects.filter(programme=programme).count() == 200
    with_200 = [_queries(client, url) for url in urls]
    assert with_10 == with_200
    assert max(with_200) < 40


# The programme page


def test_programme_page_shows_phase_activities_goals_and_stakeholders(
    client, make_user, programme
):
    programme.phase = Phase.EXECUTION
    programme.save()
    ProgrammeActivityFactory(
        programme=programme, what="Werkgevers benaderen", who="WSP", why="Baanintenties",
        done_on=datetime.date(2026, 3, 2),
    )  # fmt: skip
    steering = Stakeholder.objects.create(
        programme=programme,
        name="ROC Deltion",
        kind=StakeholderKind.EDUCATION,
        role=StakeholderRole.INTERVENTION,
        steering_group=True,
    )
    Stakeholder.objects.create(
        programme=programme,
        name="Uitzendbureau Flex",
        kind=StakeholderKind.AGENCY,
        role=StakeholderRole.INFORMATION,
    )
    client.force_login(make_user(Role.MANAGER))
    response = client.get(reverse("programme_detail", args=[programme.pk]))
    page = response.content.decode()
    assert 'data-testid="current-phase">' + str(Phase.EXECUTION.label) in page
    assert "Werkgevers benaderen" in page and "Baanintenties" in page
    assert "ROC Deltion" in page and "Uitzendbureau Flex" in page
    assert str(StakeholderRole.INTERVENTION.label) in page
    assert f'data-testid="stakeholder-{steering.pk}"' in page
    goals = {row.metric: row.actual for row in response.context["goals"]}
    assert goals == {
        GoalMetric.IN_WORK_3M: 50,
        GoalMetric.OFF_BENEFIT_6M: 67,
        GoalMetric.PARTICIPANTS: 6,
    }
    assert 'data-testid="goal-in_work_3m"' in page


def test_wsp_sees_the_programme_page_without_stakeholders(client, make_user, programme):
    Stakeholder.objects.create(
        programme=programme, name="ROC Deltion", kind=StakeholderKind.EDUCATION,
        role=StakeholderRole.INFLUENCE,
    )  # fmt: skip
    client.force_login(make_user(Role.WSP))
    page = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "ROC Deltion" not in page
    assert 'data-testid="goals"' in page


def test_programme_page_of_another_municipality_is_404(client, make_user, programme):
    other = Municipality.objects.create(name="Elders", cbs_code="0999")
    client.force_login(make_user(Role.MANAGER, municipality=other))
    assert client.get(reverse("programme_detail", args=[programme.pk])).status_code == 404


def test_dashboard_needs_at_most_23_queries_for_one_programme_or_five(
    client, make_user, municipality
):
    """The municipality view and a programme's, with and without a period: at most 23
    queries (20, and the register's net effect: two, three with a match), and the same
    number for five programmes as for one (goals, savings and the net effect are worked
    out for all programmes at once)."""
    manager = make_user(Role.MANAGER)
    consultant = make_user(Role.CONSULTANT)
    client.force_login(manager)
    url = reverse("evaluation:dashboard")
    period = "date_from=2026-01-01&date_to=2026-12-31"

    def add_programme(index):
        programme = ProgrammeFactory(municipality=municipality, name=f"VAK {index}")
        programme.goals.create(metric=GoalMetric.IN_WORK_3M, target=50)
        programme.goals.create(metric=GoalMetric.COHORTS, target=2)
        programme.goals.create(metric=GoalMetric.JOB_INTENTIONS, target=5)
        _populate(programme, CohortFactory(programme=programme), consultant, index * 20, 20)
        return programme

    first = add_programme(0)
    urls = [url, f"{url}?{period}", f"{url}?programme={first.pk}",
            f"{url}?programme={first.pk}&{period}"]  # fmt: skip
    with_1 = [_queries(client, each) for each in urls]
    for index in range(1, 5):
        add_programme(index)
    with_5 = [_queries(client, each) for each in urls]
    assert max(with_1) <= 21, with_1
    assert with_5 == with_1


# Many groups: the dashboard shows the most recent, the groups page all of them


def _groups(programme, count, first=0):
    start = datetime.date(2024, 1, 1)
    return [
        CohortFactory(programme=programme, name=f"Groep {index:03d}",
                      start_date=start + datetime.timedelta(weeks=index),
                      end_date=start + datetime.timedelta(weeks=index + 12))
        for index in range(first, first + count)
    ]  # fmt: skip


def test_dashboard_shows_the_most_recent_groups_and_links_to_all(client, make_user, municipality):
    programme = ProgrammeFactory(municipality=municipality)
    groups = _groups(programme, 15)
    response, figures = _figures(client, make_user(Role.MANAGER))
    split = figures.outcomes.splits[0]
    assert [row.key for row in split.rows] == [str(group.pk) for group in groups[3:]]
    assert split.total == 15
    page = response.content.decode()
    assert f'data-testid="outcome-cohort-{groups[-1].pk}"' in page
    assert f'data-testid="outcome-cohort-{groups[0].pk}"' not in page
    assert "de 12 meest recente van 15 groepen" in page
    assert reverse("evaluation:dashboard_groups") in page
    # The monitoring report is a record: it keeps every group.
    scope = selectors.Scope(municipality, programme)
    assert len(selectors.dashboard(scope, groups=None).outcomes.splits[0].rows) == 15


def test_groups_page_lists_every_group_in_pages(client, make_user, municipality):
    programme = ProgrammeFactory(municipality=municipality)
    groups = _groups(programme, 55)
    client.force_login(make_user(Role.MANAGER))
    url = reverse("evaluation:dashboard_groups")
    first = client.get(url, {"programme": programme.pk})
    assert first.status_code == 200
    assert [row.key for row in first.context["page"]] == [str(g.pk) for g in groups[:50]]
    assert "55 groepen" in first.content.decode()
    second = client.get(url, {"programme": programme.pk, "page": 2})
    assert [row.key for row in second.context["page"]] == [str(g.pk) for g in groups[50:]]
    assert f"programme={programme.pk}&amp;page=1" in second.content.decode()


def test_groups_page_query_count_does_not_grow_with_groups(client, make_user, municipality):
    programme = ProgrammeFactory(municipality=municipality)
    consultant = make_user(Role.CONSULTANT)
    groups = _groups(programme, 3)
    _populate(programme, groups[0], consultant, 0, 10)
    client.force_login(make_user(Role.MANAGER))
    url = reverse("evaluation:dashboard_groups")
    urls = [url, f"{url}?programme={programme.pk}&page=2"]
    few = [_queries(client, url) for url in urls]
    more = _groups(programme, 60, first=3)
    _populate(programme, more[-1], consultant, 10, 40)
    assert [_queries(client, url) for url in urls] == few
    assert max(few) <= 20


def test_groups_page_shows_no_other_municipalitys_groups(
    client, make_user, municipality, other_municipality
):
    foreign = ProgrammeFactory(municipality=other_municipality)
    _groups(foreign, 2)
    client.force_login(make_user(Role.MANAGER))
    response = client.get(reverse("evaluation:dashboard_groups"), {"programme": foreign.pk})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert list(response.context["page"]) == []
    assert foreign.name not in response.content.decode()


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.EMPLOYER, Role.RESEARCHER, Role.WSP,
                                  Role.ADMIN])  # fmt: skip
def test_only_managers_see_the_groups_page(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("evaluation:dashboard_groups")).status_code == 403

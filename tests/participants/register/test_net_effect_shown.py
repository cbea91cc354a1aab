"""Where the measured net effect shows: the dashboard beside the gross figures, the savings
model's counterfactual and its range (page, savings PDF, ledger calculation), the
monitoring PDF, the net-effect page's split per group, and the navigation.

The world is one seed of the generated municipality of `test_net_effect` (a known true
effect of +10 points, a register of 760 people in two snapshots). Every figure a page
shows is compared with the selector and with a computation from the generated lists
alone (`independent_estimate` and the plain-Python savings below), never with the app's
own numbers only."""

import datetime
import io
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from funding import savings
from funding.templatetags.money import euro
from participants.models import BenefitStatus, Employment, OutcomeMeasurement
from participants.register import selectors
from participants.register import services as register_services
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.participants.register.generated_register import (
    DUE_ON,
    ENROLLED_ON,
    GROUP_END,
    arms,
    generate,
    independent_estimate,
    load,
)
from tests.vakwerk.factories import MunicipalityFactory, ProgrammeFactory, UserFactory
from vakwerk.models import Programme, User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

SEED = 3
NOW = datetime.datetime(2025, 12, 1, 10, tzinfo=datetime.UTC)
TODAY = datetime.date(2025, 12, 1)
DASHBOARD_URL = reverse("evaluation:dashboard")
NET_EFFECT_URL = reverse("benefit_register:net_effect")
SAVINGS_URL = reverse("funding:savings")
Z_95 = 1.959963984540054


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
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


# Participants the register cannot match, added to the generated ones: three without a
# benefit start, two who entered before the first snapshot. All off benefit, so that
# counting them in either arm would show; "other or none" costs nothing, so they leave
# the savings' money alone.
NO_START, BEFORE_REGISTER = 3, 2


@pytest.fixture
def world():
    people = generate(SEED)
    municipality = load(SEED, people)
    manager = User.objects.get(municipality=municipality, role=Role.MANAGER)
    programme = Programme.objects.get(municipality=municipality)
    cohort = programme.cohorts.get()
    for index in range(NO_START + BEFORE_REGISTER):
        before = index >= NO_START
        participant = ParticipantFactory(
            municipality=municipality, programme=programme, benefit_type="other",
            benefit_start=datetime.date(2024, 1, 1) if before else None,
            enrolled_on=datetime.date(2024, 12, 2) if before else ENROLLED_ON,
        )  # fmt: skip
        OutcomeMeasurement.objects.create(
            participant=participant, cohort=cohort, follow_up=6, due_on=DUE_ON,
            measured_on=DUE_ON, employment=Employment.FULL_TIME,
            benefit_status=BenefitStatus.NONE, benefit_end_reason="work",
        )  # fmt: skip
    expected = independent_estimate(people)
    expected["unmatched"] += NO_START + BEFORE_REGISTER
    return {
        "people": people,
        "municipality": municipality,
        "manager": manager,
        "programme": programme,
        "expected": expected,
    }


def words(html):
    """The page's text with every tag a space: cells stay apart."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def nl(value):
    """A number as the Dutch pages print it."""
    with translation.override("nl"):
        return formats.localize(value)


def points(fraction):
    """Percentage points with one decimal, half up: computed here, not by the selector."""
    return (Decimal(repr(fraction)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def whole_percent(fraction):
    return (Decimal(repr(fraction)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def comparison_interval(people):
    """The comparison rate's 95 % interval from the generated lists alone."""
    treated, pool = arms(people)
    matched = {s: n for s, (n, _x) in treated.items() if s in pool}
    total = sum(matched.values())
    p_c = sum(n / total * pool[s][1] / pool[s][0] for s, n in matched.items())
    variance = 0.0
    for s, n in matched.items():
        m, c = pool[s]
        plus_two = (c + 1) / (m + 2)
        variance += (n / total) ** 2 * plus_two * (1 - plus_two) / m
    half = Z_95 * math.sqrt(variance)
    return p_c, max(0.0, p_c - half), min(1.0, p_c + half)


def rate(fraction):
    return Decimal(repr(fraction)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def expected_net(people, assumptions, counterfactual):
    """Net projected savings at a rate, from the generated participants: Σ per benefit
    type max(0, off − rate × measured) × yearly cost × duration (no partial benefit)."""
    cent = Decimal("0.01")
    yearly = {"bijstand": assumptions.yearly_cost_bijstand, "ww": assumptions.yearly_cost_ww}
    total = Decimal(0)
    for benefit_type, cost in yearly.items():
        mine = [p for p in people if p["participant"] and p["type"] == benefit_type]
        off = Decimal(sum(p["off"] for p in mine))
        anyway = (counterfactual * len(mine)).quantize(cent, rounding=ROUND_HALF_UP)
        net = max(Decimal(0), off - anyway)
        total += (net * cost * assumptions.remaining_duration_years).quantize(
            cent, rounding=ROUND_HALF_UP
        )
    return total.quantize(cent)


def six_months(municipality, **kwargs):
    (row,) = selectors.net_effects(municipality, TODAY, **kwargs).for_follow_up(6)
    return row


# The dashboard


def test_the_dashboard_shows_the_net_effect_beside_the_gross_figures(login, world):
    expected = world["expected"]
    row = six_months(world["municipality"])
    assert row.difference == pytest.approx(expected["difference"], abs=1e-12)
    assert row.low == pytest.approx(expected["low"], abs=1e-12)
    assert row.high == pytest.approx(expected["high"], abs=1e-12)
    assert row.unmatched_total == expected["unmatched"] > 0

    response = login(world["manager"]).get(DASHBOARD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    page = words(html)
    # The 6-month card: the gross rate, and under it the net effect with its interval.
    card = (
        f"Netto-effect: {nl(points(expected['difference']))} procentpunt "
        f"(95%-interval {nl(points(expected['low']))} – {nl(points(expected['high']))}) · "
        f"{expected['unmatched']} deelnemers zonder match"
    )
    assert card in page
    assert card == (
        f"Netto-effect: {nl(row.difference_points)} procentpunt (95%-interval "
        f"{nl(row.low_points)} – {nl(row.high_points)}) · {row.unmatched_total} deelnemers "
        "zonder match"
    )
    # The table of every follow-up: the 6-month row in full.
    table_row = (
        f"6 maanden {whole_percent(expected['p_t'])}% {whole_percent(expected['p_c'])}% "
        f"{nl(points(expected['difference']))} {nl(points(expected['low']))} – "
        f"{nl(points(expected['high']))} {expected['matched']} {expected['unmatched']}"
    )
    assert table_row in page
    assert f'href="{NET_EFFECT_URL}"' in html
    # Follow-ups not due yet are no figure.
    assert "12 maanden – nog niet te meten 0 0" in page


def test_without_a_snapshot_the_dashboard_says_so_and_makes_up_nothing(login, make_user):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    cohort = CohortFactory(programme=programme, start_date=ENROLLED_ON, end_date=GROUP_END)
    participant = ParticipantFactory(
        municipality=manager.municipality, programme=programme, enrolled_on=ENROLLED_ON
    )
    OutcomeMeasurement.objects.create(
        participant=participant, cohort=cohort, follow_up=6, due_on=DUE_ON,
        measured_on=DUE_ON, employment=Employment.FULL_TIME,
        benefit_status=BenefitStatus.NONE, benefit_end_reason="work",
    )  # fmt: skip
    response = login(manager).get(DASHBOARD_URL)
    assert response.status_code == 200
    page = words(response.content.decode())
    assert "Netto-effect: nog geen snapshot van het uitkeringsregister." in page
    assert (
        "Tot deze datum is er geen snapshot van het uitkeringsregister: er is nog geen "
        "vergelijkingsgroep." in page
    )
    assert "procentpunt (95%-interval" not in page
    assert 'data-testid="net-effect-table"' not in response.content.decode()
    # The gross figure is still there: 1 of 1 off benefit.
    assert "100%" in page


def test_a_period_counts_its_own_entrants_on_both_sides(login, world):
    """Everyone entered before February 2025: a period from then has nobody to compare,
    so no net figure and no range, while the whole period has both."""
    client = login(world["manager"])
    later = client.get(DASHBOARD_URL, {"date_from": "2025-02-01", "date_to": "2025-11-30"})
    assert later.status_code == 200
    page = words(later.content.decode())
    assert "Netto-effect: nog niet te meten · 0 deelnemers zonder match" in page
    assert 'data-testid="net-projected-range"' not in later.content.decode()
    row = six_months(world["municipality"], entered_from=datetime.date(2025, 2, 1))
    assert (row.eligible, row.matched, row.measurable) == (0, 0, False)

    whole = client.get(DASHBOARD_URL, {"date_from": "2024-12-01", "date_to": "2025-11-30"})
    html = whole.content.decode()
    assert f"{world['expected']['unmatched']} deelnemers zonder match" in words(html)
    assert 'data-testid="net-projected-range"' in html


def _dashboard_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_dashboard_and_savings_page_queries_do_not_grow_with_the_register(login, world):
    """The net effect is worked out in SQL: a second group of 60 matched participants
    (new strata, a second programme) adds no query to the dashboard or the savings page.
    With the comparison pools stored by their job (as a running system has them) and
    without (computed in the request: two queries more, whatever the numbers: the pools'
    query over the register, and the sums once more with them)."""
    client = login(world["manager"])
    programme = world["programme"]
    urls = [DASHBOARD_URL, f"{DASHBOARD_URL}?programme={programme.pk}",
            f"{DASHBOARD_URL}?date_from=2025-01-01&date_to=2025-11-30", SAVINGS_URL]  # fmt: skip
    cold = [_dashboard_queries(client, url) for url in urls]
    register_services.refresh_comparison_pools(world["municipality"].pk)
    before = [_dashboard_queries(client, url) for url in urls]
    assert max(before[:3]) <= 21, before
    assert cold == [count + 2 for count in before], (cold, before)

    second = ProgrammeFactory(municipality=world["municipality"], name="VAK Twee")
    cohort = CohortFactory(programme=second, start_date=ENROLLED_ON, end_date=GROUP_END)
    comparable = [p for p in world["people"] if not p["participant"] and p["stratum"]][:60]
    for index, person in enumerate(comparable):
        participant = ParticipantFactory(
            municipality=world["municipality"], programme=second,
            birth_date=datetime.date(person["birth_year"], 7, 1),
            benefit_type=person["type"], benefit_start=person["start"],
            enrolled_on=ENROLLED_ON + datetime.timedelta(days=index % 3),
        )  # fmt: skip
        OutcomeMeasurement.objects.create(
            participant=participant, cohort=cohort, follow_up=6, due_on=DUE_ON,
            measured_on=DUE_ON, benefit_status=BenefitStatus.FULL,
        )  # fmt: skip
    assert six_months(world["municipality"], programme=second).matched > 0
    # Until the job has run, the new group's strata are computed in the request.
    waiting = [_dashboard_queries(client, url) for url in urls]
    assert all(before[i] <= waiting[i] <= cold[i] for i in range(len(urls))), (waiting, cold)
    register_services.refresh_comparison_pools(world["municipality"].pk)
    assert [_dashboard_queries(client, url) for url in urls] == before


# The savings model


def test_the_savings_model_uses_the_registers_rate_and_its_interval(world):
    people, programme = world["people"], world["programme"]
    assumptions = savings.default_assumptions(world["municipality"])
    assert assumptions.sustainable_follow_up == 6
    result = savings.compute_savings(programme, assumptions, TODAY)

    p_c, low, high = comparison_interval(people)
    row = six_months(world["municipality"], programme=programme)
    assert row.comparison_rate == pytest.approx(p_c, abs=1e-12)
    assert (row.comparison_low, row.comparison_high) == pytest.approx((low, high), abs=1e-12)

    assert result.counterfactual_source == savings.SOURCE_REGISTER
    assert result.counterfactual_rate == rate(p_c) == rate(row.comparison_rate)
    assert (result.counterfactual_low, result.counterfactual_high) == (rate(low), rate(high))
    assert result.register_matched == world["expected"]["matched"]
    assert result.net_projected == expected_net(people, assumptions, rate(p_c))
    # Low savings at the high rate, high savings at the low rate.
    assert result.net_projected_low == expected_net(people, assumptions, rate(high))
    assert result.net_projected_high == expected_net(people, assumptions, rate(low))
    assert result.net_projected_low < result.net_projected < result.net_projected_high
    # No cost booked: the savings after cost are the projected savings.
    assert result.net_savings_low == result.net_projected_low
    # The ledger's calculation keeps the source and the range.
    calculation = result.as_calculation()
    assert calculation["counterfactual_source"] == "benefit_register"
    assert calculation["figures"]["net_projected_range"] == [
        str(result.net_projected_low),
        str(result.net_projected_high),
    ]
    # The assumption rows say which source was used.
    with translation.override("nl"):
        label, text = savings.assumption_rows(assumptions, [result])[-1]
    assert label == "gebruikt contrafeitelijk scenario"
    assert text.startswith("gemeten: gematchte vergelijkingsgroep uit het uitkeringsregister")
    assert f"{world['expected']['matched']} deelnemers gematcht" in text


def test_without_a_register_rate_the_assumed_rate_stays_and_says_so(world, make_user):
    """A programme the register cannot match (no snapshot in its municipality) keeps the
    assumed reference rate, and no range."""
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    assumptions = savings.default_assumptions(manager.municipality)
    result = savings.compute_savings(programme, assumptions, TODAY)
    assert result.counterfactual_source == savings.SOURCE_REFERENCE_RATE
    assert result.counterfactual_rate == assumptions.reference_outflow_rate
    assert not result.has_range and result.net_projected_low is None
    with translation.override("nl"):
        _label, text = savings.assumption_rows(assumptions, [result])[-1]
    assert text.startswith("aangenomen: referentie-uitstroompercentage")


def test_the_savings_page_and_pdf_show_the_range(login, world):
    people, programme = world["people"], world["programme"]
    assumptions = savings.default_assumptions(world["municipality"])
    _p_c, low, high = comparison_interval(people)
    low_end = expected_net(people, assumptions, rate(high))
    high_end = expected_net(people, assumptions, rate(low))
    with translation.override("nl"):
        shown = f"{euro(low_end)} – {euro(high_end)}"

    response = login(world["manager"]).get(SAVINGS_URL)
    assert response.status_code == 200
    page = words(response.content.decode())
    assert f"Bandbreedte van de verwachte netto besparing (95%-interval van de " \
           f"vergelijkingsgroep) {shown}" in page  # fmt: skip
    assert f"Bandbreedte van de besparing na kosten {shown}" in page
    assert "uit het uitkeringsregister was bij dezelfde meting uit de uitkering" in page
    # The dashboard's savings table carries the same range.
    assert shown in words(login(world["manager"]).get(DASHBOARD_URL).content.decode())

    report = Report.objects.create(programme=programme, kind=ReportKind.SAVINGS,
                                   period_end=TODAY)  # fmt: skip
    text = pdf_words(reports.build_report(report.pk))
    assert shown in text
    assert "gemeten: gematchte vergelijkingsgroep uit het uitkeringsregister" in text


# The monitoring report


def pdf_words(report):
    from pypdf import PdfReader

    with reports.private_storage().open(report.file_name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_monitoring_report_has_the_net_effect_and_its_limit(world):
    expected = world["expected"]
    report = Report.objects.create(programme=world["programme"], kind=ReportKind.MONITORING,
                                   period_end=TODAY)  # fmt: skip
    text = pdf_words(reports.build_report(report.pk))
    assert "Netto-effect tegenover een gematchte vergelijkingsgroep" in text
    figures = (
        f"6 maanden {whole_percent(expected['p_t'])}% {whole_percent(expected['p_c'])}% "
        f"{nl(points(expected['difference']))} {nl(points(expected['low']))} – "
        f"{nl(points(expected['high']))} {expected['matched']} {expected['unmatched']}"
    )
    assert figures in text
    assert "Zo is het gemeten:" in text
    assert (
        "Beperking: ontwikkelpotentie, motivatie en gezondheid staan niet in het register" in text
    )
    assert "lees het netto-effect als een bovengrens" in text


# The net-effect page and the navigation


@pytest.mark.parametrize("as_of", ["morgen", "2025-13-45", "31-11-2025"])
def test_an_odd_date_gives_a_dutch_error_and_todays_figures(login, world, as_of):
    response = login(world["manager"]).get(NET_EFFECT_URL, {"as_of": as_of})
    assert response.status_code == 200
    page = words(response.content.decode())
    # Under the field, as on every form: the input marked invalid and pointing at it.
    html = response.content.decode()
    error = re.search(r'<div id="id_as_of_error" class="invalid-feedback">(.*?)</div>', html)
    assert error and words(error[1]) == "Voer een geldige datum in."
    date_input = re.search(r'<input type="date" name="as_of"[^>]*>', html)[0]
    assert 'aria-describedby="id_as_of_error"' in date_input and "is-invalid" in date_input
    # The figures the page does show are today's, and it says so.
    assert "Per vandaag" in page


def test_the_municipality_page_leads_to_each_programme_split_per_group(login, world):
    # Hundreds of groups in one table were unreadable (2,000 rows at national size): the
    # whole municipality is split by programme, and a programme's row opens its groups.
    response = login(world["manager"]).get(NET_EFFECT_URL, {"as_of": "2025-11-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Per groep" not in words(html)
    assert "Het netto-effect per groep staat op de pagina van het programma" in words(html)
    programme = world["programme"]
    link = f'href="?as_of=2025-11-30&amp;programme={programme.pk}">{programme.name}</a>'
    assert link in html


def test_a_programme_page_splits_per_group(login, world):
    expected = world["expected"]
    later = CohortFactory(programme=world["programme"], name="Groep leeg")
    response = login(world["manager"]).get(
        NET_EFFECT_URL, {"as_of": "2025-11-30", "programme": world["programme"].pk}
    )
    assert response.status_code == 200
    page = words(response.content.decode())
    (cohort_row,) = [
        row for row in six_months_rows(world["municipality"]) if row.dimension == "cohort"
    ]
    assert cohort_row.matched == expected["matched"]
    assert cohort_row.difference == pytest.approx(expected["difference"], abs=1e-12)
    cohort = world["programme"].cohorts.exclude(pk=later.pk).get()
    name = f"{world['programme'].name} · {cohort.name}"
    assert cohort_row.label == name
    assert "Per groep" in page
    assert (
        f"{name} 6 maanden {expected['matched'] + expected['unmatched']} / "
        f"{expected['matched'] + expected['unmatched']} {expected['matched']} "
        f"({expected['unmatched']} niet gematcht) {whole_percent(expected['p_t'])}% "
        f"{whole_percent(expected['p_c'])}% {nl(points(expected['difference']))}"
    ) in page
    # A group without follow-ups has no row of its own.
    assert "Groep leeg" not in page


def six_months_rows(municipality):
    effects = selectors.net_effects(municipality, datetime.date(2025, 11, 30))
    return [row for row in effects.rows if row.follow_up == 6]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_find_the_register_in_the_navigation(login, make_user, role):
    html = login(make_user(role)).get(reverse("home"), follow=True).content.decode()
    assert f'href="{NET_EFFECT_URL}"' in html
    assert f'href="{reverse("benefit_register:snapshots")}"' in html


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.RESEARCHER, Role.EMPLOYER, Role.WSP])
def test_other_roles_get_no_link_and_no_page(login, make_user, role):
    client = login(make_user(role))
    html = client.get(reverse("home"), follow=True).content.decode()
    assert f'href="{NET_EFFECT_URL}"' not in html
    assert client.get(NET_EFFECT_URL).status_code == 403
    assert client.get(DASHBOARD_URL).status_code == 403


def test_another_municipality_sees_none_of_it(login, world):
    other = MunicipalityFactory(name="Elders", cbs_code="0998")
    manager = UserFactory(role=Role.MANAGER, municipality=other)
    client = login(manager)
    response = client.get(DASHBOARD_URL, {"programme": world["programme"].pk})
    assert response.status_code == 200  # the form refuses the choice: its own figures
    page = words(response.content.decode())
    assert "Netto-effect: nog geen snapshot van het uitkeringsregister." in page
    assert nl(points(world["expected"]["difference"])) + " procentpunt" not in page
    assert client.get(NET_EFFECT_URL, {"programme": world["programme"].pk}).status_code == 404
    savings_page = client.get(SAVINGS_URL)
    assert savings_page.status_code == 200
    assert world["programme"].name not in savings_page.content.decode()

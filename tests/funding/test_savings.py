"""The savings model against the Zwolle trial's figures, the replenishment of the revolving
fund, what a social impact bond owes, and the savings pages."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding import savings, selectors, services
from funding.models import (
    Commitment,
    EntryKind,
    Fund,
    FundKind,
    LedgerEntry,
    SavingsAssumptions,
    SocialImpactBond,
)
from participants.models import OutcomeMeasurement
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.models import Programme
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)
LONG_AGO = datetime.date(2020, 1, 1)  # more than any assumed duration before TODAY


def add_people(programme, cohort, benefit_type, count, outcome=("full", ""), **extra):
    """`count` participants of one benefit type, each measured at 6 months with the
    given (benefit status, reason the benefit ended)."""
    measured_on = extra.pop("measured_on", LONG_AGO)
    follow_up = extra.pop("follow_up", 6)
    status, reason = outcome
    people = [
        ParticipantFactory(
            municipality=programme.municipality,
            programme=programme,
            benefit_type=benefit_type,
            **extra,
        )
        for _ in range(count)
    ]
    OutcomeMeasurement.objects.bulk_create(
        OutcomeMeasurement(
            participant=person,
            cohort=cohort,
            follow_up=follow_up,
            due_on=measured_on,
            measured_on=measured_on,
            benefit_status=status,
            benefit_end_reason=reason,
            employment="full_time" if status == "none" else "none",
        )
        for person in people
    )
    return people


OFF_TO_WORK = ("none", "work")


def build_zwolle(programme, measured_on=LONG_AGO):
    """The trial: 36 WW and 36 bijstand; at 6 months 41 off benefit to work, 14 of them
    off bijstand."""
    cohort = CohortFactory(programme=programme)
    add_people(programme, cohort, "ww", 27, OFF_TO_WORK, measured_on=measured_on)
    add_people(programme, cohort, "ww", 9, measured_on=measured_on)
    add_people(programme, cohort, "bijstand", 14, OFF_TO_WORK, measured_on=measured_on)
    add_people(programme, cohort, "bijstand", 22, measured_on=measured_on)
    return cohort


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(municipality=municipality, name="VAK Zwolle")


@pytest.fixture
def zwolle(programme):
    return build_zwolle(programme)


@pytest.fixture
def v1(manager, municipality):
    return savings.new_assumptions_version(manager, municipality, note="defaults")


def row(result, benefit_type):
    return next(r for r in result.by_benefit_type if r.benefit_type == benefit_type)


def make_fund(manager, programme, kind=FundKind.PILOT, name=None, **extra):
    return services.create_fund(
        manager,
        programme=programme,
        name=name or f"{kind} {Fund.objects.count()}",
        kind=kind,
        starts_on=datetime.date(2025, 1, 1),
        **extra,
    )


def spend(manager, fund, deposit, *amounts):
    services.deposit(manager, fund, deposit, "inleg")
    for amount in amounts:
        services.book_expenditure(manager, fund, amount, "kosten")


# The model against the seed's figures


def test_zwolle_bijstand_savings_are_517405_at_2_5_years_and_620886_at_three(
    manager, municipality, programme, zwolle, v1
):
    v2 = savings.new_assumptions_version(
        manager, municipality, remaining_duration_years=Decimal("3.0"), note="drie jaar"
    )
    at_2_5 = savings.compute_savings(programme, v1, TODAY)
    at_3 = savings.compute_savings(programme, v2, TODAY)

    bijstand = row(at_2_5, "bijstand")
    assert (bijstand.participants, bijstand.sustainable_outflows) == (36, 14)
    assert bijstand.yearly_cost == Decimal("14783.00")
    assert bijstand.gross_projected == Decimal("517405.00")
    assert row(at_3, "bijstand").gross_projected == Decimal("620886.00")
    # WW is paid by UWV: by default it saves the municipality nothing.
    assert row(at_2_5, "ww").sustainable_outflows == 27
    assert row(at_2_5, "ww").gross_projected == Decimal("0.00")
    assert at_2_5.gross_projected == Decimal("517405.00")
    assert at_2_5.sustainable_outflows == 41 and at_2_5.participants == 72
    # Each result names the assumptions it used.
    assert at_2_5.assumptions["version"] == 1
    assert at_2_5.assumptions["remaining_duration_years"] == Decimal("2.50")
    assert at_3.assumptions["version"] == 2
    assert at_3.assumptions["remaining_duration_years"] == Decimal("3.00")
    assert at_3.assumptions["yearly_cost_bijstand"] == Decimal("14783.00")
    calculation = at_3.as_calculation()
    assert calculation["assumptions"]["version"] == 2
    assert calculation["figures"]["gross_projected"] == "620886.00"


def test_every_figure_is_a_decimal_in_cents(programme, zwolle, v1):
    result = savings.compute_savings(programme, v1, TODAY)
    for name in ("gross_projected", "net_projected", "realised_to_date", "programme_cost"):
        value = getattr(result, name)
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -2


def test_ww_saves_when_a_user_gives_it_a_cost(manager, municipality, programme, zwolle, v1):
    version = savings.new_assumptions_version(
        manager, municipality, yearly_cost_ww=Decimal("10000"), note="gemeente betaalt mee"
    )
    result = savings.compute_savings(programme, version, TODAY)
    assert row(result, "ww").gross_projected == Decimal("675000.00")  # 27 × 10,000 × 2.5
    assert result.gross_projected == Decimal("1192405.00")


def test_partial_benefit_counts_its_share(manager, municipality, programme, zwolle, v1):
    add_people(programme, zwolle, "bijstand", 4, ("partial", ""))
    result = savings.compute_savings(programme, v1, TODAY)
    bijstand = row(result, "bijstand")
    assert (bijstand.partial, bijstand.outflows) == (4, Decimal("16.00"))
    assert bijstand.gross_projected == Decimal("591320.00")  # 16 × 14,783 × 2.5

    quarter = savings.new_assumptions_version(
        manager, municipality, partial_benefit_share=Decimal("0.25"), note="kwart"
    )
    result = savings.compute_savings(programme, quarter, TODAY)
    assert row(result, "bijstand").gross_projected == Decimal("554362.50")  # 15 × …


def test_leaving_benefit_without_work_does_not_count(programme, zwolle, v1):
    add_people(programme, zwolle, "bijstand", 2, ("none", "moved_away"))
    add_people(programme, zwolle, "bijstand", 1, ("none", "working_partner"))
    add_people(programme, zwolle, "bijstand", 1, ("none", "education"))  # this one counts
    bijstand = row(savings.compute_savings(programme, v1, TODAY), "bijstand")
    assert bijstand.participants == 40
    assert bijstand.sustainable_outflows == 15
    assert bijstand.gross_projected == Decimal("554362.50")


def test_only_the_sustainable_follow_up_and_measured_rows_count(programme, zwolle, v1):
    add_people(programme, zwolle, "bijstand", 3, OFF_TO_WORK, follow_up=3)
    add_people(programme, zwolle, "bijstand", 2, OFF_TO_WORK, measured_on=TODAY.replace(year=2027))
    result = savings.compute_savings(programme, v1, TODAY)
    assert row(result, "bijstand").sustainable_outflows == 14


def test_outcomes_of_another_programme_do_not_count(municipality, programme, zwolle, v1):
    other = ProgrammeFactory(municipality=municipality)
    add_people(other, CohortFactory(programme=other), "bijstand", 5, OFF_TO_WORK)
    assert savings.compute_savings(programme, v1, TODAY).gross_projected == Decimal("517405.00")


def test_an_entry_cohort_counts_only_who_entered_then_against_the_whole_cost(
    manager, programme, zwolle, v1
):
    """A dashboard period's savings: the Zwolle trial entered on 5 January 2026, two more
    people in June. Each cohort gets its own outflows in the same three queries; the cost
    stays the programme's (the ledger does not say on whom it was spent), and a cohort's
    savings are never a replenishment's basis."""
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)):
        spend(manager, make_fund(manager, programme), Decimal("1000.00"), Decimal("400.00"))
    later = CohortFactory(programme=programme)
    june_1, november_1 = datetime.date(2026, 6, 1), datetime.date(2026, 11, 1)
    add_people(programme, later, "bijstand", 2, OFF_TO_WORK, enrolled_on=june_1,
               measured_on=november_1)  # fmt: skip
    everyone = savings.compute_savings(programme, v1, TODAY)
    assert everyone.sustainable_outflows == 43
    with CaptureQueriesContext(connection) as queries:
        june = savings.compute_savings(programme, v1, TODAY, (june_1, TODAY))
    # Three of its own and the register's two (no snapshot: nothing to match).
    assert len(queries) == 5
    assert (june.participants, june.sustainable_outflows) == (2, 2)
    assert june.gross_projected == Decimal("73915.00")  # 2 × € 14.783 × 2,5 years
    assert june.programme_cost == everyone.programme_cost == Decimal("400.00")
    trial = savings.compute_savings(programme, v1, TODAY, (None, datetime.date(2026, 5, 31)))
    assert trial.gross_projected == Decimal("517405.00")
    assert trial.as_calculation()["entered"] == [None, "2026-05-31"]
    with pytest.raises(ValueError):
        savings.replenishment_proposal(make_fund(manager, programme, FundKind.REVOLVING), june)


# The counterfactual


def test_reference_outflow_rate_lowers_the_net_figure(
    manager, municipality, programme, zwolle, v1
):
    result = savings.compute_savings(programme, v1, TODAY)
    bijstand = row(result, "bijstand")
    assert result.counterfactual_rate == Decimal("0.1500")
    assert bijstand.expected_anyway == Decimal("5.40")  # 15% of 36
    assert bijstand.net_outflows == Decimal("8.60")
    assert bijstand.net_projected == Decimal("317834.50")  # 8.6 × 14,783 × 2.5
    assert result.net_projected == Decimal("317834.50")

    none_anyway = savings.new_assumptions_version(
        manager, municipality, reference_outflow_rate=Decimal("0"), note="geen"
    )
    result = savings.compute_savings(programme, none_anyway, TODAY)
    assert result.net_projected == result.gross_projected == Decimal("517405.00")

    most_anyway = savings.new_assumptions_version(
        manager, municipality, reference_outflow_rate=Decimal("0.5"), note="veel"
    )
    # 18 of 36 would have left anyway, more than the 14 who did: never below zero.
    assert savings.compute_savings(programme, most_anyway, TODAY).net_projected == Decimal("0.00")


def test_comparison_group_sets_the_rate(manager, municipality, programme, zwolle):
    version = savings.new_assumptions_version(
        manager, municipality, counterfactual="comparison_group", note="vergelijkingsgroep"
    )
    # Nobody of the comparison group measured yet: no net figure, and it says why.
    result = savings.compute_savings(programme, version, TODAY)
    assert result.counterfactual_rate is None and result.comparison_participants == 0
    assert result.net_projected is None
    assert result.net_unavailable == savings.NO_COMPARISON_GROUP

    marked = {"in_comparison_group": True}
    add_people(programme, zwolle, "bijstand", 5, OFF_TO_WORK, **marked)
    add_people(programme, zwolle, "bijstand", 2, ("partial", ""), **marked)
    add_people(programme, zwolle, "ww", 13, **marked)
    result = savings.compute_savings(programme, version, TODAY)
    assert result.comparison_participants == 20
    assert result.counterfactual_rate == Decimal("0.3000")  # (5 + ½ × 2) / 20
    # The comparison group is not the programme's result.
    assert result.participants == 72 and result.sustainable_outflows == 41
    bijstand = row(result, "bijstand")
    assert bijstand.expected_anyway == Decimal("10.80")
    assert bijstand.net_projected == Decimal("118264.00")  # 3.2 × 14,783 × 2.5
    assert bijstand.gross_projected == Decimal("517405.00")


# Realised savings, cost and return


def test_realised_savings_grow_with_time_and_stop_at_the_duration(programme, v1):
    cohort = CohortFactory(programme=programme)
    year_ago = TODAY - datetime.timedelta(days=365)
    add_people(programme, cohort, "bijstand", 10, OFF_TO_WORK, measured_on=year_ago)
    add_people(programme, cohort, "bijstand", 4, OFF_TO_WORK, measured_on=LONG_AGO)
    add_people(programme, cohort, "bijstand", 2, ("partial", ""), measured_on=year_ago)
    result = savings.compute_savings(programme, v1, TODAY)
    # 10 × one year + 4 × 2.5 years (capped) + 2 × ½ × one year, at 14,783 a year
    assert result.realised_to_date == Decimal("310443.00")

    later = savings.compute_savings(programme, v1, TODAY.replace(year=2036))
    assert later.realised_to_date == later.gross_projected == Decimal("554362.50")


@time_machine.travel(datetime.datetime(2026, 11, 23, 12, tzinfo=datetime.UTC), tick=False)
def test_programme_cost_net_savings_and_return_per_euro(
    manager, municipality, programme, zwolle, v1
):
    # The clock is pinned to TODAY: the cost counts what was booked by the calculation date.
    result = savings.compute_savings(programme, v1, TODAY)
    assert result.programme_cost == Decimal("0.00")
    assert result.return_per_euro is None

    spend(manager, make_fund(manager, programme), "60000", "50768.00")
    spend(manager, make_fund(manager, programme), "60000", "40000", "10768.00")
    elsewhere = make_fund(manager, ProgrammeFactory(municipality=municipality))
    spend(manager, elsewhere, "5000", "5000")
    result = savings.compute_savings(programme, v1, TODAY)
    assert result.programme_cost == Decimal("101536.00")
    assert result.net_savings == Decimal("216298.50")  # 317,834.50 − 101,536
    assert result.return_per_euro == Decimal("3.13")  # 317,834.50 / 101,536
    assert result.gross_savings == Decimal("415869.00")
    assert result.gross_return_per_euro == Decimal("5.10")


# Revolving fund


@pytest.fixture
def revolving(manager, programme):
    fund = make_fund(manager, programme, FundKind.REVOLVING, "Revolverend fonds",
                     ceiling=Decimal("200000"))  # fmt: skip
    spend(manager, fund, "100000", "20000")
    return fund


def test_replenishment_is_capped_at_the_ceiling_and_names_the_calculation(
    manager, programme, zwolle, v1, revolving
):
    result = savings.compute_savings(programme, v1, TODAY)
    assert result.realised_to_date == Decimal("517405.00")
    proposal = savings.replenishment_proposal(revolving, result)
    assert proposal.held == Decimal("80000.00")
    assert proposal.room == Decimal("120000.00")
    assert proposal.amount == Decimal("120000.00")
    assert proposal.reasoning[-1][1] == Decimal("120000.00")

    entry, _proposal = savings.book_proposed_replenishment(manager, revolving, v1, TODAY)
    entry = LedgerEntry.objects.get(pk=entry.pk)
    assert entry.kind == EntryKind.REPLENISHMENT
    assert entry.amount == Decimal("120000.00")
    assert entry.booked_by == manager
    assert entry.savings_calculation["assumptions"]["version"] == 1
    assert entry.savings_calculation["assumptions"]["remaining_duration_years"] == "2.50"
    assert entry.savings_calculation["figures"]["realised_to_date"] == "517405.00"
    assert entry.savings_calculation["proposal"]["amount"] == "120000.00"
    balance = selectors.balance(revolving)
    assert balance.allocated - balance.spent == Decimal("200000.00")
    # Full up to the ceiling: nothing more to propose, and booking is refused.
    again = savings.replenishment_proposal(revolving, result)
    assert again.amount == Decimal("0.00")
    with pytest.raises(ValidationError) as refused:
        savings.book_proposed_replenishment(manager, revolving, v1, TODAY)
    assert refused.value.code == "nothing"


def test_replenished_savings_are_not_proposed_twice(manager, programme, v1):
    fund = make_fund(manager, programme, FundKind.REVOLVING, ceiling=Decimal("1000000"))
    services.deposit(manager, fund, "100000", "inleg")
    cohort = CohortFactory(programme=programme)
    add_people(programme, cohort, "bijstand", 2, OFF_TO_WORK,
               measured_on=TODAY - datetime.timedelta(days=365))  # fmt: skip
    entry, _proposal = savings.book_proposed_replenishment(manager, fund, v1, TODAY)
    assert entry.amount == Decimal("29566.00")  # realised: 2 × 14,783 × one year
    proposal = savings.replenishment_proposal(fund, savings.compute_savings(programme, v1, TODAY))
    assert proposal.already_replenished == Decimal("29566.00")
    assert proposal.amount == Decimal("0.00")


def test_only_a_manager_of_the_municipality_books_a_replenishment(
    make_user, other_municipality, zwolle, v1, revolving
):
    for user in (make_user(Role.ADMIN), make_user(Role.CONSULTANT),
                 make_user(Role.MANAGER, municipality=other_municipality)):  # fmt: skip
        with pytest.raises(PermissionDenied):
            savings.book_proposed_replenishment(user, revolving, v1, TODAY)
    assert not LedgerEntry.objects.filter(kind=EntryKind.REPLENISHMENT).exists()


def test_replenishment_page_proposes_and_books(login, manager, zwolle, v1, revolving):
    client = login(manager)
    url = reverse("funding:replenishment", args=[revolving.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "120.000,00" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("funding:fund_detail", args=[revolving.pk])
    entry = LedgerEntry.objects.get(kind=EntryKind.REPLENISHMENT)
    assert entry.amount == Decimal("120000.00")
    assert entry.savings_calculation["assumptions"]["version"] == v1.version


def test_replenishment_needs_a_saved_version(login, manager, zwolle, revolving):
    client = login(manager)
    url = reverse("funding:replenishment", args=[revolving.pk])
    assert client.get(url).status_code == 200
    client.post(url)
    assert not LedgerEntry.objects.filter(kind=EntryKind.REPLENISHMENT).exists()


# Social impact bond


@pytest.fixture
def bond(manager, programme):
    fund = make_fund(manager, programme, FundKind.SOCIAL_IMPACT_BOND, "SIB Overijssel")
    return SocialImpactBond.objects.create(
        fund=fund,
        investor="Stichting Impact Overijssel",
        principal=Decimal("50000"),
        agreed_return=Decimal("3"),
        outcome_payment=Decimal("2500"),
    )


def test_bond_owes_outflows_times_payment_capped(programme, zwolle, v1, bond):
    owed = savings.bond_owed(bond, programme, v1, TODAY)
    assert owed.sustainable_outflows == 41
    assert owed.uncapped == Decimal("102500.00")
    assert owed.cap == Decimal("51500.00")  # 50,000 × 1.03
    assert owed.owed == Decimal("51500.00") and owed.capped

    bond.outcome_payment = Decimal("1000")
    add_people(programme, zwolle, "bijstand", 3, ("partial", ""))  # no outflow: no payment
    add_people(programme, zwolle, "bijstand", 3, OFF_TO_WORK, in_comparison_group=True)
    owed = savings.bond_owed(bond, programme, v1, TODAY)
    assert (owed.sustainable_outflows, owed.owed, owed.capped) == (41, Decimal("41000.00"), False)


def test_bond_page_shows_terms_and_what_is_owed(login, manager, make_user, zwolle, v1, bond):
    url = reverse("funding:bond", args=[bond.fund.pk])
    for user in (manager, make_user(Role.ADMIN)):
        page = login(user).get(url)
        assert page.status_code == 200
        content = page.content.decode()
        assert "Stichting Impact Overijssel" in content
        assert "51.500,00" in content and "102.500,00" in content


def test_bond_of_another_municipality_is_not_found(
    login, make_user, other_municipality, manager, programme, bond
):
    theirs = make_user(Role.MANAGER, municipality=other_municipality)
    assert login(theirs).get(reverse("funding:bond", args=[bond.fund.pk])).status_code == 404
    # Not a bond at all: not found either.
    pilot = make_fund(manager, programme)
    assert login(manager).get(reverse("funding:bond", args=[pilot.pk])).status_code == 404
    assert login(manager).get(reverse("funding:replenishment", args=[pilot.pk])).status_code == 404


# Versions


def test_a_new_version_never_edits_the_old_one(manager, municipality, make_user, v1):
    before = {name: getattr(v1, name) for name in savings.ASSUMPTION_FIELDS}
    v2 = savings.new_assumptions_version(
        manager, municipality, remaining_duration_years=Decimal("3"), note="drie jaar"
    )
    v1.refresh_from_db()
    assert {name: getattr(v1, name) for name in savings.ASSUMPTION_FIELDS} == before
    assert (v1.version, v2.version) == (1, 2)
    assert v2.remaining_duration_years == Decimal("3.00")
    assert v2.yearly_cost_bijstand == v1.yearly_cost_bijstand  # carried over
    assert v2.created_by == manager and v2.note == "drie jaar"
    assert SavingsAssumptions.objects.current(municipality) == v2
    assert SavingsAssumptions.objects.filter(municipality=municipality).count() == 2


def test_only_a_manager_of_the_municipality_makes_a_version(
    make_user, municipality, other_municipality
):
    for user in (make_user(Role.ADMIN), make_user(Role.CONSULTANT),
                 make_user(Role.MANAGER, municipality=other_municipality)):  # fmt: skip
        with pytest.raises(PermissionDenied):
            savings.new_assumptions_version(user, municipality, note="x")
    assert not SavingsAssumptions.objects.exists()


def test_a_version_with_an_impossible_value_is_refused(manager, municipality):
    with pytest.raises(ValidationError) as refused:
        savings.new_assumptions_version(manager, municipality, remaining_duration_years=-1)
    assert "remaining_duration_years" in refused.value.message_dict
    assert not SavingsAssumptions.objects.exists()


# Pages


def test_savings_page_shows_every_assumption_and_the_duration_difference(
    login, manager, programme, zwolle, v1
):
    client = login(manager)
    content = client.get(reverse("funding:savings")).content.decode()
    assert "517.405,00" in content and "317.834,50" in content
    assert "14.783,00" in content
    for name in savings.ASSUMPTION_FIELDS:
        label = str(SavingsAssumptions._meta.get_field(name).verbose_name)
        assert label[:1].upper() + label[1:] in content or label in content
    preview = client.get(reverse("funding:savings"), {"duration": "3"}).content.decode()
    assert "517.405,00" in preview and "620.886,00" in preview
    assert SavingsAssumptions.objects.count() == 1  # a preview saves nothing


def test_manager_saves_a_new_version_from_the_page(login, manager, municipality, zwolle, v1):
    data = {name: getattr(v1, name) for name in savings.ASSUMPTION_FIELDS}
    data.update(remaining_duration_years="3", note="De besparing over drie volle jaren.")
    response = login(manager).post(reverse("funding:savings"), data)
    assert response.status_code == 302
    current = SavingsAssumptions.objects.current(municipality)
    assert (current.version, current.remaining_duration_years) == (2, Decimal("3.00"))
    page = login(manager).get(reverse("funding:savings")).content.decode()
    assert "620.886,00" in page
    old = login(manager).get(reverse("funding:savings"), {"version": 1}).content.decode()
    assert "517.405,00" in old
    history = login(manager).get(reverse("funding:assumptions_history")).content.decode()
    assert "De besparing over drie volle jaren." in history and "defaults" in history


def test_a_version_needs_a_reason(login, manager, municipality, v1):
    data = {name: getattr(v1, name) for name in savings.ASSUMPTION_FIELDS}
    response = login(manager).post(reverse("funding:savings"), data)
    assert response.status_code == 200
    assert SavingsAssumptions.objects.count() == 1


def test_admin_reads_but_does_not_change_the_assumptions(login, make_user, v1):
    client = login(make_user(Role.ADMIN))
    assert client.get(reverse("funding:savings")).status_code == 200
    data = {name: getattr(v1, name) for name in savings.ASSUMPTION_FIELDS}
    data["note"] = "poging"
    assert client.post(reverse("funding:savings"), data).status_code == 403
    assert SavingsAssumptions.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.MANAGER, 200),
        (Role.ADMIN, 200),
        (Role.CONSULTANT, 403),
        (Role.WSP, 403),
        (Role.EMPLOYER, 403),
        (Role.RESEARCHER, 403),
    ],
)
def test_only_managers_and_admins_see_the_savings_pages(login, make_user, role, status):
    client = login(make_user(role))
    assert client.get(reverse("funding:savings")).status_code == status
    assert client.get(reverse("funding:assumptions_history")).status_code == status


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CONSULTANT, Role.WSP, Role.EMPLOYER,
                                  Role.RESEARCHER])  # fmt: skip
def test_only_a_manager_sees_the_replenishment_page(login, make_user, revolving, bond, role):
    client = login(make_user(role))
    assert client.get(reverse("funding:replenishment", args=[revolving.pk])).status_code == 403
    if role != Role.ADMIN:
        assert client.get(reverse("funding:bond", args=[bond.fund.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("funding:savings"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_savings_page_queries_do_not_grow_with_participants(
    login, manager, programme, v1, revolving, bond
):
    cohort = CohortFactory(programme=programme)
    add_people(programme, cohort, "bijstand", 4, OFF_TO_WORK)
    add_people(programme, cohort, "ww", 4, OFF_TO_WORK, measured_on=datetime.date(2024, 5, 1))
    add_people(programme, cohort, "bijstand", 2, ("partial", ""))
    client = login(manager)
    url = reverse("funding:savings")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    with_10 = queries()
    add_people(
        programme, cohort, "bijstand", 45, OFF_TO_WORK, measured_on=datetime.date(2023, 1, 2)
    )
    add_people(programme, cohort, "ww", 45, ("partial", ""), measured_on=datetime.date(2024, 7, 8))
    assert OutcomeMeasurement.objects.filter(cohort=cohort).count() == 100
    assert queries() == with_10


def test_savings_page_queries_do_not_grow_with_programmes(login, manager, programme, v1):
    client = login(manager)
    url = reverse("funding:savings") + "?duration=2"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    with_1 = queries()
    for index in range(4):
        other = ProgrammeFactory(municipality=programme.municipality, name=f"VAK {index}")
        add_people(other, CohortFactory(programme=other), "bijstand", 3, OFF_TO_WORK)
    assert queries() == with_1


# The demo


def test_seed_demo_funds_the_zwolle_programme_and_replenishes_the_revolving_fund(demo):
    zwolle = Programme.objects.get(name="VAK Zwolle")
    assumptions = savings.default_assumptions(zwolle.municipality)
    assert savings.compute_savings(zwolle, assumptions).programme_cost == Decimal("101536.00")
    expenditures = LedgerEntry.objects.filter(fund__programme=zwolle, kind=EntryKind.EXPENDITURE)
    for benefit_type in ("ww", "bijstand"):
        half = expenditures.filter(
            Q(commitment__participant__benefit_type=benefit_type)
            | Q(commitment=None, fund__benefit_type=benefit_type)
        ).aggregate(total=Sum("amount"))["total"]
        assert half == Decimal("50768.00")

    revolving = Fund.objects.get(programme=zwolle, kind=FundKind.REVOLVING)
    assert revolving.ceiling == Decimal("200000.00")
    entry = LedgerEntry.objects.get(fund=revolving, kind=EntryKind.REPLENISHMENT)
    assert entry.savings_calculation["assumptions"]["version"] == 1
    assert Decimal(entry.savings_calculation["proposal"]["amount"]) == entry.amount > 0
    balance = selectors.balance(revolving)
    assert balance.allocated - balance.spent <= revolving.ceiling

    bond = SocialImpactBond.objects.get(fund__programme=zwolle)
    assert (bond.principal, bond.agreed_return, bond.outcome_payment) == (
        Decimal("50000.00"),
        Decimal("3.00"),
        Decimal("2500.00"),
    )
    statuses = set(
        Commitment.objects.filter(fund__programme=zwolle).values_list("status", flat=True)
    )
    assert statuses == {"requested", "approved", "rejected", "closed"}
    assert Commitment.objects.filter(
        fund__programme__name="VAK Kampen", status="requested"
    ).exists()
    assumptions = SavingsAssumptions.objects.current(zwolle.municipality)
    result = savings.compute_savings(zwolle, assumptions)
    assert row(result, "bijstand").gross_projected == Decimal("517405.00")

    counts = [LedgerEntry.objects.count(), Fund.objects.count(), Commitment.objects.count()]
    call_command("seed_demo")
    assert [LedgerEntry.objects.count(), Fund.objects.count(), Commitment.objects.count()] == (
        counts
    )

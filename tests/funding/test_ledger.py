"""The rules of the books: balances derived from the ledger, fund restrictions, the
seed's job-intention rule, no over-spending, decisions taken once, and a ledger that the
database itself keeps append-only."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from employers.models import OpportunityStatus
from funding import selectors, services
from funding.models import CommitmentStatus, EntryKind, FundKind, LedgerEntry
from tests.funding.factories import FundFactory, approved, confirmed_match, funded, requested
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def participant(municipality, consultant):
    return ParticipantFactory(municipality=municipality, consultant=consultant)


def amounts(fund):
    b = selectors.balance(fund)
    return {"allocated": b.allocated, "committed": b.committed, "spent": b.spent,
            "available": b.available}  # fmt: skip


def euros(allocated, committed, spent, available):
    return {
        "allocated": Decimal(allocated),
        "committed": Decimal(committed),
        "spent": Decimal(spent),
        "available": Decimal(available),
    }


def code_of(error):
    return error.value.error_list[0].code


# Balances


def test_a_deposit_makes_money_available(manager):
    fund = funded(manager, "1000.00")
    assert amounts(fund) == euros("1000.00", "0", "0", "1000.00")


def test_balances_through_request_approval_expenditure_and_release(
    manager, consultant, participant
):
    fund = funded(manager, "1000.00")
    commitment = requested(consultant, fund, participant, "300.00")
    # A request books nothing: only an approval commits money.
    assert amounts(fund) == euros("1000.00", "0", "0", "1000.00")

    services.approve_commitment(manager, commitment)
    assert amounts(fund) == euros("1000.00", "300.00", "0", "700.00")

    services.book_expenditure(manager, fund, Decimal("120.50"), "Factuur", commitment=commitment)
    # Spending on a commitment moves money from committed to spent; available stays.
    assert amounts(fund) == euros("1000.00", "179.50", "120.50", "700.00")
    assert selectors.commitment_balance(commitment) == Decimal("179.50")

    entry = services.release_rest(manager, commitment)
    assert entry.kind == EntryKind.RELEASE and entry.amount == Decimal("179.50")
    assert amounts(fund) == euros("1000.00", "0", "120.50", "879.50")
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.CLOSED


def test_release_of_a_fully_spent_commitment_books_nothing(manager, consultant, participant):
    fund = funded(manager, "500.00")
    commitment = approved(manager, consultant, fund, participant, "200.00")
    services.book_expenditure(manager, fund, Decimal("200.00"), "Factuur", commitment=commitment)
    assert services.release_rest(manager, commitment) is None
    assert amounts(fund) == euros("500.00", "0", "200.00", "300.00")


def test_direct_expenditure_and_corrections(manager):
    fund = funded(manager, "1000.00")
    services.book_expenditure(manager, fund, Decimal("250.00"), "Training zonder verplichting")
    assert amounts(fund) == euros("1000.00", "0", "250.00", "750.00")
    deposit = fund.entries.get(kind=EntryKind.DEPOSIT)
    services.correct(manager, deposit, Decimal("-100.00"), "Storting was te hoog")
    assert amounts(fund) == euros("900.00", "0", "250.00", "650.00")
    correction = services.correct(manager, deposit, Decimal("40.00"), "Toch iets meer")
    assert correction.corrects == deposit and correction.amount == Decimal("40.00")
    assert amounts(fund) == euros("940.00", "0", "250.00", "690.00")


def test_balances_of_several_funds_come_from_one_query(
    manager, django_assert_num_queries, municipality
):
    funded(manager, "100.00")
    funded(manager, "250.00")
    with django_assert_num_queries(1):
        balances = {f.name: f.available for f in selectors.funds_overview(manager)}
    assert sorted(balances.values()) == [Decimal("100.00"), Decimal("250.00")]


# Fund rules on commitments


def test_client_level_budget_refused_without_a_confirmed_job_intention(
    manager, consultant, participant
):
    fund = funded(manager, kind=FundKind.CLIENT_BUDGET)
    with pytest.raises(ValidationError) as error:
        requested(consultant, fund, participant)
    assert code_of(error) == "no_job_intention"
    submitted = confirmed_match(participant, status=OpportunityStatus.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        requested(consultant, fund, participant, match=submitted)
    assert code_of(error) == "no_job_intention"
    assert not fund.commitments.exists()


def test_client_level_budget_refused_with_another_participants_job_intention(
    manager, consultant, participant, municipality
):
    fund = funded(manager, kind=FundKind.CLIENT_BUDGET)
    someone_else = ParticipantFactory(municipality=municipality, consultant=consultant)
    with pytest.raises(ValidationError):
        requested(consultant, fund, participant, match=confirmed_match(someone_else))


def test_client_level_budget_accepted_with_a_confirmed_job_intention(
    manager, consultant, participant
):
    fund = funded(manager, kind=FundKind.CLIENT_BUDGET)
    match = confirmed_match(participant)
    commitment = requested(consultant, fund, participant, "400.00", match=match)
    assert commitment.match == match
    services.approve_commitment(manager, commitment)
    assert amounts(fund)["available"] == Decimal("600.00")


def test_fund_restricted_to_a_target_group(manager, consultant, municipality):
    fund = funded(manager, target_group="youth")
    older = ParticipantFactory(municipality=municipality, consultant=consultant,
                               birth_date=datetime.date(1970, 1, 1))  # fmt: skip
    young = ParticipantFactory(municipality=municipality, consultant=consultant,
                               birth_date=datetime.date(2005, 3, 1))  # fmt: skip
    assert young.target_group == "youth" and older.target_group == "older"
    with pytest.raises(ValidationError) as error:
        requested(consultant, fund, older)
    assert code_of(error) == "target_group"
    assert requested(consultant, fund, young).fund == fund


def test_fund_restricted_to_a_benefit_type(manager, consultant, municipality):
    fund = funded(manager, benefit_type="ww")
    on_bijstand = ParticipantFactory(municipality=municipality, consultant=consultant,
                                     benefit_type="bijstand")  # fmt: skip
    on_ww = ParticipantFactory(municipality=municipality, consultant=consultant,
                               benefit_type="ww")  # fmt: skip
    with pytest.raises(ValidationError) as error:
        requested(consultant, fund, on_bijstand)
    assert code_of(error) == "benefit_type"
    assert requested(consultant, fund, on_ww).fund == fund


def test_consultant_requests_only_for_participants_they_may_see(
    manager, consultant, make_user, municipality
):
    fund = funded(manager)
    colleague_s = ParticipantFactory(municipality=municipality, consultant=make_user())
    with pytest.raises(PermissionDenied):
        requested(consultant, fund, colleague_s)


# No over-spending


def test_expenditure_above_the_open_amount_of_a_commitment_is_refused(
    manager, consultant, participant
):
    fund = funded(manager, "1000.00")
    commitment = approved(manager, consultant, fund, participant, "300.00")
    services.book_expenditure(manager, fund, Decimal("200.00"), "Deel 1", commitment=commitment)
    with pytest.raises(ValidationError) as error:
        services.book_expenditure(manager, fund, Decimal("100.01"), "Te veel",
                                  commitment=commitment)  # fmt: skip
    assert code_of(error) == "overspend"
    assert amounts(fund) == euros("1000.00", "100.00", "200.00", "700.00")


def test_expenditure_against_an_unapproved_commitment_is_refused(manager, consultant, participant):
    fund = funded(manager)
    commitment = requested(consultant, fund, participant)
    with pytest.raises(ValidationError):
        services.book_expenditure(manager, fund, Decimal("10.00"), "x", commitment=commitment)


def test_approval_above_what_is_available_is_refused(manager, consultant, participant):
    fund = funded(manager, "500.00")
    commitment = requested(consultant, fund, participant, "500.01")
    with pytest.raises(ValidationError) as error:
        services.approve_commitment(manager, commitment)
    assert code_of(error) == "insufficient"
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.REQUESTED
    assert amounts(fund)["available"] == Decimal("500.00")


def test_direct_expenditure_above_what_is_available_is_refused(manager, consultant, participant):
    fund = funded(manager, "500.00")
    approved(manager, consultant, fund, participant, "300.00")
    with pytest.raises(ValidationError) as error:
        services.book_expenditure(manager, fund, Decimal("200.01"), "Te veel")
    assert code_of(error) == "insufficient"
    assert amounts(fund)["available"] == Decimal("200.00")


def test_a_negative_correction_cannot_take_available_below_zero(manager):
    fund = funded(manager, "100.00")
    deposit = fund.entries.get()
    with pytest.raises(ValidationError) as error:
        services.correct(manager, deposit, Decimal("-100.01"), "Te veel teruggedraaid")
    assert code_of(error) == "insufficient"


# Decisions


def test_rejecting_needs_a_reason(manager, consultant, participant):
    fund = funded(manager)
    commitment = requested(consultant, fund, participant)
    with pytest.raises(ValidationError) as error:
        services.reject_commitment(manager, commitment, "   ")
    assert "reason" in error.value.error_dict
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.REQUESTED
    services.reject_commitment(manager, commitment, "  Past niet bij het doel van het potje ")
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.REJECTED
    assert commitment.rejection_reason == "Past niet bij het doel van het potje"
    assert commitment.decided_by == manager
    assert not fund.entries.filter(kind=EntryKind.COMMITMENT).exists()


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_a_decided_commitment_cannot_be_decided_again(
    manager, make_user, consultant, participant, first, second
):
    fund = funded(manager)
    commitment = requested(consultant, fund, participant)
    decide = {
        "approve": lambda who: services.approve_commitment(who, commitment),
        "reject": lambda who: services.reject_commitment(who, commitment, "Nee"),
    }
    decide[first](manager)
    with pytest.raises(ValidationError) as error:
        decide[second](make_user(Role.MANAGER))
    assert code_of(error) == "decided"
    assert fund.entries.filter(kind=EntryKind.COMMITMENT).count() == (first == "approve")


def test_only_managers_move_money(manager, consultant, participant, make_user):
    fund = funded(manager)
    commitment = requested(consultant, fund, participant)
    admin = make_user(Role.ADMIN)
    for user in (consultant, admin):
        with pytest.raises(PermissionDenied):
            services.approve_commitment(user, commitment)
        with pytest.raises(PermissionDenied):
            services.deposit(user, fund, Decimal("1.00"), "x")
        with pytest.raises(PermissionDenied):
            services.book_expenditure(user, fund, Decimal("1.00"), "x")
    with pytest.raises(PermissionDenied):
        services.request_commitment(manager, fund, participant, Decimal("1.00"), "x")


def test_managers_of_another_municipality_cannot_touch_the_fund(
    manager, consultant, participant, make_user, other_municipality
):
    fund = funded(manager)
    commitment = requested(consultant, fund, participant)
    stranger = make_user(Role.MANAGER, municipality=other_municipality)
    with pytest.raises(PermissionDenied):
        services.approve_commitment(stranger, commitment)
    with pytest.raises(PermissionDenied):
        services.deposit(stranger, fund, Decimal("1.00"), "x")


# Creating funds


def test_create_fund(manager, municipality):
    programme = ProgrammeFactory(municipality=municipality)
    fund = services.create_fund(manager, name="Revolverend fonds", kind=FundKind.REVOLVING,
                                programme=programme, starts_on=datetime.date(2026, 1, 1),
                                ceiling=Decimal("200000.00"))  # fmt: skip
    assert fund.municipality == municipality
    assert selectors.balance(fund).available == Decimal("0.00")


@pytest.mark.parametrize(
    "fields, key",
    [
        ({"kind": FundKind.PILOT, "ceiling": Decimal("10.00")}, "ceiling"),
        ({"kind": FundKind.PILOT, "ends_on": datetime.date(2025, 12, 31)}, "ends_on"),
    ],
)
def test_create_fund_refuses_inconsistent_fields(manager, fields, key):
    with pytest.raises(ValidationError) as error:
        services.create_fund(manager, name="Potje", starts_on=datetime.date(2026, 1, 1), **fields)
    assert key in error.value.error_dict


def test_create_fund_refuses_a_duplicate_name_and_a_foreign_programme(manager, other_municipality):
    start = datetime.date(2026, 1, 1)
    services.create_fund(manager, name="Pilot", kind=FundKind.PILOT, starts_on=start)
    with pytest.raises(ValidationError):
        services.create_fund(manager, name="Pilot", kind=FundKind.PILOT, starts_on=start)
    foreign = ProgrammeFactory(municipality=other_municipality)
    with pytest.raises(PermissionDenied):
        services.create_fund(manager, name="Ander", kind=FundKind.PILOT, starts_on=start,
                             programme=foreign)  # fmt: skip


# The ledger is append-only, enforced by the database


def test_the_database_refuses_update_and_delete_of_a_ledger_row(manager):
    entry = funded(manager, "100.00").entries.get()
    table = LedgerEntry._meta.db_table
    for sql in (
        f"UPDATE {table} SET amount = 1 WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(description="gewijzigd")
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk)._raw_delete(connection.alias)
    entry.refresh_from_db()
    assert entry.amount == Decimal("100.00") and entry.description == "Startstorting"


def test_the_model_refuses_to_save_or_delete_an_existing_entry(manager):
    entry = funded(manager, "100.00").entries.get()
    entry.amount = Decimal("1.00")
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("100.00")


def test_ledger_amounts_are_positive_except_corrections(manager):
    fund = FundFactory(municipality=manager.municipality)
    with pytest.raises(ValidationError):
        services.deposit(manager, fund, Decimal("-5.00"), "Negatief")


def test_a_fund_outside_its_period_takes_no_commitments(municipality, make_user):
    import datetime

    from django.core.exceptions import ValidationError

    from funding.models import Fund
    from funding.services import check_fund_rules
    from tests.participants.factories import ParticipantFactory

    fund = Fund.objects.create(
        municipality=municipality,
        name="Afgelopen pilot",
        kind="pilot",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2024, 12, 31),
    )
    participant = ParticipantFactory(municipality=municipality)
    with pytest.raises(ValidationError) as error:
        check_fund_rules(fund, participant, on_date=datetime.date(2025, 1, 1))
    assert error.value.code == "period"
    check_fund_rules(fund, participant, on_date=datetime.date(2024, 6, 1))

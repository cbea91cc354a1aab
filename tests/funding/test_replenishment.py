"""Each euro of a programme's realised savings is replenished at most once across all its
revolving funds (issue 13, found 1 / build 4), also when two managers press at once on
two different funds. The race needs PostgreSQL (SELECT … FOR UPDATE)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from funding import savings, services
from funding.models import EntryKind, Fund, FundKind, LedgerEntry
from tests.funding.test_savings import OFF_TO_WORK, add_people
from tests.participants.factories import CohortFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

TODAY = datetime.date(2026, 11, 23)
REALISED = Decimal("29566.00")  # 2 people off bijstand for one year × 14,783


def two_revolving_funds(manager, programme):
    funds = [
        services.create_fund(
            manager,
            programme=programme,
            name=f"Revolverend {index}",
            kind=FundKind.REVOLVING,
            starts_on=datetime.date(2025, 1, 1),
            ceiling=Decimal("1000000"),
        )
        for index in (1, 2)
    ]
    for fund in funds:
        services.deposit(manager, fund, Decimal("1000"), "inleg")
    return funds


def realised_savings(programme):
    add_people(programme, CohortFactory(programme=programme), "bijstand", 2, OFF_TO_WORK,
               measured_on=TODAY - datetime.timedelta(days=365))  # fmt: skip


def sql_replenished(programme):
    """Replenishments and their corrections on the programme's funds, from the raw tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COALESCE(SUM(e.amount), 0)
                 FROM funding_ledgerentry e
                 JOIN funding_fund f ON f.id = e.fund_id
                 LEFT JOIN funding_ledgerentry c ON c.id = e.corrects_id
                WHERE f.programme_id = %s
                  AND (e.kind = 'replenishment'
                       OR (e.kind = 'correction' AND c.kind = 'replenishment'))""",
            [programme.pk],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_second_fund_gets_only_what_the_first_did_not(make_user, municipality):
    """The issue's case: the second fund's proposal ignored the first fund's booking."""
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=municipality)
    first, second = two_revolving_funds(manager, programme)
    realised_savings(programme)
    assumptions = savings.new_assumptions_version(manager, municipality, note="standaard")

    entry, _proposal = savings.book_proposed_replenishment(manager, first, assumptions, TODAY)
    assert entry.amount == REALISED
    result = savings.compute_savings(programme, assumptions, TODAY)
    proposal = savings.replenishment_proposal(second, result)
    assert proposal.already_replenished == REALISED
    assert proposal.amount == Decimal("0.00")
    with pytest.raises(ValidationError) as refused:
        savings.book_proposed_replenishment(manager, second, assumptions, TODAY)
    assert refused.value.code == "nothing"

    # A correction taking part of the first replenishment back frees that part again.
    services.correct(manager, entry, Decimal("-10000.00"), "te veel aangevuld")
    again, _proposal = savings.book_proposed_replenishment(manager, second, assumptions, TODAY)
    assert again.amount == Decimal("10000.00")
    assert sql_replenished(programme) == REALISED


@pytest.mark.django_db(transaction=True)
def test_two_managers_on_two_funds_of_one_programme_book_the_savings_once(
    make_user, municipality, evidence
):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL; run with make test"
    managers = [make_user(Role.MANAGER), make_user(Role.MANAGER)]
    programme = ProgrammeFactory(municipality=municipality)
    funds = two_revolving_funds(managers[0], programme)
    realised_savings(programme)
    assumptions = savings.new_assumptions_version(managers[0], municipality, note="standaard")
    barrier = threading.Barrier(2)
    results = {}

    def book(manager, pk):
        try:
            fund = Fund.objects.get(pk=pk)
            barrier.wait(timeout=10)
            entry, _proposal = savings.book_proposed_replenishment(
                manager, fund, assumptions, TODAY
            )
            results[pk] = entry.amount
        except ValidationError as error:
            results[pk] = error.code
        except Exception as error:  # anything else is reported by the assertion below
            results[pk] = repr(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=book, args=(manager, fund.pk))
        for manager, fund in zip(managers, funds, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values(), key=str) == sorted([REALISED, "nothing"], key=str), results
    booked = LedgerEntry.objects.filter(fund__programme=programme, kind=EntryKind.REPLENISHMENT)
    assert booked.count() == 1
    assert sql_replenished(programme) == REALISED
    evidence.append("concurrent replenishments on two funds: € 29.566,00 booked once")

"""A correction counts as the kind of the entry it corrects (issue 13, found 7): correcting
an expenditure changes what was spent and the programme cost, correcting a deposit what
was allocated. Balances, the savings cost and the export agree with a plain-SQL
recomputation from the raw ledger table."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from funding import savings, selectors, services
from funding.models import EntryKind, Fund, LedgerEntry
from tests.funding.factories import approved, funded
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.models import Programme, User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(municipality=municipality)


def balances(fund):
    b = selectors.balance(fund)
    return {name: getattr(b, name) for name in ("allocated", "spent", "committed", "available")}


SQL_BALANCES = """
    SELECT f.id,
           COALESCE(SUM(e.amount) FILTER (WHERE k.kind IN ('deposit', 'replenishment')), 0),
           COALESCE(SUM(e.amount) FILTER (WHERE k.kind = 'expenditure'), 0),
           COALESCE(SUM(e.amount) FILTER (WHERE k.kind = 'commitment'), 0)
           - COALESCE(SUM(e.amount) FILTER (WHERE k.kind = 'expenditure'
                                             AND e.commitment_id IS NOT NULL), 0)
           - COALESCE(SUM(e.amount) FILTER (WHERE k.kind = 'release'), 0)
      FROM funding_fund f
      LEFT JOIN funding_ledgerentry e ON e.fund_id = f.id
      LEFT JOIN funding_ledgerentry c ON c.id = e.corrects_id
      LEFT JOIN LATERAL (SELECT CASE WHEN e.kind = 'correction' THEN c.kind
                                     ELSE e.kind END AS kind) k ON TRUE
     GROUP BY f.id
"""


def sql_balances():
    """Recomputed from the raw tables, not through the project's selectors."""
    with connection.cursor() as cursor:
        cursor.execute(SQL_BALANCES)
        return {
            pk: {"allocated": a, "spent": s, "committed": c, "available": a - s - c}
            for pk, a, s, c in cursor.fetchall()
        }


def programme_cost(programme):
    assumptions = savings.default_assumptions(programme.municipality)
    return savings.compute_savings(programme, assumptions).programme_cost


def sql_programme_cost(programme):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COALESCE(SUM(e.amount), 0)
                 FROM funding_ledgerentry e
                 JOIN funding_fund f ON f.id = e.fund_id
                 LEFT JOIN funding_ledgerentry c ON c.id = e.corrects_id
                WHERE f.programme_id = %s
                  AND (e.kind = 'expenditure'
                       OR (e.kind = 'correction' AND c.kind = 'expenditure'))""",
            [programme.pk],
        )
        return cursor.fetchone()[0]


def test_correcting_an_expenditure_changes_spent_and_programme_cost(manager, programme):
    """The issue's case: an expenditure of 400,00 corrected by +360,00."""
    fund = funded(manager, "1000.00", programme=programme)
    expenditure = services.book_expenditure(manager, fund, Decimal("400.00"), "Training")
    services.correct(manager, expenditure, Decimal("360.00"), "Factuur was 760,00")

    assert balances(fund) == {
        "allocated": Decimal("1000.00"),
        "spent": Decimal("760.00"),
        "committed": Decimal("0.00"),
        "available": Decimal("240.00"),
    }
    assumptions = savings.default_assumptions(programme.municipality)
    assert savings.compute_savings(programme, assumptions).programme_cost == Decimal("760.00")
    assert sql_programme_cost(programme) == Decimal("760.00")
    assert sql_balances()[fund.pk] == balances(fund)


def test_correcting_a_deposit_changes_allocated_only(manager, programme):
    fund = funded(manager, "1000.00", programme=programme)
    services.book_expenditure(manager, fund, Decimal("100.00"), "Training")
    services.correct(manager, fund.entries.get(kind=EntryKind.DEPOSIT), Decimal("-250.00"),
                     "Storting was te hoog")  # fmt: skip
    assert balances(fund)["allocated"] == Decimal("750.00")
    assert balances(fund)["spent"] == Decimal("100.00")
    assert programme_cost(programme) == Decimal("100.00")
    assert sql_balances()[fund.pk] == balances(fund)


def test_a_refund_on_an_expenditure_is_not_refused_as_insufficient(manager, programme):
    """A negative correction of an expenditure gives money back: it raises available,
    whereas a positive one spends more and is checked like an expenditure."""
    fund = funded(manager, "500.00", programme=programme)
    expenditure = services.book_expenditure(manager, fund, Decimal("500.00"), "Alles op")
    services.correct(manager, expenditure, Decimal("-120.00"), "Creditnota")
    assert balances(fund)["available"] == Decimal("120.00")
    with pytest.raises(ValidationError) as refused:
        services.correct(manager, expenditure, Decimal("120.01"), "Toch duurder")
    assert refused.value.error_list[0].code == "insufficient"
    assert balances(fund)["available"] == Decimal("120.00")
    assert fund.entries.filter(kind=EntryKind.CORRECTION).count() == 1


def test_correcting_an_expenditure_on_a_commitment_moves_its_open_amount(
    manager, consultant, municipality, programme
):
    fund = funded(manager, "1000.00", programme=programme)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    commitment = approved(manager, consultant, fund, participant, "600.00")
    expenditure = services.book_expenditure(manager, fund, Decimal("400.00"), "Factuur",
                                            commitment=commitment)  # fmt: skip
    services.correct(manager, expenditure, Decimal("150.00"), "Factuur was 550,00")
    assert selectors.commitment_balance(commitment) == Decimal("50.00")
    assert balances(fund) == {
        "allocated": Decimal("1000.00"),
        "spent": Decimal("550.00"),
        "committed": Decimal("50.00"),
        "available": Decimal("400.00"),
    }
    assert sql_balances()[fund.pk] == balances(fund)
    # More than is open on the commitment is refused and leaves nothing booked.
    with pytest.raises(ValidationError) as refused:
        services.correct(manager, expenditure, Decimal("50.01"), "Nog duurder")
    assert refused.value.error_list[0].code == "overspend"
    assert selectors.commitment_balance(commitment) == Decimal("50.00")


def test_a_correction_of_a_correction_counts_as_the_original(manager, programme):
    fund = funded(manager, "1000.00", programme=programme)
    expenditure = services.book_expenditure(manager, fund, Decimal("400.00"), "Training")
    first = services.correct(manager, expenditure, Decimal("360.00"), "Te weinig")
    second = services.correct(manager, first, Decimal("-60.00"), "Iets te veel gecorrigeerd")
    assert second.corrects == expenditure
    assert balances(fund)["spent"] == Decimal("700.00")
    assert programme_cost(programme) == Decimal("700.00")
    assert sql_balances()[fund.pk] == balances(fund)


def test_the_database_refuses_a_correction_that_names_no_entry(manager):
    fund = funded(manager, "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(fund=fund, kind=EntryKind.CORRECTION,
                                   amount=Decimal("5.00"), booked_by=manager,
                                   description="los")  # fmt: skip


def test_balances_of_many_funds_agree_with_plain_sql(manager, consultant, municipality):
    """Every kind corrected, on several funds, through the one-query overview."""
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    for index in range(3):
        fund = funded(manager, f"{1000 + index * 100}.00")
        deposit = fund.entries.get()
        services.correct(manager, deposit, Decimal(f"-{10 + index}.00"), "storting")
        commitment = approved(manager, consultant, fund, participant, "300.00")
        services.correct(manager, commitment.entries.get(kind=EntryKind.COMMITMENT),
                         Decimal("-20.00"), "verplichting lager")  # fmt: skip
        spent = services.book_expenditure(manager, fund, Decimal("90.00"), "x",
                                          commitment=commitment)  # fmt: skip
        services.correct(manager, spent, Decimal("5.00"), "uitgave hoger")
        direct = services.book_expenditure(manager, fund, Decimal("70.00"), "direct")
        services.correct(manager, direct, Decimal("-7.00"), "creditnota")
        release = services.release_rest(manager, commitment)
        services.correct(manager, release, Decimal("-1.00"), "vrijval lager")
    expected = sql_balances()
    for fund in selectors.funds_overview(manager):
        got = {name: getattr(fund, name) for name in expected[fund.pk]}
        assert got == expected[fund.pk], fund.name
    assert Fund.objects.count() == 3


def test_export_and_ledger_page_say_what_a_correction_counts_as(client, manager):
    fund = funded(manager, "1000.00")
    expenditure = services.book_expenditure(manager, fund, Decimal("400.00"), "Training")
    correction = services.correct(manager, expenditure, Decimal("360.00"), "Factuur")
    client.force_login(manager)
    response = client.get(reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": "csv"}))
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")),
                                    delimiter=";"))  # fmt: skip
    assert header[-1] == "Telt als"
    by_number = {int(row[0]): row for row in rows}
    assert by_number[correction.pk][2] == "Correctie"
    assert by_number[correction.pk][-1] == "Uitgave"
    assert by_number[expenditure.pk][-1] == "Uitgave"
    # Summing the export by "Telt als" gives the balance the page shows.
    spent = sum(
        Decimal(row[3].replace(".", "").replace(",", ".")) for row in rows if row[-1] == "Uitgave"
    )
    assert spent == selectors.balance(fund).spent == Decimal("760.00")
    page = client.get(reverse("funding:fund_detail", args=[fund.pk]), HTTP_ACCEPT_LANGUAGE="nl")
    assert f"correctie op nr. {expenditure.pk}, telt als Uitgave" in page.content.decode()


def sql_programme_costs_as_of(on_date):
    """{programme id: cost} of expenditures and their corrections booked by the end of
    `on_date` in Europe/Amsterdam, from the raw tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT f.programme_id, SUM(e.amount)
                 FROM funding_ledgerentry e
                 JOIN funding_fund f ON f.id = e.fund_id
                 LEFT JOIN funding_ledgerentry c ON c.id = e.corrects_id
                WHERE f.programme_id IS NOT NULL
                  AND (e.kind = 'expenditure'
                       OR (e.kind = 'correction' AND c.kind = 'expenditure'))
                  AND (e.booked_at AT TIME ZONE 'Europe/Amsterdam')::date <= %s
                GROUP BY f.programme_id""",
            [on_date],
        )
        return dict(cursor.fetchall())


def test_demo_balances_and_costs_agree_with_plain_sql(demo):
    """The seeded demo, with a correction of each kind added on its funds."""
    for fund in Fund.objects.order_by("pk"):
        entry = fund.entries.exclude(kind=EntryKind.CORRECTION).order_by("pk").first()
        if entry is not None and selectors.balance(fund).available > 5:
            owner = User.objects.filter(role=Role.MANAGER, municipality=fund.municipality)
            owner = owner.order_by("pk").first()
            services.correct(owner, entry, Decimal("-1.00"), "controle")
    assert LedgerEntry.objects.filter(kind=EntryKind.CORRECTION).count() >= 5
    expected = sql_balances()
    for municipality_fund in Fund.objects.order_by("pk"):
        fund = selectors.balance(municipality_fund)
        got = {name: getattr(fund, name) for name in expected[fund.pk]}
        assert got == expected[fund.pk], fund.name
    today = timezone.localdate()
    programmes = list(Programme.objects.order_by("pk"))
    for on_date in (today - datetime.timedelta(days=400), today - datetime.timedelta(days=90),
                    today):  # fmt: skip
        costs = sql_programme_costs_as_of(on_date)
        assumptions = savings.default_assumptions(programmes[0].municipality)
        results = savings.compute_savings_of(programmes, assumptions, on_date)
        for programme, result in zip(programmes, results, strict=True):
            want = costs.get(programme.pk) or Decimal("0.00")
            assert result.programme_cost == want, (programme.name, on_date)


def test_correcting_a_correction_on_the_page_shows_and_corrects_the_original(client, manager):
    fund = funded(manager, "1000.00")
    expenditure = services.book_expenditure(manager, fund, Decimal("400.00"), "Training")
    first = services.correct(manager, expenditure, Decimal("360.00"), "Factuur")
    client.force_login(manager)
    url = reverse("funding:correction", args=[first.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert f"Boeking {expenditure.pk}: Uitgave" in page
    response = client.post(url, {"amount": "-60,00", "description": "Iets minder"},
                           HTTP_ACCEPT_LANGUAGE="nl")  # fmt: skip
    assert response.status_code == 302
    second = fund.entries.filter(kind=EntryKind.CORRECTION).latest("pk")
    assert second.corrects == expenditure and second.amount == Decimal("-60.00")
    assert selectors.balance(fund).spent == Decimal("700.00")

"""Balances and programme cost as of a date (issue 13, build 2 / found 5): only ledger
entries booked by the end of that day in Europe/Amsterdam count, and the savings use the
cost as it stood on their calculation date."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from evaluation.dashboards import selectors as dashboard_selectors
from funding import savings, selectors, services
from funding.models import Fund
from tests.funding.factories import FundFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
DAY = datetime.date(2026, 3, 31)  # summer time in Amsterdam: UTC + 2


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=AMSTERDAM)


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def books(manager, municipality):
    """Two funds of one programme, entries on both sides of midnight of DAY."""
    programme = ProgrammeFactory(municipality=municipality)
    first = FundFactory(municipality=municipality, programme=programme)
    second = FundFactory(municipality=municipality, programme=programme)
    with time_machine.travel(at(DAY - datetime.timedelta(days=10), 9), tick=False):
        services.deposit(manager, first, Decimal("1000.00"), "inleg")
        services.deposit(manager, second, Decimal("500.00"), "inleg")
        spent = services.book_expenditure(manager, first, Decimal("100.00"), "training")
    with time_machine.travel(at(DAY, 23, 30), tick=False):  # 21:30 UTC: still DAY
        services.book_expenditure(manager, second, Decimal("40.00"), "laat op de dag")
        services.correct(manager, spent, Decimal("10.00"), "factuur hoger")
    with time_machine.travel(at(DAY + datetime.timedelta(days=1), 0, 30), tick=False):
        # 22:30 UTC on DAY, but the next day in Amsterdam: not as of DAY.
        services.book_expenditure(manager, first, Decimal("200.00"), "volgende dag")
        services.deposit(manager, second, Decimal("300.00"), "tweede inleg")
    return programme, first, second


def sql_spent_and_allocated(fund, on_date):
    """Plain SQL on the raw ledger, the day's end taken in Europe/Amsterdam."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT
                 COALESCE(SUM(e.amount) FILTER (WHERE k = 'expenditure'), 0),
                 COALESCE(SUM(e.amount) FILTER (WHERE k IN ('deposit', 'replenishment')), 0)
               FROM funding_ledgerentry e
               LEFT JOIN funding_ledgerentry c ON c.id = e.corrects_id,
               LATERAL (SELECT CASE WHEN e.kind = 'correction' THEN c.kind
                                    ELSE e.kind END AS k) kinds
              WHERE e.fund_id = %s
                AND (e.booked_at AT TIME ZONE 'Europe/Amsterdam')::date <= %s""",
            [fund.pk, on_date],
        )
        return cursor.fetchone()


def test_balances_as_of_a_date_leave_out_what_was_booked_later(books, manager):
    programme, first, second = books
    then = selectors.balance(first, on_date=DAY)
    assert (then.allocated, then.spent, then.available) == (
        Decimal("1000.00"),
        Decimal("110.00"),
        Decimal("890.00"),
    )
    now = selectors.balance(first)
    assert now.spent == Decimal("310.00")
    before = selectors.balance(second, on_date=DAY - datetime.timedelta(days=1))
    assert (before.allocated, before.spent) == (Decimal("500.00"), Decimal("0.00"))
    for fund in (first, second):
        for day in (DAY - datetime.timedelta(days=1), DAY, DAY + datetime.timedelta(days=1)):
            b = selectors.balance(fund, on_date=day)
            assert (b.spent, b.allocated) == sql_spent_and_allocated(fund, day), (fund, day)


def test_with_balances_as_of_a_date_is_one_query(books, django_assert_num_queries):
    _programme, first, second = books
    with django_assert_num_queries(1):
        funds = {f.pk: f for f in selectors.with_balances(Fund.objects.all(), on_date=DAY)}
    assert funds[first.pk].spent == Decimal("110.00")
    assert funds[second.pk].spent == Decimal("40.00")
    assert funds[second.pk].allocated == Decimal("500.00")


def test_programme_cost_as_of_a_date(books):
    programme, _first, _second = books
    assumptions = savings.default_assumptions(programme.municipality)

    def cost(on_date=None):
        return savings.compute_savings(programme, assumptions, on_date).programme_cost

    assert cost(DAY) == Decimal("150.00")
    assert cost(DAY - datetime.timedelta(days=11)) == 0
    assert cost() == Decimal("350.00")


def test_savings_use_the_cost_as_of_their_date(books, municipality, django_assert_num_queries):
    """Found 5: the savings "per <date>" counted cost booked after the date."""
    programme, _first, _second = books
    other = ProgrammeFactory(municipality=municipality)
    assumptions = savings.default_assumptions(municipality)
    # Three of its own and the register's two (no snapshot: nothing to match).
    with django_assert_num_queries(5):
        on_day, _other = savings.compute_savings_of([programme, other], assumptions, DAY)
    assert on_day.programme_cost == Decimal("150.00")
    later = savings.compute_savings_of([programme], assumptions, DAY + datetime.timedelta(days=1))
    assert later[0].programme_cost == Decimal("350.00")
    assert savings.compute_savings(programme, assumptions, DAY).net_savings == Decimal("-150.00")


def test_the_dashboard_lists_the_funds_by_name_whatever_order_they_were_made_in(
    manager, municipality
):
    # Made in reverse alphabetical order: without an ORDER BY the aggregate came back in
    # the plan's order (by id on a sorted group, anything on a hashed one).
    for name in ("Zeta", "Mu", "Alfa"):
        FundFactory(municipality=municipality, name=name)
    scope = dashboard_selectors.Scope(municipality, None)
    funds = dashboard_selectors.budgets(scope).funds
    assert [fund.name for fund in funds] == ["Alfa", "Mu", "Zeta"]
    assert [fund.name for fund in selectors.funds_overview(manager)] == ["Alfa", "Mu", "Zeta"]

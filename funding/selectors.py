"""Balances are derived from the ledger, in SQL, never stored.

Every sum of the ledger puts an entry in the bucket of `models.counts_as`: its own kind,
or for a correction the kind of the entry it corrects."""

from decimal import Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from vakwerk import prepared

from .models import (
    Commitment,
    CommitmentStatus,
    EntryKind,
    Fund,
    LedgerEntry,
    booked_by_end_of,
    counts_as,
)

MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY_FIELD)


def _sum(kind, on_date=None, **extra):
    condition = counts_as(kind, "entries__") & booked_by_end_of(on_date, "entries__") & Q(**extra)
    return Coalesce(Sum("entries__amount", filter=condition), ZERO, output_field=MONEY_FIELD)


def with_balances(funds, on_date=None):
    """allocated = deposits + replenishments; spent = expenditures;
    committed = commitments − expenditures against them − releases;
    available = allocated − spent − committed. Each kind includes the corrections of
    entries of that kind. With `on_date`, only entries booked by the end of that day
    (Europe/Amsterdam) count: the balances as they stood then. Still one query.

    Ordered by name here: Django leaves a model's Meta ordering out of a query with
    GROUP BY, and the dashboard listed the funds in whatever order PostgreSQL's plan gave."""
    funds = funds.annotate(
        deposits=_sum(EntryKind.DEPOSIT, on_date),
        replenishments=_sum(EntryKind.REPLENISHMENT, on_date),
        commitments_booked=_sum(EntryKind.COMMITMENT, on_date),
        spent=_sum(EntryKind.EXPENDITURE, on_date),
        spent_on_commitments=_sum(
            EntryKind.EXPENDITURE, on_date, entries__commitment__isnull=False
        ),
        released=_sum(EntryKind.RELEASE, on_date),
    )
    return funds.annotate(
        allocated=Coalesce("deposits", ZERO) + Coalesce("replenishments", ZERO),
        committed=Coalesce("commitments_booked", ZERO)
        - Coalesce("spent_on_commitments", ZERO) - Coalesce("released", ZERO),
    ).annotate(available=Coalesce("allocated", ZERO) - Coalesce("spent", ZERO)
               - Coalesce("committed", ZERO)).order_by("name", "pk")  # fmt: skip


def balance(fund, on_date=None):
    return with_balances(Fund.objects.filter(pk=fund.pk), on_date=on_date).get()


def funds_overview(user):
    return with_balances(Fund.objects.for_user(user)).select_related("programme")


def fund_for_page(user, pk):
    """A fund of `funds_overview`, or None: compiled once per role (`vakwerk.prepared`),
    as its balances' six sums cost more to build and compile than to run."""
    found = prepared.rows(
        "fund_for_page", lambda user, pk: funds_overview(user).filter(pk=pk), user=user, pk=pk
    )
    return found[0] if found else None


def approved_commitments(user, fund):
    return Commitment.objects.for_user(user).filter(fund=fund, status=CommitmentStatus.APPROVED)


def open_commitments(user, fund):
    """The fund's approved commitments with what is still open of each, by number."""
    return with_open_amounts(
        approved_commitments(user, fund).select_related("participant")
    ).order_by("pk")


def open_commitment_pages(user, fund):
    """`open_commitments` for the fund page's paginator (`vakwerk.prepared`); its count
    counts the commitments without adding up their entries."""
    return prepared.Pages(
        ("open_commitments", fund.pk),
        user,
        lambda user: open_commitments(user, fund),
        count=lambda user: approved_commitments(user, fund),
    )


def ledger(user, fund):
    return (
        LedgerEntry.objects.for_user(user)
        .filter(fund=fund)
        .select_related("booked_by", "commitment__participant")
        .with_effective_kind()
        .order_by("-booked_at", "-pk")
    )


def with_open_amounts(commitments):
    """Adds spent and open (committed − spent − released) in the same query, so a list
    of commitments costs one query however long it is. The one definition of "open"."""

    def total(kind):
        return Coalesce(Sum("entries__amount", filter=counts_as(kind, "entries__")), ZERO)

    return commitments.annotate(
        spent=total(EntryKind.EXPENDITURE),
        open_amount=total(EntryKind.COMMITMENT)
        - total(EntryKind.EXPENDITURE)
        - total(EntryKind.RELEASE),
    )


def commitment_balance(commitment):
    """What is still open on one approved commitment."""
    one = Commitment.objects.filter(pk=commitment.pk)
    return with_open_amounts(one).values_list("open_amount", flat=True).get()


def approval_queue(user):
    return (
        Commitment.objects.for_user(user)
        .filter(status=CommitmentStatus.REQUESTED)
        .select_related("fund", "participant", "requested_by", "match__opportunity__employer")
        .order_by("requested_at", "pk")
    )

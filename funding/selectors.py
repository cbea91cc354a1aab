"""Balances are derived from the ledger, in SQL, never stored."""

from decimal import Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from .models import Commitment, CommitmentStatus, EntryKind, Fund, LedgerEntry

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


def _sum(kind, **extra):
    return Coalesce(
        Sum("entries__amount", filter=Q(entries__kind=kind, **extra)),
        ZERO,
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def with_balances(funds):
    """allocated = deposits + replenishments + corrections; spent = expenditures;
    committed = commitments − expenditures against them − releases;
    available = allocated − spent − committed."""
    funds = funds.annotate(
        deposits=_sum(EntryKind.DEPOSIT),
        replenishments=_sum(EntryKind.REPLENISHMENT),
        corrections=_sum(EntryKind.CORRECTION),
        commitments_booked=_sum(EntryKind.COMMITMENT),
        spent=_sum(EntryKind.EXPENDITURE),
        spent_on_commitments=_sum(EntryKind.EXPENDITURE, entries__commitment__isnull=False),
        released=_sum(EntryKind.RELEASE),
    )
    return funds.annotate(
        allocated=Coalesce("deposits", ZERO) + Coalesce("replenishments", ZERO)
        + Coalesce("corrections", ZERO),
        committed=Coalesce("commitments_booked", ZERO)
        - Coalesce("spent_on_commitments", ZERO) - Coalesce("released", ZERO),
    ).annotate(available=Coalesce("allocated", ZERO) - Coalesce("spent", ZERO)
               - Coalesce("committed", ZERO))  # fmt: skip


def balance(fund):
    return with_balances(Fund.objects.filter(pk=fund.pk)).get()


def funds_overview(user):
    return (
        with_balances(Fund.objects.for_user(user))
        .select_related("programme")
        .order_by("name", "pk")
    )


def ledger(user, fund):
    return (
        LedgerEntry.objects.for_user(user)
        .filter(fund=fund)
        .select_related("booked_by", "commitment__participant")
        .order_by("-booked_at", "-pk")
    )


def with_open_amounts(commitments):
    """Adds spent and open (committed − spent − released) in the same query, so a list
    of commitments costs one query however long it is. The one definition of "open"."""

    def total(kind):
        return Coalesce(Sum("entries__amount", filter=Q(entries__kind=kind)), ZERO)

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


def programme_cost(programme):
    """What a programme cost: every expenditure booked on its funds."""
    return LedgerEntry.objects.filter(
        fund__programme=programme, kind=EntryKind.EXPENDITURE
    ).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]

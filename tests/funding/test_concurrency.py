"""Two managers approve at the same moment: the fund's row lock serves them one after
the other, so available never goes below zero. Needs PostgreSQL (SELECT … FOR UPDATE)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from funding import selectors, services
from funding.models import Commitment, CommitmentStatus, EntryKind
from tests.funding.factories import funded, requested
from tests.participants.factories import ParticipantFactory
from vakwerk.roles import Role


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_at_once_cannot_overspend(make_user, municipality, evidence):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL; run with make test"
    first_manager, second_manager = make_user(Role.MANAGER), make_user(Role.MANAGER)
    consultant = make_user(Role.CONSULTANT)
    fund = funded(first_manager, "1000.00")
    commitments = [
        requested(consultant, fund,
                  ParticipantFactory(municipality=municipality, consultant=consultant), "700.00")
        for _ in range(2)
    ]  # fmt: skip
    barrier = threading.Barrier(2)
    results = {}

    def approve(manager, pk):
        try:
            commitment = Commitment.objects.select_related("fund").get(pk=pk)
            barrier.wait(timeout=10)
            services.approve_commitment(manager, commitment)
            results[pk] = "approved"
        except ValidationError as error:
            results[pk] = error.error_list[0].code
        except Exception as error:  # anything else is reported by the assertion below
            results[pk] = repr(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(manager, commitment.pk))
        for manager, commitment in zip((first_manager, second_manager), commitments, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values()) == ["approved", "insufficient"], results
    balance = selectors.balance(fund)
    assert balance.available == Decimal("300.00")
    assert balance.committed == Decimal("700.00")
    statuses = sorted(Commitment.objects.filter(fund=fund).values_list("status", flat=True))
    assert statuses == [CommitmentStatus.APPROVED, CommitmentStatus.REQUESTED]
    assert fund.entries.filter(kind=EntryKind.COMMITMENT).count() == 1
    evidence.append("concurrent approvals: one approved, one refused, € 300,00 left")

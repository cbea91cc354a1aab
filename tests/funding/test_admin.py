"""The platform operators' Django admin shows savings assumption versions, ledger entries
and commitments, but changes, adds and deletes none of them (issue 13, build 8 / found
10): money moves only through a ledger booking, and a version is never edited."""

from decimal import Decimal

import pytest
from django.urls import reverse

from funding import savings
from funding.models import Commitment, CommitmentStatus, LedgerEntry, SavingsAssumptions
from tests.funding.factories import approved, funded
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import UserFactory, verified_login
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(role="", municipality=None, is_staff=True, is_superuser=True)
    return verified_login(client, user)


@pytest.fixture
def books(make_user, municipality):
    manager, consultant = make_user(Role.MANAGER), make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    fund = funded(manager, "1000.00")
    commitment = approved(manager, consultant, fund, participant, "300.00")
    version = savings.new_assumptions_version(manager, municipality, note="standaard")
    return fund, commitment, version


def change_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def test_a_commitment_cannot_be_changed_in_the_admin(operator, books):
    _fund, commitment, _version = books
    assert operator.get(change_url(commitment)).status_code == 200  # it can be read
    response = operator.post(change_url(commitment), {
        "fund": commitment.fund_id, "participant": commitment.participant_id,
        "purpose": "Werkkleding", "amount": "9999.00", "status": CommitmentStatus.REQUESTED,
        "requested_by": commitment.requested_by_id,
        "requested_at_0": "2026-01-01", "requested_at_1": "10:00:00",
    })  # fmt: skip
    assert response.status_code == 403
    commitment.refresh_from_db()
    assert (commitment.amount, commitment.status) == (Decimal("300.00"), "approved")


def test_an_assumptions_version_cannot_be_changed_in_the_admin(operator, books):
    _fund, _commitment, version = books
    assert operator.get(change_url(version)).status_code == 200
    data = {name: getattr(version, name) for name in savings.ASSUMPTION_FIELDS}
    data.update(municipality=version.municipality_id, version=1, note="stiekem",
                remaining_duration_years="40")  # fmt: skip
    assert operator.post(change_url(version), data).status_code == 403
    version.refresh_from_db()
    assert version.remaining_duration_years == Decimal("2.50") and version.note == "standaard"


def test_a_ledger_entry_cannot_be_added_changed_or_deleted_in_the_admin(operator, books):
    fund, _commitment, _version = books
    entry = fund.entries.order_by("pk").first()
    assert operator.get(change_url(entry)).status_code == 200
    add = reverse("admin:funding_ledgerentry_add")
    assert operator.get(add).status_code == 403
    posted = operator.post(add, {"fund": fund.pk, "kind": "deposit", "amount": "5000.00",
                                 "description": "buiten de boeken om"})  # fmt: skip
    assert posted.status_code == 403
    delete = reverse("admin:funding_ledgerentry_delete", args=[entry.pk])
    assert operator.post(delete, {"post": "yes"}).status_code == 403
    assert LedgerEntry.objects.filter(fund=fund).count() == 2


@pytest.mark.parametrize("model", [Commitment, SavingsAssumptions, LedgerEntry])
def test_nothing_is_added_or_deleted_in_the_admin(operator, books, model):
    before = model.objects.count()
    meta = model._meta
    assert operator.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == (
        403
    )
    obj = model.objects.order_by("pk").first()
    delete = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
    assert operator.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.count() == before
    listing = operator.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert listing.status_code == 200

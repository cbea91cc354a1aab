"""The large benchmark dataset, generated at a tiny fraction of its size."""

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from consultants.models import CoachingSession
from employers.models import Employer, Match, Opportunity
from funding.models import Fund, LedgerEntry
from funding.selectors import with_balances
from participants.models import OutcomeMeasurement, Participant
from participants.register.models import BenefitSpell, RegisterPerson, RegisterSnapshot
from participants.register.selectors import net_effects
from vakwerk.bsn import is_valid_bsn
from vakwerk.demo import scale
from vakwerk.models import Municipality, User

pytestmark = pytest.mark.django_db

FACTOR = 0.001  # 100 participants, 2,000 sessions, 500 ledger entries


def _quiet(_line):
    pass


def _digest():
    """A hash of the generated content keyed on natural keys, not on ids: ids come from
    sequences, which a rolled-back run does not reset."""
    queries = [
        "SELECT m.cbs_code, p.bsn, p.first_name, p.last_name, p.birth_date, p.status,"
        " p.benefit_type, p.target_group, u.email FROM participants_participant p"
        " JOIN vakwerk_municipality m ON m.id = p.municipality_id"
        " JOIN vakwerk_user u ON u.id = p.consultant_id ORDER BY 1, 2",
        "SELECT p.bsn, u.email, s.held_on, s.minutes, s.kind, s.themes::text, s.notes"
        " FROM consultants_coachingsession s"
        " JOIN participants_participant p ON p.id = s.participant_id"
        " JOIN vakwerk_user u ON u.id = s.consultant_id ORDER BY 1, 2, 3, 4, 5, 6, 7",
        "SELECT m.cbs_code, f.name, l.kind, l.amount, l.booked_at, l.description"
        " FROM funding_ledgerentry l JOIN funding_fund f ON f.id = l.fund_id"
        " JOIN vakwerk_municipality m ON m.id = f.municipality_id ORDER BY 1, 2, 5, 3, 4, 6",
        "SELECT p.bsn, e.kvk_number, o.title, mt.stage FROM employers_match mt"
        " JOIN participants_participant p ON p.id = mt.participant_id"
        " JOIN employers_opportunity o ON o.id = mt.opportunity_id"
        " JOIN employers_employer e ON e.id = o.employer_id ORDER BY 1, 2, 3, 4",
        "SELECT m.cbs_code, r.birth_year, p.bsn, s.benefit_type, s.started_on, s.ended_on,"
        " s.end_reason FROM benefit_register_benefitspell s"
        " JOIN benefit_register_registerperson r ON r.id = s.person_id"
        " JOIN vakwerk_municipality m ON m.id = r.municipality_id"
        " LEFT JOIN participants_participant p ON p.id = r.participant_id"
        " ORDER BY 1, 2, 3, 4, 5, 6, 7",
    ]
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(query)
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


class _Rollback(Exception):
    pass


def _generate_and_digest(seed):
    """Generates into the empty test database, hashes it, and rolls everything back."""
    result = {}
    with pytest.raises(_Rollback), transaction.atomic():
        scale.generate(seed=seed, factor=FACTOR, out=_quiet)
        result["digest"] = _digest()
        raise _Rollback
    assert not Municipality.objects.filter(cbs_code="0141").exists()
    return result["digest"]


def test_counts_follow_the_factor_and_the_data_is_valid():
    counts = scale.generate(seed=1, factor=FACTOR, out=_quiet)
    want = scale.targets(FACTOR)
    assert want["participants"] == 100
    assert want["coaching_sessions"] == 2_000
    assert Municipality.objects.count() == want["municipalities"] == 10
    assert User.objects.filter(role="consultant").count() == want["consultants"]
    assert Participant.objects.count() == want["participants"]
    assert CoachingSession.objects.count() == want["coaching_sessions"]
    assert OutcomeMeasurement.objects.count() == want["outcome_measurements"]
    assert Employer.objects.count() == want["employers"]
    assert Opportunity.objects.count() == want["opportunities"]
    assert Match.objects.count() == want["matches"]
    assert LedgerEntry.objects.count() == want["ledger_entries"]
    assert counts["consultants_coachingsession"] == want["coaching_sessions"]
    # Every municipality has its staff with the shared scale e-mail scheme.
    assert User.objects.filter(email="consultant1@almelo.scale.example").exists()
    assert User.objects.filter(email__endswith=".scale.example", role="manager").count() == 10

    # Each municipality also runs a pilot with a tenth of its people, none of them in a group
    # (the bench's monitoring PDF needs a programme of 1,000 participants at full size).
    pilots = Participant.objects.filter(programme__name__endswith="(pilot)")
    assert pilots.count() == want["participants"] // 10
    assert set(pilots.values_list("municipality_id", flat=True)) == set(
        Municipality.objects.values_list("pk", flat=True)
    )
    assert not pilots.filter(enrolments__isnull=False).exists()

    bsns = list(Participant.objects.values_list("municipality_id", "bsn"))
    assert all(is_valid_bsn(bsn) for _, bsn in bsns)
    assert len(set(bsns)) == len(bsns)

    funds = list(with_balances(Fund.objects.all()))
    assert len(funds) == 50
    for fund in funds:
        assert min(fund.available, fund.committed, fund.allocated, fund.spent) >= 0, fund.name
    # Not only at the end: replayed in booking order, available never drops below zero.
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT MIN(running) FROM (
                 SELECT SUM(CASE
                     WHEN kind IN ('deposit', 'replenishment', 'correction', 'release')
                         THEN amount
                     WHEN kind = 'commitment' THEN -amount
                     WHEN kind = 'expenditure' AND commitment_id IS NULL THEN -amount
                     ELSE 0 END) OVER (PARTITION BY fund_id ORDER BY booked_at, id) AS running
                 FROM funding_ledgerentry) AS replay"""
        )
        assert cursor.fetchone()[0] >= 0
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"deposit", "commitment", "expenditure", "release"} <= kinds
    assert {"proposed", "hired", "rejected"} <= set(Match.objects.values_list("stage", flat=True))
    assert set(OutcomeMeasurement.objects.values_list("follow_up", flat=True)) == {3, 6, 12, 18}

    # A second run into the same database refuses instead of doubling the data.
    with pytest.raises(scale.ScaleError, match="already exist"):
        scale.generate(seed=1, factor=FACTOR, out=_quiet)


def test_the_same_seed_gives_the_same_data():
    first = _generate_and_digest(seed=7)
    second = _generate_and_digest(seed=7)
    other = _generate_and_digest(seed=8)
    assert first == second
    assert first != other


def test_command_generates_with_a_factor(capsys):
    call_command("seed_demo", "--scale", "large", "--factor", str(FACTOR), "--seed", "3")
    assert "consultants_coachingsession" in capsys.readouterr().out
    assert Participant.objects.count() == 100


def test_command_refuses_on_sqlite(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("seed_demo", "--scale", "large", "--factor", str(FACTOR))
    monkeypatch.undo()
    assert not Participant.objects.exists()


def test_command_refuses_in_production(settings):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="switched off"):
        call_command("seed_demo", "--scale", "large", "--factor", str(FACTOR))
    assert not Municipality.objects.exists()


def test_default_scale_is_still_the_demo():
    call_command("seed_demo")
    assert set(Municipality.objects.values_list("name", flat=True)) == {
        "Demo Zwolle",
        "Demo Kampen",
    }


def test_the_register_holds_ten_people_per_participant_the_participants_linked():
    scale.generate(seed=1, factor=FACTOR, out=_quiet)
    want = scale.targets(FACTOR)
    assert want["register_people"] == 10 * want["participants"] == 1_000
    assert RegisterPerson.objects.count() == want["register_people"]
    # One spell each, every participant among them once, linked as the import links them.
    assert BenefitSpell.objects.count() == want["register_people"]
    assert RegisterPerson.objects.filter(participant__isnull=False).count() == want["participants"]
    assert (
        RegisterPerson.objects.filter(participant__isnull=False)
        .exclude(municipality_id=F("participant__municipality_id"))
        .count()
        == 0
    )
    assert RegisterSnapshot.objects.count() == 10 * scale.REGISTER_SNAPSHOTS
    hashes = list(RegisterPerson.objects.values_list("bsn_hash", flat=True))
    assert len(set(hashes)) == len(hashes)
    assert not any(is_valid_bsn(value) for value in hashes)
    # Spells lie within what the snapshots recorded.
    assert not BenefitSpell.objects.filter(ended_on__lt=F("started_on")).exists()
    assert not BenefitSpell.objects.filter(end_recorded_on__lt=F("ended_on")).exists()
    assert BenefitSpell.objects.filter(ended_on__isnull=True).exists()
    assert BenefitSpell.objects.filter(end_reason="work").exists()
    # Each snapshot's counts are those its import would have recorded, recomputed here in
    # plain SQL from the spells.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.id, COUNT(s.id),"
            " COUNT(s.id) FILTER (WHERE s.first_seen_on = n.taken_on),"
            " COUNT(s.id) FILTER (WHERE r.participant_id IS NOT NULL),"
            " COUNT(s.id) FILTER (WHERE s.end_recorded_on = n.taken_on)"
            " FROM benefit_register_registersnapshot n"
            " LEFT JOIN benefit_register_benefitspell s ON s.municipality_id = n.municipality_id"
            "  AND s.first_seen_on <= n.taken_on AND s.last_seen_on >= n.taken_on"
            " LEFT JOIN benefit_register_registerperson r ON r.id = s.person_id"
            " GROUP BY n.id"
        )
        expected = {pk: counts for pk, *counts in cursor.fetchall()}
    stored = {
        snapshot.pk: [snapshot.people, snapshot.new_people, snapshot.participants,
                      snapshot.ended_in_file]
        for snapshot in RegisterSnapshot.objects.all()
    }  # fmt: skip
    assert stored == expected
    assert all(counts[0] for counts in stored.values())
    assert sum(counts[1] for counts in stored.values()) == want["register_people"]
    assert not RegisterSnapshot.objects.exclude(left_unseen=0).exists()

    # The net effect finds a comparison pool for the measured participants.
    totals = [
        row
        for municipality in Municipality.objects.all()
        for row in net_effects(municipality, timezone.localdate()).totals
    ]
    assert sum(row.matched for row in totals) > 0
    assert all(row.comparison_people for row in totals if row.matched)

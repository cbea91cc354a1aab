"""The large and national benchmark datasets, generated at a tiny fraction of their size."""

import datetime
import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
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


def _generate_and_digest(seed, size="large"):
    """Generates into the empty test database, hashes it, and rolls everything back."""
    result = {}
    with pytest.raises(_Rollback), transaction.atomic():
        scale.generate(seed=seed, factor=FACTOR, out=_quiet, scale=size)
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


@pytest.mark.parametrize("size", ["large", "national"])
def test_the_same_seed_gives_the_same_data(size):
    first = _generate_and_digest(seed=7, size=size)
    second = _generate_and_digest(seed=7, size=size)
    other = _generate_and_digest(seed=8, size=size)
    assert first == second
    assert first != other


# The large dataset as the generator wrote it before the national scale was added (seed 7,
# this factor, reference day 2026-11-02): the benchmark history compares runs on it, so the
# national scale must leave every row of it as it was.
LARGE_DIGEST_BEFORE_NATIONAL = "8855ecb0a24b14ca859bf54c9e61ba3086b662c9a1faefbf81bdf040bffda7d1"
LARGE_COUNTS_BEFORE_NATIONAL = {
    "vakwerk_user": 50,
    "consultants_consultantprofile": 10,
    "participants_participant": 100,
    "participants_cohort": 20,
    "participants_cohort_trainers": 20,
    "participants_enrolment": 85,
    "participants_intake": 95,
    "participants_talentprofile": 85,
    "participants_outcomemeasurement": 300,
    "consultants_coachingsession": 2000,
    "employers_employer": 20,
    "employers_opportunity": 50,
    "employers_match": 200,
    "employers_placement": 18,
    "funding_commitment": 252,
    "funding_ledgerentry": 500,
    "benefit_register_registerperson": 1000,
    "benefit_register_benefitspell": 1000,
    "benefit_register_registersnapshot": 120,
}


def test_the_large_dataset_is_unchanged_by_the_national_scale():
    counts = scale.generate(
        seed=7, factor=FACTOR, out=_quiet, today=datetime.date(2026, 11, 2), scale="large"
    )
    assert counts == LARGE_COUNTS_BEFORE_NATIONAL
    assert _digest() == LARGE_DIGEST_BEFORE_NATIONAL
    assert Municipality.objects.count() == 10
    # And its full size as documented in bench/SEED.md.
    assert scale.targets(1.0) == {
        "consultants": 1_000,
        "participants": 100_000,
        "coaching_sessions": 2_000_000,
        "outcome_measurements": 300_000,
        "employers": 20_000,
        "opportunities": 50_000,
        "matches": 200_000,
        "ledger_entries": 500_000,
        "register_people": 1_000_000,
        "municipalities": 10,
    }


def _count(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_national_is_forty_municipalities_and_four_times_large():
    scale.generate(seed=1, factor=FACTOR, out=_quiet, scale="national")
    want = scale.targets(FACTOR, "national")
    large = scale.targets(FACTOR)
    assert {key: value * 4 for key, value in large.items()} == want
    assert scale.targets(1.0, "national")["participants"] == 400_000
    assert scale.targets(1.0, "national")["coaching_sessions"] == 8_000_000
    # Plain SQL, not the generator's own tally: what is in the database is four times large.
    tables = {
        "vakwerk_municipality": 40,
        "vakwerk_user WHERE role = 'consultant'": 4 * large["consultants"],
        "participants_participant": 4 * large["participants"],
        "consultants_coachingsession": 4 * large["coaching_sessions"],
        "participants_outcomemeasurement": 4 * large["outcome_measurements"],
        "employers_employer": 4 * large["employers"],
        "employers_opportunity": 4 * large["opportunities"],
        "employers_match": 4 * large["matches"],
        "funding_ledgerentry": 4 * large["ledger_entries"],
        "benefit_register_registerperson": 4 * large["register_people"],
        "benefit_register_benefitspell": 4 * large["register_people"],
        "benefit_register_registersnapshot": 40 * scale.REGISTER_SNAPSHOTS,
        "funding_fund": 40 * len(scale.FUNDS),
        "vakwerk_programme": 80,
    }
    assert {table: _count(f"SELECT COUNT(*) FROM {table}") for table in tables} == tables  # noqa: S608
    assert LARGE_COUNTS_BEFORE_NATIONAL["consultants_coachingsession"] * 4 == 8_000
    # Each municipality as big as a large one: the same participants and sessions apiece.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.cbs_code, COUNT(DISTINCT p.id), COUNT(s.id)"
            " FROM vakwerk_municipality m"
            " JOIN participants_participant p ON p.municipality_id = m.id"
            " LEFT JOIN consultants_coachingsession s ON s.participant_id = p.id"
            " GROUP BY m.cbs_code"
        )
        per_municipality = {code: (people, sessions) for code, people, sessions in cursor}
    assert len(per_municipality) == 40
    assert set(per_municipality.values()) == {
        (large["participants"] // 10, large["coaching_sessions"] // 10)
    }
    # Real municipalities with their CBS codes; the ten of the large dataset among them.
    codes = dict(Municipality.objects.values_list("cbs_code", "name"))
    assert codes["0363"] == "Schaal Amsterdam"
    assert codes["0599"] == "Schaal Rotterdam"
    assert codes["0141"] == "Schaal Almelo"
    assert not {"0193", "0166"} & set(codes)  # the demo's Zwolle and Kampen stay free
    assert _count("SELECT COUNT(*) FROM employers_employer WHERE kvk_number !~ '^[0-9]{8}$'") == 0
    assert User.objects.filter(email="consultant1@s-gravenhage.scale.example").exists()
    bsns = list(Participant.objects.values_list("municipality_id", "bsn"))
    assert len(set(bsns)) == len(bsns)
    assert all(is_valid_bsn(bsn) for _, bsn in bsns)
    funds = list(with_balances(Fund.objects.all()))
    assert all(min(f.available, f.committed, f.allocated, f.spent) >= 0 for f in funds)

    # Neither scale can be loaded over the other: their municipalities overlap.
    with pytest.raises(scale.ScaleError, match="already exist"):
        scale.generate(seed=1, factor=FACTOR, out=_quiet, scale="large")


# Each query counts rows whose two ends lie in different municipalities.
CROSSINGS = {
    "participant's consultant": """
        SELECT COUNT(*) FROM participants_participant p
        JOIN vakwerk_user u ON u.id = p.consultant_id
        WHERE u.municipality_id <> p.municipality_id""",
    "participant's programme": """
        SELECT COUNT(*) FROM participants_participant p
        JOIN vakwerk_programme g ON g.id = p.programme_id
        WHERE g.municipality_id <> p.municipality_id""",
    "coaching session's consultant": """
        SELECT COUNT(*) FROM consultants_coachingsession s
        JOIN participants_participant p ON p.id = s.participant_id
        JOIN vakwerk_user u ON u.id = s.consultant_id
        WHERE u.municipality_id <> p.municipality_id""",
    "enrolment's cohort": """
        SELECT COUNT(*) FROM participants_enrolment e
        JOIN participants_participant p ON p.id = e.participant_id
        JOIN participants_cohort c ON c.id = e.cohort_id
        JOIN vakwerk_programme g ON g.id = c.programme_id
        WHERE g.municipality_id <> p.municipality_id""",
    "cohort's trainer": """
        SELECT COUNT(*) FROM participants_cohort_trainers t
        JOIN participants_cohort c ON c.id = t.cohort_id
        JOIN vakwerk_programme g ON g.id = c.programme_id
        JOIN vakwerk_user u ON u.id = t.user_id
        WHERE u.municipality_id <> g.municipality_id""",
    "outcome's cohort and recorder": """
        SELECT COUNT(*) FROM participants_outcomemeasurement o
        JOIN participants_participant p ON p.id = o.participant_id
        JOIN participants_cohort c ON c.id = o.cohort_id
        JOIN vakwerk_programme g ON g.id = c.programme_id
        LEFT JOIN vakwerk_user u ON u.id = o.recorded_by_id
        WHERE g.municipality_id <> p.municipality_id
           OR u.municipality_id <> p.municipality_id""",
    "intake's consultant": """
        SELECT COUNT(*) FROM participants_intake i
        JOIN participants_participant p ON p.id = i.participant_id
        JOIN vakwerk_user u ON u.id = i.held_by_id
        WHERE u.municipality_id <> p.municipality_id""",
    "employer's account manager": """
        SELECT COUNT(*) FROM employers_employer e
        JOIN vakwerk_user u ON u.id = e.account_manager_id
        WHERE u.municipality_id <> e.municipality_id""",
    "match's participant, opportunity and proposer": """
        SELECT COUNT(*) FROM employers_match m
        JOIN participants_participant p ON p.id = m.participant_id
        JOIN employers_opportunity o ON o.id = m.opportunity_id
        JOIN employers_employer e ON e.id = o.employer_id
        JOIN vakwerk_user u ON u.id = m.proposed_by_id
        WHERE e.municipality_id <> p.municipality_id
           OR u.municipality_id <> p.municipality_id""",
    "placement's match and author": """
        SELECT COUNT(*) FROM employers_placement pl
        JOIN employers_match m ON m.id = pl.match_id
        JOIN participants_participant p ON p.id = m.participant_id
        JOIN vakwerk_user u ON u.id = pl.created_by_id
        WHERE u.municipality_id <> p.municipality_id""",
    "commitment's fund, participant, match and people": """
        SELECT COUNT(*) FROM funding_commitment c
        JOIN funding_fund f ON f.id = c.fund_id
        JOIN participants_participant p ON p.id = c.participant_id
        LEFT JOIN employers_match m ON m.id = c.match_id
        LEFT JOIN participants_participant mp ON mp.id = m.participant_id
        JOIN vakwerk_user r ON r.id = c.requested_by_id
        LEFT JOIN vakwerk_user d ON d.id = c.decided_by_id
        WHERE p.municipality_id <> f.municipality_id
           OR mp.id <> p.id
           OR r.municipality_id <> f.municipality_id
           OR d.municipality_id <> f.municipality_id""",
    "ledger entry's booker, commitment and corrected entry": """
        SELECT COUNT(*) FROM funding_ledgerentry l
        JOIN funding_fund f ON f.id = l.fund_id
        JOIN vakwerk_user u ON u.id = l.booked_by_id
        LEFT JOIN funding_commitment c ON c.id = l.commitment_id
        LEFT JOIN funding_ledgerentry k ON k.id = l.corrects_id
        WHERE u.municipality_id <> f.municipality_id
           OR c.fund_id <> l.fund_id
           OR k.fund_id <> l.fund_id""",
    "register person's participant and spell": """
        SELECT COUNT(*) FROM benefit_register_benefitspell s
        JOIN benefit_register_registerperson r ON r.id = s.person_id
        LEFT JOIN participants_participant p ON p.id = r.participant_id
        WHERE s.municipality_id <> r.municipality_id
           OR p.municipality_id <> r.municipality_id""",
}


@pytest.mark.parametrize("size", ["large", "national"])
def test_no_row_crosses_municipalities(size):
    scale.generate(seed=2, factor=FACTOR, out=_quiet, scale=size)
    crossings = {name: _count(sql) for name, sql in CROSSINGS.items()}
    assert crossings == dict.fromkeys(CROSSINGS, 0)
    # The checks see rows on both sides: a join that matched nothing would prove nothing.
    assert _count("SELECT COUNT(*) FROM funding_commitment WHERE match_id IS NOT NULL") > 0
    assert _count("SELECT COUNT(*) FROM funding_ledgerentry WHERE corrects_id IS NOT NULL") > 0
    assert _count("SELECT COUNT(*) FROM employers_placement") > 0


def test_command_generates_with_a_factor(capsys):
    call_command("seed_demo", "--scale", "large", "--factor", str(FACTOR), "--seed", "3")
    assert "consultants_coachingsession" in capsys.readouterr().out
    assert Participant.objects.count() == 100


def test_command_generates_national_with_a_factor(capsys):
    call_command("seed_demo", "--scale", "national", "--factor", str(FACTOR), "--seed", "3")
    out = capsys.readouterr().out
    assert "national scale dataset" in out
    assert "benefit_register_registerperson" in out
    assert Municipality.objects.count() == 40
    assert Participant.objects.count() == 400


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


def _schema(tables):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])"
            " UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE tablename = ANY(%s) ORDER BY 1, 2, 3",
            [list(tables), list(tables)],
        )
        return cursor.fetchall()


def test_the_big_tables_get_their_indexes_and_foreign_keys_back():
    before = _schema(scale.BULK_TABLES)
    assert any("FOREIGN KEY" in definition for _, _, definition in before)
    assert sum("CREATE INDEX" in definition for _, _, definition in before) >= 10
    scale.generate(seed=1, factor=FACTOR, out=_quiet, scale="national")
    assert _schema(scale.BULK_TABLES) == before
    # The foreign keys are back and enforced: a session of nobody is refused.
    # (Django's foreign keys are deferred: checked here rather than at the test's end.)
    session = CoachingSession.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        CoachingSession.objects.filter(pk=session.pk).update(participant_id=-1)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert CoachingSession.objects.get(pk=session.pk).participant_id == session.participant_id

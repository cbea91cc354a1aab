"""The comparison pools at a size the other net-effect tests do not reach: a few hundred
strata over a register of some thousand spells with every kind of history (a person back
on benefit through one or several later spells, overlapping spells, a later spell that
ends before it starts, ends recorded after the as-of date or never, participants who
entered before, on or after a follow-up's day, the manual comparison group, another
municipality's rows). Every stratum's pool, off benefit for work and ended without a
reason must equal a plain-SQL count written here, one stratum at a time, straight from the
definition (selectors' docstring), with its own NOT EXISTS for the later spells.

And the work is bounded: the pools query runs no subquery per (stratum, spell) pair, the
fault that made the dashboard take minutes at a municipality's real size."""

import datetime
import random

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection

from participants.register import exports, selectors
from participants.register.models import BenefitSpell, RegisterPerson
from tests.participants.factories import ParticipantFactory
from tests.participants.register.generated_register import analyze_register
from tests.vakwerk.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 6, 30)
TYPES = ["bijstand", "ww", "both"]
REASONS = ["work", "education", "own_business", "moved_away", "other", "", ""]
GROUPS = ["youth", "workers", "older"]
BANDS = ["lt1", "1to2", "2to5", "5plus"]

REFERENCE = """
SELECT COUNT(*),
       COALESCE(SUM(CASE WHEN off THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN unknown THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN came_back THEN 1 ELSE 0 END), 0)
FROM (
    SELECT sp.end_reason IN ('work', 'education', 'own_business') AND ended AS off,
           sp.end_reason = '' AND ended AS unknown,
           sp.end_reason IN ('work', 'education', 'own_business') AND NOT ended
           AND sp.ended_on < %(due)s AND sp.end_recorded_on <= %(as_of)s AS came_back
    FROM (
        SELECT sp.*,
               sp.ended_on < %(due)s AND sp.end_recorded_on <= %(as_of)s
               AND NOT EXISTS (
                   SELECT 1 FROM benefit_register_benefitspell later
                   WHERE later.person_id = sp.person_id
                     AND later.started_on > sp.started_on
                     AND later.first_seen_on <= %(as_of)s
                     AND later.started_on <= %(due)s
                     AND (later.ended_on IS NULL
                          OR NOT (later.ended_on < %(due)s AND later.end_recorded_on <= %(as_of)s))
               ) AS ended
        FROM benefit_register_benefitspell sp
        JOIN benefit_register_registerperson pe ON pe.id = sp.person_id
        LEFT JOIN participants_participant pa ON pa.id = pe.participant_id
        WHERE sp.municipality_id = %(municipality)s AND sp.benefit_type = %(type)s
          AND sp.first_seen_on <= %(as_of)s
          AND sp.started_on > %(after)s AND sp.started_on <= %(until)s
          AND pe.birth_year BETWEEN %(year_from)s AND %(year_to)s
          AND (sp.ended_on IS NULL
               OR NOT (sp.ended_on < %(enrolled)s AND sp.end_recorded_on <= %(as_of)s))
          AND (pa.id IS NULL OR pa.in_comparison_group OR pa.enrolled_on > %(due)s)
    ) sp
) pairs
"""


def reference(municipality_id, stratum):
    enrolled_on, due_on, benefit_type, group, band = stratum
    year_from, year_to = selectors.birth_years(enrolled_on)[group]
    _code, low, high, _label = selectors.DurationBand.by_code(band)
    after, until = selectors.DurationBand.bounds(enrolled_on, low, high)
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE, {
            "due": due_on, "as_of": AS_OF, "municipality": municipality_id,
            "type": benefit_type, "after": after, "until": until, "year_from": year_from,
            "year_to": year_to, "enrolled": enrolled_on,
        })  # fmt: skip
        return cursor.fetchone()


def _day(rng, first, last):
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def generate(municipality, rng, people=1000):
    spells = []
    for number in range(people):
        participant = None
        if rng.random() < 0.2:
            participant = ParticipantFactory(
                municipality=municipality,
                enrolled_on=_day(rng, datetime.date(2024, 1, 1), datetime.date(2026, 6, 1)),
                in_comparison_group=rng.random() < 0.3,
            )
        person = RegisterPerson.objects.create(
            municipality=municipality, bsn_hash=f"{municipality.pk}-{number}",
            birth_year=rng.randrange(1950, 2007), participant=participant,
        )  # fmt: skip
        start = _day(rng, datetime.date(2018, 1, 1), datetime.date(2025, 3, 1))
        for _spell in range(rng.choice([1, 1, 2, 3, 4])):
            ended_on = end_recorded_on = None
            if rng.random() < 0.7:
                ended_on = start + datetime.timedelta(days=rng.randrange(-20, 900))
                end_recorded_on = rng.choice([
                    ended_on + datetime.timedelta(days=rng.randrange(0, 90)), AS_OF,
                    AS_OF + datetime.timedelta(days=30), None,
                ])  # fmt: skip
            first_seen_on = rng.choice([datetime.date(2024, 1, 31), AS_OF,
                                        AS_OF + datetime.timedelta(days=31)])  # fmt: skip
            spells.append(BenefitSpell(
                municipality=municipality, person=person, benefit_type=rng.choice(TYPES),
                started_on=start, ended_on=ended_on,
                end_reason=rng.choice(REASONS) if ended_on else "",
                first_seen_on=first_seen_on, last_seen_on=first_seen_on,
                end_recorded_on=end_recorded_on,
            ))  # fmt: skip
            # The next spell: after a gap, the day after, the same day or within this one.
            start = (ended_on or start) + datetime.timedelta(days=rng.randrange(-60, 400))
    BenefitSpell.objects.bulk_create(spells)
    analyze_register()
    return len(spells)


def strata(rng, count):
    found = set()
    while len(found) < count:
        enrolled_on = _day(rng, datetime.date(2024, 1, 1), datetime.date(2025, 6, 1))
        months = rng.choice([3, 6, 12, 18])
        due_on = enrolled_on + relativedelta(months=months) + datetime.timedelta(rng.randrange(3))
        found.add((enrolled_on, min(due_on, AS_OF), rng.choice(TYPES), rng.choice(GROUPS),
                   rng.choice(BANDS)))  # fmt: skip
        # Strata that share all but the due date are counted in one pass: have many.
        found.add((enrolled_on, enrolled_on + relativedelta(months=rng.choice([3, 6, 12])),
                   rng.choice(TYPES), rng.choice(GROUPS), rng.choice(BANDS)))  # fmt: skip
    # Nobody in the register has this benefit type: strata without a pool.
    for number in range(8):
        enrolled_on = datetime.date(2024, 3, 1) + datetime.timedelta(days=number)
        found.add((enrolled_on, enrolled_on + relativedelta(months=6), "other", "workers", "lt1"))
    return sorted(found)


@pytest.mark.parametrize("seed", range(2))
def test_every_strata_pool_equals_a_plain_sql_count(seed):
    rng = random.Random(seed)
    municipality = MunicipalityFactory()
    assert generate(municipality, rng) > 2000
    generate(MunicipalityFactory(), random.Random(seed + 100), people=100)
    chosen = strata(rng, 300)

    pools = selectors.compute_pools(municipality.pk, AS_OF, set(chosen))

    expected, back_at_due = {}, 0
    for stratum in chosen:
        pool, off, unknown, came_back = reference(municipality.pk, stratum)
        if pool:
            expected[stratum] = (pool, off, unknown)
            back_at_due += came_back
    assert pools == expected
    # The data reaches what the pools must tell apart.
    assert len(expected) > 150
    assert sum(off for _pool, off, _unknown in expected.values()) > 60
    assert sum(unknown for _pool, _off, unknown in expected.values()) > 25
    # Ended for work before the follow-up's day, but back on benefit by then.
    assert back_at_due > 15
    assert len(chosen) - len(expected) > 5  # strata nobody matches

    # The research export reads the same pools through pool_sql, row by row.
    pool, pool_params, off, off_params, unknown, unknown_params = selectors.pool_sql(
        municipality.pk, AS_OF, chosen
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.k, COUNT(*), SUM(CASE WHEN {off} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {unknown} THEN 1 ELSE 0 END) {pool} GROUP BY s.k",
            [*off_params, *unknown_params, *pool_params],
        )
        rows = {chosen[k]: (count, off, unknown) for k, count, off, unknown in cursor}
    assert rows == expected
    assert exports  # the module that uses pool_sql for the export's rows


def test_the_pools_query_runs_no_subquery_per_stratum_and_spell():
    rng = random.Random(7)
    municipality = MunicipalityFactory()
    spells = generate(municipality, rng)
    chosen = strata(rng, 300)
    plans = []
    real = selectors.read_connection

    class Explaining:
        """The read connection, whose pools query is run under EXPLAIN ANALYZE."""

        def __init__(self, wrapped):
            self.wrapped = wrapped

        def __getattr__(self, name):
            return getattr(self.wrapped, name)

        def cursor(self):
            wrapped = self.wrapped.cursor()

            class Cursor:
                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    wrapped.close()

                def execute(self, sql, params=None):
                    if sql.lstrip().startswith("SET"):
                        return wrapped.execute(sql, params)
                    wrapped.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                    plans.append(wrapped.fetchone()[0])

                def fetchall(self):
                    return []

            return Cursor()

    selectors.read_connection = lambda: Explaining(real())
    try:
        selectors.compute_pools(municipality.pk, AS_OF, set(chosen))
    finally:
        selectors.read_connection = real
    [plan] = plans

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    subplans = [n for n in nodes(plan[0]["Plan"]) if n.get("Parent Relationship") == "SubPlan"]
    # The later spells are looked up once per spell at most (here: per ended spell), never
    # once per pair (a pair count is hundreds of thousands here).
    assert subplans
    assert all(n["Actual Loops"] <= spells for n in subplans)

"""The Divosa benchmark figures (issue 22, point 3): bijstand inflow, outflow and outflow to
work over the twelve months ending on the as-of date, from the benefit register or, without
a snapshot, from the participants.

The generated registers are recomputed with plain SQL written here, apart from the app's ORM
query (its own date arithmetic, its own NOT EXISTS for continuations), and the boundaries
are checked one spell at a time: a spell ending exactly on either edge of the window, a
change of benefit without a day in between, a person who left and came back, an end the
snapshots recorded only after the as-of date, and another municipality's rows."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection

from participants.models import BenefitStatus, OutcomeMeasurement
from participants.register import benchmark
from participants.register.models import BenefitSpell, RegisterPerson, RegisterSnapshot
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import MunicipalityFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 30)
FIRST_DAY = datetime.date(2025, 12, 1)  # twelve months ending on AS_OF
DAY = datetime.timedelta(days=1)
TYPES = ["bijstand", "bijstand", "both", "ww", "other"]
REASONS = ["work", "work", "own_business", "education", "moved_away", "working_partner",
           "other", ""]  # fmt: skip


def _register(municipality, snapshots=(datetime.date(2024, 12, 31),)):
    for taken_on in snapshots:
        RegisterSnapshot.objects.create(municipality=municipality, taken_on=taken_on)


def _person(municipality, key):
    return RegisterPerson.objects.create(
        municipality=municipality, bsn_hash=f"{municipality.pk}-{key}", birth_year=1980
    )


def _spell(person, started_on, ended_on=None, reason="", benefit_type="bijstand",
           first_seen_on=datetime.date(2024, 12, 31), end_recorded_on=None):  # fmt: skip
    return BenefitSpell.objects.create(
        municipality_id=person.municipality_id, person=person, benefit_type=benefit_type,
        started_on=started_on, ended_on=ended_on, end_reason=reason if ended_on else "",
        first_seen_on=first_seen_on, last_seen_on=first_seen_on,
        end_recorded_on=(end_recorded_on or max(ended_on, first_seen_on)) if ended_on else None,
    )  # fmt: skip


def _counts(result):
    return {
        "stock_start": result.stock_start,
        "stock_end": result.stock_end,
        "inflow": result.inflow,
        "outflow": result.outflow,
        "outflow_to_work": result.outflow_to_work,
        "outflow_without_reason": result.outflow_without_reason,
    }


# --- an independent computation -----------------------------------------------------------

PLAIN_SQL = """
WITH known AS (
    SELECT id, person_id, started_on,
           CASE WHEN ended_on IS NOT NULL AND end_recorded_on <= %(as_of)s THEN ended_on END
               AS ended,
           end_reason
    FROM benefit_register_benefitspell
    WHERE municipality_id = %(municipality)s AND benefit_type IN ('bijstand', 'both')
      AND first_seen_on <= %(as_of)s
), flagged AS (
    SELECT k.*,
           NOT EXISTS (SELECT 1 FROM known o WHERE o.person_id = k.person_id AND o.id <> k.id
                       AND o.started_on < k.started_on
                       AND (o.ended IS NULL OR o.ended + 1 >= k.started_on)) AS new_benefit,
           NOT EXISTS (SELECT 1 FROM known o WHERE o.person_id = k.person_id AND o.id <> k.id
                       AND o.started_on > k.started_on
                       AND o.started_on <= k.ended + 1) AS benefit_stopped
    FROM known k
), outflow AS (
    SELECT * FROM flagged
    WHERE ended BETWEEN %(first)s AND %(as_of)s AND benefit_stopped
)
SELECT
    (SELECT COUNT(DISTINCT person_id) FROM flagged
      WHERE started_on < %(first)s AND (ended IS NULL OR ended >= %(first)s)),
    (SELECT COUNT(DISTINCT person_id) FROM flagged
      WHERE started_on <= %(as_of)s AND (ended IS NULL OR ended > %(as_of)s)),
    (SELECT COUNT(*) FROM flagged
      WHERE started_on BETWEEN %(first)s AND %(as_of)s AND new_benefit),
    (SELECT COUNT(*) FROM outflow),
    (SELECT COUNT(*) FROM outflow WHERE end_reason IN ('work', 'own_business')),
    (SELECT COUNT(*) FROM outflow WHERE end_reason = '')
"""


def plain_sql(municipality, as_of):
    assert (as_of.month, as_of.day) == (11, 30)  # the twelve months are December to November
    first = datetime.date(as_of.year - 1, 12, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            PLAIN_SQL, {"as_of": as_of, "first": first, "municipality": municipality.pk}
        )
        row = cursor.fetchone()
    names = ["stock_start", "stock_end", "inflow", "outflow", "outflow_to_work",
             "outflow_without_reason"]  # fmt: skip
    return dict(zip(names, row, strict=True))


def generate(municipality, seed, people=300):
    """A register of `people` persons with one to three spells each: gaps and contiguous
    changes of benefit, WW and other benefits that must not count, ends recorded after the
    as-of date, spells first seen after it."""
    rng = random.Random(seed)
    snapshot_days = [datetime.date(2024, 12, 31) + datetime.timedelta(days=91 * n)
                     for n in range(9)]  # fmt: skip
    _register(municipality, snapshot_days)
    for index in range(people):
        person = _person(municipality, index)
        start = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randint(0, 1400))
        for _spell_number in range(rng.choice([1, 1, 2, 3])):
            ends = rng.random() < 0.6
            end = start + datetime.timedelta(days=rng.randint(0, 500)) if ends else None
            first_seen = rng.choice([s for s in snapshot_days if s >= start] or snapshot_days[-1:])
            recorded = None
            if end is not None:
                later = [s for s in snapshot_days if s >= end and s >= first_seen]
                recorded = rng.choice(later) if later else end + datetime.timedelta(days=40)
            _spell(person, start, end, rng.choice(REASONS), rng.choice(TYPES), first_seen,
                   recorded)  # fmt: skip
            if end is None:
                break
            # The next spell: contiguous (a change of benefit), after a gap, or overlapping.
            start = end + datetime.timedelta(days=rng.choice([1, 1, 2, 30, 90, -3]))


@pytest.mark.parametrize("seed", range(4))
def test_the_figures_are_those_of_an_independent_computation(seed):
    municipality = MunicipalityFactory()
    generate(municipality, seed)
    for as_of in (AS_OF, datetime.date(2025, 11, 30)):
        result = benchmark.bijstand_benchmark(municipality, as_of)
        expected = plain_sql(municipality, as_of)
        assert result.source == benchmark.SOURCE_REGISTER
        assert _counts(result) == expected, (seed, as_of)
    # The generated register gives figures worth checking, continuations among them.
    expected = plain_sql(municipality, AS_OF)
    assert expected["inflow"] > 10 and expected["outflow"] > 10
    assert 0 < expected["outflow_to_work"] < expected["outflow"]
    spells = BenefitSpell.objects.filter(
        municipality=municipality, benefit_type__in=["bijstand", "both"]
    ).order_by()
    assert spells.count() - spells.values("person").distinct().count() > 10


def test_another_municipalitys_register_never_counts():
    own, other = MunicipalityFactory(), MunicipalityFactory()
    generate(own, seed=11, people=120)
    before = _counts(benchmark.bijstand_benchmark(own, AS_OF))
    generate(other, seed=12, people=120)
    assert _counts(benchmark.bijstand_benchmark(own, AS_OF)) == before
    assert _counts(benchmark.bijstand_benchmark(other, AS_OF)) == plain_sql(other, AS_OF)
    assert _counts(benchmark.bijstand_benchmark(other, AS_OF)) != before


# --- one spell at a time ------------------------------------------------------------------


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory()
    _register(municipality)
    return municipality


def test_window_edges(municipality):
    """Ended the day before the window: neither outflow nor in the stock at its start.
    Ended on its first or last day: outflow. Started on its first or last day: inflow;
    started the day before: stock at the start."""
    _spell(_person(municipality, "a"), datetime.date(2020, 1, 1), FIRST_DAY - DAY, "work")
    _spell(_person(municipality, "b"), datetime.date(2020, 1, 1), FIRST_DAY, "work")
    _spell(_person(municipality, "c"), datetime.date(2020, 1, 1), AS_OF, "moved_away")
    _spell(_person(municipality, "d"), FIRST_DAY, first_seen_on=FIRST_DAY)
    _spell(_person(municipality, "e"), AS_OF, first_seen_on=AS_OF)
    _spell(_person(municipality, "f"), FIRST_DAY - DAY)
    _spell(_person(municipality, "g"), AS_OF + DAY, first_seen_on=AS_OF + DAY)
    result = benchmark.bijstand_benchmark(municipality, AS_OF)
    assert (result.first_day, result.stock_day) == (FIRST_DAY, FIRST_DAY - DAY)
    assert _counts(result) == {
        "stock_start": 3,  # b, c, f
        "stock_end": 3,  # d, e, f
        "inflow": 2,  # d, e
        "outflow": 2,  # b, c
        "outflow_to_work": 1,  # b
        "outflow_without_reason": 0,
    }
    assert result.stock_start + result.inflow - result.outflow == result.stock_end
    assert _counts(result) == plain_sql(municipality, AS_OF)


def test_a_person_who_left_and_came_back_counts_out_and_in_again(municipality):
    person = _person(municipality, "back")
    _spell(person, datetime.date(2023, 5, 1), datetime.date(2026, 2, 27), "work")
    _spell(person, datetime.date(2026, 6, 1), first_seen_on=datetime.date(2026, 6, 30))
    result = benchmark.bijstand_benchmark(municipality, AS_OF)
    assert (result.inflow, result.outflow, result.outflow_to_work) == (1, 1, 1)
    assert (result.stock_start, result.stock_end) == (1, 1)


def test_a_change_of_benefit_without_a_day_in_between_is_no_flow(municipality):
    """Bijstand, then WW plus bijstand from the next day: the uitkering went on. Bijstand,
    then WW: outflow from bijstand (the WW spell is no bijstand, so no inflow either)."""
    changed = _person(municipality, "changed")
    _spell(changed, datetime.date(2024, 1, 1), datetime.date(2026, 3, 31), "other")
    _spell(changed, datetime.date(2026, 4, 1), benefit_type="both",
           first_seen_on=datetime.date(2026, 6, 30))  # fmt: skip
    to_ww = _person(municipality, "to-ww")
    _spell(to_ww, datetime.date(2024, 1, 1), datetime.date(2026, 3, 31), "other")
    _spell(to_ww, datetime.date(2026, 4, 1), benefit_type="ww",
           first_seen_on=datetime.date(2026, 6, 30))  # fmt: skip
    result = benchmark.bijstand_benchmark(municipality, AS_OF)
    assert (result.inflow, result.outflow) == (0, 1)
    assert (result.stock_start, result.stock_end) == (2, 1)


def test_only_what_the_snapshots_recorded_by_the_as_of_date_counts(municipality):
    late_end = _person(municipality, "late-end")
    _spell(late_end, datetime.date(2024, 1, 1), datetime.date(2026, 10, 15), "work",
           end_recorded_on=AS_OF + DAY * 10)  # fmt: skip
    _spell(_person(municipality, "late-start"), datetime.date(2026, 10, 1),
           first_seen_on=AS_OF + DAY)  # fmt: skip
    unseen = _person(municipality, "unseen")
    _spell(unseen, datetime.date(2024, 1, 1), datetime.date(2026, 6, 29), "")
    result = benchmark.bijstand_benchmark(municipality, AS_OF)
    assert (result.inflow, result.outflow, result.outflow_to_work) == (0, 1, 0)
    assert result.outflow_without_reason == 1
    assert (result.stock_start, result.stock_end) == (2, 1)
    # A month later both are known.
    later = benchmark.bijstand_benchmark(municipality, datetime.date(2026, 12, 31))
    assert (later.inflow, later.outflow, later.outflow_to_work) == (1, 2, 1)


def test_percentages_and_the_register_that_begins_within_the_window():
    municipality = MunicipalityFactory()
    _register(municipality, [datetime.date(2026, 3, 31)])
    for index in range(8):
        ended = datetime.date(2026, 7, 1) if index < 3 else None
        _spell(
            _person(municipality, index),
            datetime.date(2025, 1, 1),
            ended,
            "work" if index < 2 else "moved_away",
            first_seen_on=datetime.date(2026, 3, 31),
        )
    _spell(_person(municipality, "new"), datetime.date(2026, 8, 1),
           first_seen_on=datetime.date(2026, 9, 30))  # fmt: skip
    result = benchmark.bijstand_benchmark(municipality, AS_OF)
    assert result.partial
    inflow, outflow, to_work = result.figures
    assert (inflow.count, inflow.fraction) == (1, Decimal("0.125"))
    assert (outflow.count, outflow.fraction) == (3, Decimal("0.375"))
    assert (to_work.count, to_work.fraction) == (2, Decimal("0.667"))
    assert [figure.definition for figure in result.figures] == [
        benchmark.DEFINITIONS["inflow"], benchmark.DEFINITIONS["outflow"],
        benchmark.DEFINITIONS["outflow_to_work"],
    ]  # fmt: skip


# --- without a register: the participants -------------------------------------------------


def test_without_a_snapshot_the_participants_give_the_figures(municipality):
    """Counted from the participants of the municipality on bijstand (alone or beside WW):
    benefit start in the window is inflow, the first follow-up without benefit measured in
    it is outflow, its reason says whether for work. A snapshot after the as-of date does
    not count yet; WW participants and another municipality's never."""
    RegisterSnapshot.objects.filter(municipality=municipality).delete()
    RegisterSnapshot.objects.create(municipality=municipality, taken_on=AS_OF + DAY)
    programme = ProgrammeFactory(municipality=municipality)
    cohort = CohortFactory(programme=programme)

    def participant(start, left_on=None, reason="", municipality=municipality, **fields):
        person = ParticipantFactory(municipality=municipality, benefit_start=start,
                                    enrolled_on=datetime.date(2025, 6, 1), **fields)  # fmt: skip
        if left_on:
            OutcomeMeasurement.objects.create(
                participant=person, cohort=cohort, follow_up=3, due_on=left_on,
                measured_on=left_on, benefit_status=BenefitStatus.NONE, benefit_end_reason=reason,
            )  # fmt: skip
            OutcomeMeasurement.objects.create(
                participant=person, cohort=cohort, follow_up=6, due_on=left_on + DAY * 90,
                measured_on=left_on + DAY * 90, benefit_status=BenefitStatus.NONE,
                benefit_end_reason="education",
            )  # fmt: skip
        return person

    participant(datetime.date(2024, 1, 1), datetime.date(2026, 3, 1), "work")
    participant(datetime.date(2024, 1, 1), datetime.date(2026, 3, 1), "moved_away")
    participant(datetime.date(2024, 1, 1), FIRST_DAY - DAY, "work")  # left before
    participant(datetime.date(2024, 1, 1), benefit_type="both")
    participant(datetime.date(2026, 2, 1))  # inflow
    participant(datetime.date(2026, 2, 1), benefit_type="ww")
    participant(None)
    participant(datetime.date(2026, 2, 1), municipality=MunicipalityFactory())
    result = benchmark.bijstand_benchmark(municipality, AS_OF)
    assert result.source == benchmark.SOURCE_PARTICIPANTS
    assert _counts(result) == {
        "stock_start": 3,
        "stock_end": 2,
        "inflow": 1,
        "outflow": 2,
        "outflow_to_work": 1,
        "outflow_without_reason": 0,
    }
    assert result.without_start == 1
    assert not result.partial


def test_without_any_data_there_are_no_figures():
    result = benchmark.bijstand_benchmark(MunicipalityFactory(), AS_OF)
    assert not result.has_data
    assert result.source is None
    assert [figure.fraction for figure in result.figures] == [None, None, None]

"""A follow-up's stratum in SQL (`with_strata`): the band of benefit duration the page's
sums group by must be the band whose bounds the comparison pools are drawn with
(`DurationBand.bounds`), on every day, leap days and month ends included; a follow-up
that cannot be matched is counted under its reason."""

import datetime

import pytest
from django.db.models import DateField, Value

from participants.models import BenefitStatus, OutcomeMeasurement
from participants.register import selectors
from participants.register.selectors import DurationBand
from tests.participants.factories import ParticipantFactory
from tests.participants.register.generated_register import (
    AS_OF,
    DUE_ON,
    ENROLLED_ON,
    FIRST_SNAPSHOT,
    PARTICIPANTS,
    SECOND_SNAPSHOT,
    generate,
    independent_estimate,
    load,
)
from vakwerk.models import Municipality, Programme

pytestmark = pytest.mark.django_db


def _on_dates():
    # Month ends, the days around 29 February in leap and common years, and a plain month.
    spans = [(datetime.date(2027, 12, 26), 75), (datetime.date(2029, 2, 24), 8),
             (datetime.date(2026, 4, 27), 6), (datetime.date(2026, 6, 1), 30)]  # fmt: skip
    return [first + datetime.timedelta(days=n) for first, days in spans for n in range(days)]


def _starts(on):
    # Around each bound of each band (0, 1, 2, 5 years back), and after the date itself.
    starts = set()
    for years in (0, 1, 2, 5, 7):
        try:
            anniversary = on.replace(year=on.year - years)
        except ValueError:  # 29 February
            anniversary = on.replace(year=on.year - years, day=28)
        starts |= {anniversary + datetime.timedelta(days=d) for d in range(-2, 3)}
    return sorted(starts)


@pytest.mark.parametrize("portable", [False, True], ids=["postgresql", "portable"])
def test_the_band_in_sql_is_the_band_of_its_bounds(municipality, portable):
    # PostgreSQL's spelling (interval arithmetic) and the one SQLite runs (full years by
    # EXTRACT), both run here on PostgreSQL.
    checked = 0
    for on in _on_dates():
        starts = _starts(on)
        bands = {
            f"b{index}": DurationBand.expression(
                Value(start, output_field=DateField()),
                Value(on, output_field=DateField()),
                portable=portable,
            )
            for index, start in enumerate(starts)
        }
        found = Municipality.objects.filter(pk=municipality.pk).values(**bands).get()
        for index, start in enumerate(starts):
            assert found[f"b{index}"] == DurationBand.of(start, on), (start, on)
            checked += 1
    assert checked > 2000


@pytest.mark.parametrize("portable", [False, True], ids=["postgresql", "portable"])
def test_no_benefit_start_has_no_band(municipality, portable):
    unknown = DurationBand.expression(
        Value(None, output_field=DateField()),
        Value(datetime.date(2028, 2, 29), output_field=DateField()),
        portable=portable,
    )
    assert Municipality.objects.filter(pk=municipality.pk).values(band=unknown).get() == {
        "band": None
    }


def test_each_follow_up_that_cannot_be_matched_is_counted_under_its_reason():
    people = generate(2)
    municipality = load(2, people)
    cohort = Programme.objects.get(municipality=municipality).cohorts.get()
    cases = [
        # (reason, enrolled on, benefit since, due on, measured)
        ("incomplete", ENROLLED_ON, None, DUE_ON, True),
        ("incomplete", ENROLLED_ON, ENROLLED_ON + datetime.timedelta(days=1), DUE_ON, True),
        ("before_register", datetime.date(2024, 12, 2), datetime.date(2024, 1, 1), DUE_ON, True),
        ("after_register", datetime.date(2025, 5, 15), datetime.date(2025, 1, 1),
         datetime.date(2025, 11, 15), True),
        # Nobody in the register has benefit type "other": no pool.
        ("no_pool", ENROLLED_ON, datetime.date(2024, 6, 1), DUE_ON, True),
        # Not measured: due, not measured, in no reason.
        (None, datetime.date(2024, 12, 2), None, DUE_ON, False),
    ]  # fmt: skip
    for reason, enrolled_on, benefit_start, due_on, measured in cases:
        participant = ParticipantFactory(
            municipality=municipality, programme=cohort.programme, enrolled_on=enrolled_on,
            benefit_start=benefit_start,
            benefit_type="other" if reason == "no_pool" else "bijstand",
        )  # fmt: skip
        OutcomeMeasurement.objects.create(
            participant=participant, cohort=cohort, follow_up=6, due_on=due_on,
            measured_on=due_on if measured else None, benefit_status=BenefitStatus.FULL,
        )  # fmt: skip
    expected = independent_estimate(people)

    (row,) = selectors.net_effects(municipality, AS_OF).for_follow_up(6)

    assert row.eligible == PARTICIPANTS + len(cases)
    assert row.measured == PARTICIPANTS + len(cases) - 1
    assert row.matched == expected["matched"]
    assert row.unmatched == {
        "incomplete": 2,
        "before_register": 1,
        "after_register": 1,
        "no_pool": expected["unmatched"] + 1,
    }
    # The pools job needs the strata of the matchable follow-ups only.
    first, last = FIRST_SNAPSHOT, SECOND_SNAPSHOT
    strata = selectors.pool_strata(municipality.pk, first, last)
    assert {stratum[2] for stratum in strata} == {"bijstand", "ww", "other"}
    assert all(stratum[0] >= first and stratum[1] <= last for stratum in strata)

"""A follow-up's stratum in SQL (`with_strata`): the band of benefit duration the page's
sums group by must be the band whose bounds the comparison pools are drawn with
(`DurationBand.bounds`), on every day, leap days and month ends included."""

import datetime

import pytest
from django.db.models import DateField, Value

from participants.register.selectors import DurationBand
from vakwerk.models import Municipality

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


def test_the_band_in_sql_is_the_band_of_its_bounds(municipality):
    checked = 0
    for on in _on_dates():
        starts = _starts(on)
        bands = {
            f"b{index}": DurationBand.expression(
                Value(start, output_field=DateField()), Value(on, output_field=DateField())
            )
            for index, start in enumerate(starts)
        }
        found = Municipality.objects.filter(pk=municipality.pk).values(**bands).get()
        for index, start in enumerate(starts):
            assert found[f"b{index}"] == DurationBand.of(start, on), (start, on)
            checked += 1
    assert checked > 2000


def test_no_benefit_start_has_no_band(municipality):
    unknown = DurationBand.expression(
        Value(None, output_field=DateField()),
        Value(datetime.date(2028, 2, 29), output_field=DateField()),
    )
    assert Municipality.objects.filter(pk=municipality.pk).values(band=unknown).get() == {
        "band": None
    }

"""The matched comparison group as rows, for research exports: one row per comparison
person per stratum, the pool and the weights exactly as the net effect counts them
(`selectors`, whose module docstring defines pool, strata and outcome; the pool's SQL is
`selectors.pool_sql`, shared, not copied).

A stratum here is one of the net effect's: enrolment date, follow-up (3, 6, 12 or 18
months, with its due date), benefit type, target group and duration band, of the
participants the caller passes. Each row carries the stratum's weight n_s / m_s
(participants' measured follow-ups in the stratum over the pool's size), so that the
weighted comparison rows have the participants' make-up. Only strata the net effect can
match appear: follow-ups due after the latest snapshot (comparison outcome not yet
known) or before the first (pool unknown) have no comparison rows.

The rows hold the register's internal person id, for the caller to turn into a
pseudonym; never the id itself, the BSN hash or a birth year leave this module's caller
(evaluation/research/exports.py). Three queries whatever the numbers: the snapshots'
dates, the participants' follow-ups grouped by stratum, and the pools of all strata.
"""

from collections import Counter
from dataclasses import dataclass

from django.db import connection

from participants.models import OutcomeMeasurement

from .models import RegisterSnapshot
from .selectors import FOLLOW_UPS, _stratum, pool_sql


@dataclass(frozen=True)
class ComparisonRow:
    person_id: int  # internal: for the caller's pseudonym only, never exported
    stratum: int  # 1.. by (follow-up, enrolment date, due date, type, group, band)
    follow_up: int
    enrolled_on: object  # the stratum's enrolment date (the caller exports its month)
    benefit_type: str
    target_group: str
    duration_band: str
    participants: int  # n_s
    pool: int  # m_s
    off_benefit: bool  # off benefit for work at the follow-up's due date
    ended_without_reason: bool

    @property
    def weight(self):
        return self.participants / self.pool


def comparison_rows(municipality_id, as_of, participants):
    """The comparison group of `participants` (a Participant queryset the caller scoped
    to one municipality), as of `as_of`: ComparisonRows ordered by stratum and person."""
    bounds = RegisterSnapshot.objects.filter(
        municipality_id=municipality_id, taken_on__lte=as_of
    ).values_list("taken_on", flat=True)
    dates = sorted(bounds)
    if not dates:
        return []
    first, last = dates[0], dates[-1]
    measured = Counter()
    units = (
        OutcomeMeasurement.objects.filter(
            participant__in=participants,
            participant__municipality_id=municipality_id,
            participant__in_comparison_group=False,
            participant__enrolled_on__lte=as_of,
            follow_up__in=FOLLOW_UPS,
            due_on__lte=as_of,
            measured_on__lte=as_of,
        )
        .values(
            "follow_up",
            "due_on",
            "participant__enrolled_on",
            "participant__benefit_type",
            "participant__target_group",
            "participant__benefit_start",
        )
        .order_by()
    )
    for unit in units:
        reason, stratum = _stratum(unit, first, last)
        if not reason:
            measured[unit["follow_up"], stratum] += 1
    if not measured:
        return []
    # A pool depends on the dates, not on the follow-up: each is fetched once, and each
    # follow-up that has the stratum gets its own rows and weight.
    strata = sorted({stratum for _months, stratum in measured})
    follow_ups = {}
    for months, stratum in measured:
        follow_ups.setdefault(stratum, []).append(months)
    numbers = {key: number for number, key in enumerate(sorted(measured), 1)}
    pool, pool_params, off, off_params, unknown, unknown_params = pool_sql(
        municipality_id, as_of, strata
    )
    sql = f"""
        SELECT s.k, pe.id, COUNT(*) OVER (PARTITION BY s.k),
               CASE WHEN {off} THEN TRUE ELSE FALSE END,
               CASE WHEN {unknown} THEN TRUE ELSE FALSE END
        {pool}
        ORDER BY s.k, pe.id
    """  # noqa: S608 (table names and placeholders only)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*off_params, *unknown_params, *pool_params])
        found = cursor.fetchall()
    rows = []
    for index, person_id, pool_size, is_off, is_unknown in found:
        stratum = strata[index]
        enrolled_on, _due_on, benefit_type, group, band = stratum
        for months in follow_ups[stratum]:
            rows.append(
                ComparisonRow(
                    person_id=person_id,
                    stratum=numbers[months, stratum],
                    follow_up=months,
                    enrolled_on=enrolled_on,
                    benefit_type=benefit_type,
                    target_group=group,
                    duration_band=band,
                    participants=measured[months, stratum],
                    pool=pool_size,
                    off_benefit=bool(is_off),
                    ended_without_reason=bool(is_unknown),
                )
            )
    rows.sort(key=lambda row: (row.stratum, row.person_id))
    return rows

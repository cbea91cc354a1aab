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
(evaluation/research/exports.py).

Disclosure control is decided here too, in SQL: a cell (benefit type, target group,
duration band and enrolment month: what an outsider can know of a comparison person)
shared by fewer than `threshold` people is left out whole. The rows are streamed from a
server-side cursor in the order they are written, never held as a list: memory does not
grow with the register. Queries whatever the numbers: the snapshots' dates, the
participants' follow-ups grouped by stratum, the cells' sizes, the people kept, and the
rows (one streamed query, only when they are read).
"""

from collections import Counter
from dataclasses import dataclass, field

from vakwerk.db_routing import read_connection

from .models import RegisterSnapshot
from .selectors import STRATUM_PATHS, counted_follow_ups, pool_sql, with_strata

# Rows fetched from the server-side cursor at a time, as the participant tables do.
CHUNK = 2000


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


def cell_of(stratum):
    """What an outsider can know of a comparison person of this stratum: benefit type,
    target group, duration band and enrolment month."""
    enrolled_on, _due_on, benefit_type, group, band = stratum
    return (benefit_type, group, band, f"{enrolled_on:%Y-%m}")


@dataclass
class ComparisonGroup:
    """The comparison group of an export, measured: how many people it holds and how
    many rows and people disclosure control leaves out; `rows()` streams the rest."""

    municipality_id: int
    as_of: object
    threshold: int
    measured: Counter = field(default_factory=Counter)  # (months, stratum) -> n_s
    strata: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # strata of cells with >= threshold people
    people: int = 0  # people in the export
    suppressed_rows: int = 0
    suppressed_people: int = 0

    def rows(self):
        """ComparisonRows ordered by stratum number and person, from a server-side cursor."""
        if not self.kept:
            return
        kept = set(self.kept)
        # One entry per (follow-up, stratum) in the order written: the pool of a stratum
        # is the same at every follow-up, and the one pool query gives each its rows, so
        # the rows come out of SQL in order and nothing is sorted or held here.
        units = [key for key in sorted(self.measured) if key[1] in kept]
        pool, pool_params, off, off_params, unknown, unknown_params = pool_sql(
            self.municipality_id, self.as_of, [stratum for _months, stratum in units]
        )
        sql = f"""
            SELECT s.k, sp.person_id, COUNT(*) OVER (PARTITION BY s.k),
                   CASE WHEN {off} THEN 1 ELSE 0 END,
                   CASE WHEN {unknown} THEN 1 ELSE 0 END
            {pool}
            ORDER BY s.k, sp.person_id
        """  # noqa: S608 (table names and placeholders only)
        numbers = {key: number for number, key in enumerate(sorted(self.measured), 1)}
        with read_connection().chunked_cursor() as cursor:
            cursor.execute(sql, [*off_params, *unknown_params, *pool_params])
            while chunk := cursor.fetchmany(CHUNK):
                for index, person_id, pool_size, is_off, is_unknown in chunk:
                    months, stratum = units[index]
                    enrolled_on, _due_on, benefit_type, group, band = stratum
                    yield ComparisonRow(
                        person_id=person_id,
                        stratum=numbers[months, stratum],
                        follow_up=months,
                        enrolled_on=enrolled_on,
                        benefit_type=benefit_type,
                        target_group=group,
                        duration_band=band,
                        participants=self.measured[months, stratum],
                        pool=pool_size,
                        off_benefit=bool(is_off),
                        ended_without_reason=bool(is_unknown),
                    )


def comparison_group(municipality_id, as_of, participants, threshold=1):
    """The comparison group of `participants` (a Participant queryset the caller scoped
    to one municipality), as of `as_of`, with the cells of fewer than `threshold` people
    left out and counted."""
    group = ComparisonGroup(municipality_id, as_of, threshold)
    bounds = RegisterSnapshot.objects.filter(
        municipality_id=municipality_id, taken_on__lte=as_of
    ).values_list("taken_on", flat=True)
    dates = sorted(bounds)
    if not dates:
        return group
    first, last = dates[0], dates[-1]
    follow_ups = counted_follow_ups(municipality_id).filter(
        participant__in=participants,
        participant__enrolled_on__lte=as_of,
        due_on__lte=as_of,
        measured_on__lte=as_of,
    )
    units = (
        with_strata(follow_ups, first, last)
        .filter(unmatchable__isnull=True)
        .values_list("follow_up", *STRATUM_PATHS)
        .order_by()
    )
    for months, *stratum in units:
        group.measured[months, tuple(stratum)] += 1
    if not group.measured:
        return group
    group.strata = sorted({stratum for _months, stratum in group.measured})
    follow_up_count = Counter(stratum for _months, stratum in group.measured)
    cells = sorted({cell_of(stratum) for stratum in group.strata})
    cell_index = {cell: index for index, cell in enumerate(cells)}

    # People and rows per cell, in SQL: a person in two strata of one cell counts once.
    sizes = {cell: (people, rows) for cell, people, rows in
             _per_cell(group, cell_index, follow_up_count)}  # fmt: skip
    small = {cell for cell, (people, _rows) in sizes.items() if people < threshold}
    group.kept = [s for s in group.strata if cell_index[cell_of(s)] not in small]
    group.suppressed_rows = sum(rows for cell, (_people, rows) in sizes.items() if cell in small)
    everyone, kept_people = _people(group, cell_index, small)
    group.people = kept_people
    group.suppressed_people = everyone - kept_people
    return group


def _cells_sql(group, cell_index, extra):
    """The pool of every stratum joined to its cell (and `extra` per stratum)."""
    pool, pool_params, *_conditions = pool_sql(group.municipality_id, group.as_of, group.strata)
    values, params = [], []
    for index, stratum in enumerate(group.strata):
        values.append("(%s, %s, %s)")
        params += [index, cell_index[cell_of(stratum)], extra(stratum)]
    sql = f"""
        FROM (SELECT s.k AS k, sp.person_id AS person {pool}) p
        JOIN (
            WITH c (k, cell, extra) AS (VALUES {", ".join(values)})
            SELECT * FROM c
        ) c ON c.k = p.k
    """  # noqa: S608 (table names and placeholders only)
    return sql, [*pool_params, *params]


def _per_cell(group, cell_index, follow_up_count):
    """(cell index, people, rows written) per cell with a pool."""
    sql, params = _cells_sql(group, cell_index, lambda stratum: follow_up_count[stratum])
    query = f"SELECT c.cell, COUNT(DISTINCT p.person), SUM(c.extra) {sql} GROUP BY c.cell"  # noqa: S608
    with read_connection().cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _people(group, cell_index, small):
    """(people in the whole pool, people in the cells kept)."""
    sql, params = _cells_sql(
        group, cell_index, lambda stratum: 0 if cell_index[cell_of(stratum)] in small else 1
    )
    query = (
        "SELECT COUNT(DISTINCT p.person),"
        f" COUNT(DISTINCT CASE WHEN c.extra = 1 THEN p.person END) {sql}"  # noqa: S608
    )
    with read_connection().cursor() as cursor:
        cursor.execute(query, params)
        everyone, kept = cursor.fetchone()
    return everyone or 0, kept or 0

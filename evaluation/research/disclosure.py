"""Disclosure control: k, uniques, generalisation and suppression, measured on the
export's own rows before anything is written. The builder page, the README, the codebook
and the list of exports all show this one report."""

from dataclasses import dataclass, field
from decimal import Decimal

from vakwerk.db_routing import read_transaction

from .catalogue import selected_tables
from .column_privacy import QUASI_IDENTIFIERS
from .comparison import COMPARISON_GROUP, _comparison_measured
from .tables import PARTICIPANTS, _day_zero_rows, day_zero

# The share of participants that may be left out rather than generalising every
# quasi-identifier one step further (ARX and sdcMicro work with such a limit too).
SUPPRESSION_LIMIT = Decimal("0.05")
# Which quasi-identifier gives way first when two steps protect equally well: the ones
# researchers miss least first.
GIVES_WAY_FIRST = (
    "postcode",
    "monthly_benefit",
    "benefit_months",
    "cohort_joined",
    "birth_year",
    "enrolled",
    "target_group",
    "cohort",
    "programme",
    "benefit_type",
)
# Where each quasi-identifier's raw value comes from: the participants table's own
# column, so that what is measured is exactly what is written.
_RAW_VALUE = {c.quasi_identifier.name: c for c in PARTICIPANTS.columns if c.quasi_identifier}


def quasi_identifiers_of(tables):
    """The quasi-identifiers the chosen tables carry, in the order they give way."""
    names = {c.quasi_identifier.name for t in tables for c in t.columns if c.quasi_identifier}
    return [QUASI_IDENTIFIERS[name] for name in GIVES_WAY_FIRST if name in names]


COMPARISON_LABEL = "Vergelijkingsgroep (uitkeringsregister)"


@dataclass
class DisclosureReport:
    """What an export of these tables discloses, measured on its own rows: the one
    definition of k and uniques for the builder page, README, codebook and export list."""

    threshold: int
    participants: int  # consenting participants of the project, before suppression
    k_before: int | None  # smallest group on the detailed quasi-identifiers
    uniques_before: int
    k: int | None  # smallest group in the export (None when nobody is left)
    uniques: int
    suppressed: int  # participants left out because they could not reach the threshold
    levels: dict  # quasi-identifier name -> level (0 = as detailed as stored)
    pinned: tuple = ()  # quasi-identifiers the agreement allows in full detail
    # The comparison group (when chosen): people exported, and rows and people left out
    # because their combination had fewer than `threshold` people.
    comparison_people: int | None = None
    comparison_suppressed_rows: int = 0
    comparison_suppressed_people: int = 0
    kept: frozenset = field(default=frozenset(), repr=False)

    def generalise(self, qi, value):
        return qi.generalise(self.levels.get(qi.name, 0), value)

    @property
    def generalisation(self):
        """(quasi-identifier, how it is exported) in the order they give way."""
        return [
            (QUASI_IDENTIFIERS[name].label, QUASI_IDENTIFIERS[name].levels[level][0])
            for name, level in self.levels.items()
        ]

    @property
    def exported(self):
        return self.participants - self.suppressed

    @property
    def reached(self):
        return self.k is not None and self.k >= self.threshold

    def summary(self):
        """What the export row keeps for the list of exports."""
        return {
            "k_anonymity": self.k,
            "unique_participants": self.uniques,
            "suppressed_participants": self.suppressed,
            "k_threshold": self.threshold,
            # The comparison group's suppression rides along in the generalisation the
            # list of exports shows (no column of its own on the export).
            "generalisation": {
                **{label: how for label, how in self.generalisation},
                **({COMPARISON_LABEL: self.comparison_note} if self.comparison_note else {}),
            },
        }

    @property
    def comparison_note(self):
        if self.comparison_people is None:
            return ""
        return (
            f"combinaties met minder dan {self.threshold} personen weggelaten:"
            f" {self.comparison_suppressed_rows} rijen van"
            f" {self.comparison_suppressed_people} personen; in de export:"
            f" {self.comparison_people} personen"
        )

    def lines(self):
        """The report in the README's words (Dutch, like the rest of the README)."""
        k = "-" if self.k is None else self.k
        k_before = "-" if self.k_before is None else self.k_before
        lines = [
            "Openbaarmakingscontrole (k-anonimiteit):",
            f"- Drempel van dit onderzoeksproject: k = {self.threshold}.",
            f"- Deelnemers met toestemming: {self.participants}; in deze export: {self.exported}.",
            f"- Met alle details: kleinste groep k = {k_before}, uniek: {self.uniques_before}.",
            f"- In deze export: kleinste groep k = {k}, uniek: {self.uniques}.",
            f"- Weggelaten (konden de drempel niet halen): {self.suppressed}.",
        ]
        if self.levels:
            lines.append("- Quasi-identificatoren en hoe ze in deze export staan:")
            lines += [f"  - {label}: {how}" for label, how in self.generalisation]
        else:
            lines.append("- De gekozen tabellen hebben geen quasi-identificatoren.")
        for name in self.pinned:
            if name in self.levels:
                label = QUASI_IDENTIFIERS[name].label
                lines.append(f"  - {label}: volledig detail, toegestaan door de overeenkomst.")
        if self.comparison_people is not None:
            lines += [
                "- Vergelijkingsgroep: combinaties van uitkering, doelgroep, duur van de",
                f"  uitkering en maand van aanmelding met minder dan {self.threshold} personen",
                f"  zijn weggelaten: {self.comparison_suppressed_rows} rijen van"
                f" {self.comparison_suppressed_people} personen;"
                f" in deze export: {self.comparison_people} personen.",
            ]
        return lines


def measure(project, tables):
    """The disclosure report of an export of `tables`, and every participant's day 0,
    from one pass over the participants' rows (the same query the participants table
    is written from). Generalises greedily: while more participants sit in groups
    smaller than the threshold than may be left out, it takes the one step up a
    hierarchy that leaves the fewest at risk, then gives back any detail that is not
    needed after all; those still at risk are left out."""
    threshold = project.k_threshold
    pinned = tuple(name for name in project.detail_allowed or () if name in QUASI_IDENTIFIERS)
    qis = quasi_identifiers_of(tables)
    getters = [_RAW_VALUE[qi.name].get for qi in qis]
    ids, day0, raw = [], {}, [[] for _ in qis]
    # Without quasi-identifiers only the days 0 are needed: a narrower query.
    for row in PARTICIPANTS.rows(project) if qis else _day_zero_rows(project):
        ids.append(row["pk"])
        day0[row["pk"]] = day_zero(row)
        for values, get in zip(raw, getters, strict=True):
            values.append(get(row, None))
    n = len(ids)
    np = _numpy()
    coded = {}

    def column(index, level):
        """The quasi-identifier at this level as integer codes (equal values, equal
        codes): grouping integers is many times faster than grouping dates and texts."""
        if (index, level) not in coded:
            qi, numbering = qis[index], {}
            values = (qi.generalise(level, v) for v in raw[index])
            codes = np.fromiter(
                (numbering.setdefault(v, len(numbering)) for v in values), np.int64, n
            )
            coded[index, level] = (codes, max(len(numbering), 1))
        return coded[index, level]

    def groups(levels):
        """(group of each participant, size of each group)."""
        key, span = np.zeros(n, np.int64), 1
        for index, level in enumerate(levels):
            codes, size = column(index, level)
            if span * size >= 1 << 62:  # renumber before the key could overflow
                _unique, key = np.unique(key, return_inverse=True)
                span = int(key.max(initial=0)) + 1
            key, span = key * size + codes, span * size
        _unique, group, sizes = np.unique(key, return_inverse=True, return_counts=True)
        return group, sizes

    def at_risk(sizes):
        return int(sizes[sizes < threshold].sum())

    levels = [0] * len(qis)
    group, sizes = groups(levels)
    k_before = int(sizes.min()) if n else None
    uniques_before = int((sizes == 1).sum())
    limit = int(n * SUPPRESSION_LIMIT)
    while at_risk(sizes) > limit:
        best = None
        for index, qi in enumerate(qis):
            if qi.name in pinned or levels[index] + 1 >= len(qi.levels):
                continue
            trial = [*levels]
            trial[index] += 1
            trial_group, trial_sizes = groups(trial)
            risk = at_risk(trial_sizes)
            if best is None or risk < best[0]:
                best = (risk, trial, trial_group, trial_sizes)
        if best is None:
            break
        _risk, levels, group, sizes = best
    # A later step can make an earlier one unnecessary: give detail back where the
    # threshold still holds, the quasi-identifiers researchers miss most first.
    refined = True
    while refined:
        refined = False
        for index in reversed(range(len(qis))):
            if levels[index] == 0:
                continue
            trial = [*levels]
            trial[index] -= 1
            trial_group, trial_sizes = groups(trial)
            if at_risk(trial_sizes) <= limit:
                levels, group, sizes, refined = trial, trial_group, trial_sizes, True
    safe = sizes[group] >= threshold if n else np.zeros(0, bool)
    kept = frozenset(pk for pk, ok in zip(ids, safe.tolist(), strict=True) if ok)
    big = sizes[sizes >= threshold]
    report = DisclosureReport(
        threshold=threshold,
        participants=n,
        k_before=k_before,
        uniques_before=uniques_before,
        k=int(big.min()) if big.size else None,
        uniques=int((big == 1).sum()),
        suppressed=n - len(kept),
        levels={qi.name: level for qi, level in zip(qis, levels, strict=True)},
        pinned=pinned,
        kept=kept,
    )
    return report, day0


def _numpy():
    # Imported when an export is measured, not when the module loads (like pandas).
    import numpy

    return numpy


def disclosure_report(project, table_names):
    """The report the export builder shows for the chosen tables, the comparison group's
    suppression included when it is chosen (measured, its rows not read)."""
    tables = selected_tables(table_names)
    # The measurement streams the participants' rows: in a transaction, as an export does
    # (evaluation/research/writers.py, write_export).
    with read_transaction():
        report = measure(project, tables)[0]
        if COMPARISON_GROUP in tables:
            _comparison_measured(project, report)
    return report

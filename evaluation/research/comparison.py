"""The comparison group: people from the benefit register matched to the participants,
exported per stratum with their weights, after suppressing small combinations."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import BenefitType, TargetGroup
from participants.register.exports import comparison_group
from participants.register.selectors import DurationBand

from .column_privacy import KEY, QUASI, Declared, attribute
from .columns import BOOLEAN, CODE, DECIMAL, INTEGER, TEXT, Column, Table, _value
from .tables import consenting_participants

COMPARISON_PSEUDONYM = Declared(
    KEY,
    "pseudoniem van een persoon uit de vergelijkingsgroep (uitkeringsregister): gelijk"
    " binnen dit onderzoeksproject, nooit gelijk aan het pseudoniem van een deelnemer",
)
# Benefit, target group, duration and enrolment month of a comparison person are what an
# outsider can know; they are not measured on the participants' rows but per combination
# of the comparison group itself (`_comparison_measured`).
COMPARISON_QUASI = Declared(
    QUASI,
    "quasi-identificator van de vergelijkingsgroep: combinaties van uitkering, doelgroep,"
    " duur en maand van aanmelding met minder dan k personen zijn weggelaten",
)
DURATION_BANDS = [(code, label) for code, _low, _high, label in DurationBand.BANDS]


def _comparison_measured(project, report):
    """The comparison group of this export, measured (in SQL, `comparison_group`): a
    combination of benefit type, target group, duration band and enrolment month shared
    by fewer than k people is left out, and counted in the report. Its rows are read
    only when the table is written, streamed."""
    group = comparison_group(
        project.municipality_id,
        timezone.localdate(),
        consenting_participants(project),
        threshold=report.threshold,
    )
    report.comparison_people = group.people
    report.comparison_suppressed_rows = group.suppressed_rows
    report.comparison_suppressed_people = group.suppressed_people
    return group


def _comparison_rows(context):
    if context.comparison is None:
        return
    for row in context.comparison.rows():
        yield {
            "pseudonym": context.register_person(row.person_id),
            "stratum": row.stratum,
            "follow_up": row.follow_up,
            "enrolled_month": f"{row.enrolled_on:%Y-%m}",
            "benefit_type": row.benefit_type,
            "target_group": row.target_group,
            "duration_band": row.duration_band,
            "participants": row.participants,
            "pool": row.pool,
            # Six decimals: the weighted sums agree with the net effect to well within
            # what is shown.
            "weight": (Decimal(row.participants) / Decimal(row.pool)).quantize(
                Decimal("0.000001")
            ),
            "off_benefit": row.off_benefit,
            "ended_without_reason": row.ended_without_reason,
        }


def _no_rows(project):
    return iter(())


COMPARISON_GROUP = Table(
    "comparison_group",
    _("Comparison group (benefit register)"),
    "Vergelijkingsgroep uit het uitkeringsregister",
    (
        Column(
            "pseudonym",
            "Pseudoniem van de persoon in de vergelijkingsgroep",
            TEXT,
            _value("pseudonym"),
            privacy=COMPARISON_PSEUDONYM,
        ),
        Column(
            "stratum",
            "Stratum (nummer binnen deze export)",
            INTEGER,
            _value("stratum"),
            privacy=attribute("nummer van het stratum; zegt niets over de persoon"),
        ),
        Column(
            "follow_up",
            "Nameting (maanden)",
            INTEGER,
            _value("follow_up"),
            privacy=attribute(),
        ),
        Column(
            "enrolled_month",
            "Maand van aanmelding van het stratum (JJJJ-MM)",
            TEXT,
            _value("enrolled_month"),
            privacy=COMPARISON_QUASI,
        ),
        Column(
            "benefit_type",
            "Uitkering",
            CODE,
            _value("benefit_type"),
            BenefitType,
            privacy=COMPARISON_QUASI,
        ),
        Column(
            "target_group",
            "Doelgroep",
            CODE,
            _value("target_group"),
            TargetGroup,
            privacy=COMPARISON_QUASI,
        ),
        Column(
            "duration_band",
            "Duur van de uitkering bij aanmelding",
            CODE,
            _value("duration_band"),
            DURATION_BANDS,
            privacy=COMPARISON_QUASI,
        ),
        Column(
            "participants",
            "Deelnemers in het stratum (n_s)",
            INTEGER,
            _value("participants"),
            privacy=attribute(),
        ),
        Column(
            "pool",
            "Personen in de vergelijkingsgroep van het stratum (m_s)",
            INTEGER,
            _value("pool"),
            privacy=attribute(),
        ),
        Column(
            "weight",
            "Gewicht (n_s / m_s)",
            DECIMAL,
            _value("weight"),
            privacy=attribute(),
        ),
        Column(
            "off_benefit",
            "Uit de uitkering voor werk op de datum van de nameting",
            BOOLEAN,
            _value("off_benefit"),
            privacy=attribute(),
        ),
        Column(
            "ended_without_reason",
            "Uitkering beëindigd zonder reden (uit het register verdwenen)",
            BOOLEAN,
            _value("ended_without_reason"),
            privacy=attribute(),
        ),
    ),
    _no_rows,
    person=None,
    context_rows=_comparison_rows,
)

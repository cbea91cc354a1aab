"""The codebook and README that go into every export file."""

import io

from django.utils import timezone

from vakwerk import spreadsheets

from .cells import LABELLED_FORMATS, prepare
from .columns import TYPE_LABELS
from .models import ExportFormat

CODEBOOK_HEADER = ["tabel", "variabele", "label", "type", "waardelabels", "openbaarmaking"]


def disclosure_note(column, report):
    qi = column.quasi_identifier
    if qi is None:
        return column.privacy.note
    how = qi.levels[report.levels.get(qi.name, 0)][0]
    return f"quasi-identificator ({qi.label}): {how}; k = {report.k} in deze export"


def codebook_rows(tables, context, fmt):
    for table in tables:
        for p in prepare(table, context.project, fmt):
            labels = "; ".join(f"{code}={label}" for code, label in p.labels)
            yield [
                table.name,
                p.column.name,
                p.column.label,
                TYPE_LABELS[p.column.type],
                labels,
                disclosure_note(p.column, context.report),
            ]


# The figures as VAKwerk's dashboard and reports define them (README.md, "Figures:
# definitions"), so that a researcher who recomputes them counts the same thing.
DEFINITIONS = (
    "Definities (zoals het dashboard en de rapportages van VAKwerk ze tellen):",
    "- Aan het werk na 3 maanden: nameting na 3 maanden met werk anders dan 'geen werk'.",
    "- Uit de uitkering na 6 maanden (outflow_to_work): nameting na 6 maanden met",
    "  uitkeringssituatie 'geen uitkering' en als reden werk, opleiding of eigen bedrijf;",
    "  verhuizing of een werkende partner telt niet. Het besparingsmodel telt hetzelfde.",
    "  outflow_to_work is leeg als de nameting (nog) niet gemeten is.",
    "- Een cijfer is het deel van de gemeten nametingen, van de deelnemers van wie die",
    "  nameting op de peildatum aan de beurt was (uitvallers meegeteld); niet gemeten",
    "  nametingen tellen niet mee en worden apart genoemd. Is er nog geen nameting aan de",
    "  beurt, dan is er geen cijfer (niet 0%).",
    "- Een periode is de groep deelnemers die erin instroomde (ingestroomd op), met alle",
    "  cijfers per de laatste dag van de periode.",
)


def readme_text(project, tables, fmt, counts, report=None):
    lines = [
        f"Onderzoeksexport VAKwerk — {project.name}",
        f"Instelling: {project.institution}",
        f"Overeenkomst: {project.agreement_reference}",
        f"Gemaakt op: {timezone.localtime():%Y-%m-%d %H:%M}",
        f"Formaat: {ExportFormat(fmt).label}",
        "",
        "Tabellen (rijen):",
        *(f"- {table.name}: {table.label} ({counts.get(table.name, 0)})" for table in tables),
        "",
        "Regels:",
        "- Alleen deelnemers van de projecten (trajecten) van dit onderzoek die toestemming",
        "  gaven voor gebruik van hun gegevens voor onderzoek.",
        "- Een deelnemer heeft een pseudoniem dat binnen dit onderzoeksproject gelijk blijft",
        "  en niet te koppelen is aan exports van andere onderzoeksprojecten.",
        "- Geen naam, BSN, adres, aantekeningen, afspraken, redenen, overdrachten of andere",
        "  vrije tekst; van de geboortedatum alleen het jaar, van de postcode alleen de cijfers.",
        "- Datums staan als dagen sinds dag 0: de start van de groep van de deelnemer (een",
        "  datum die alle deelnemers van die groep delen), of de start van het project voor",
        "  wie niet in een groep zit. Termijnen tussen twee dagen kloppen precies. Een echte",
        "  datum die velen delen (start van de groep of het project, een bijeenkomst, een",
        "  meting) verraadt zo alleen die gedeelde dag 0, niets over één persoon.",
        "- Datums die een buitenstaander kan kennen (geboorte, begin van de uitkering,",
        "  aanmelding, in de groep gekomen) staan alleen grof: als quasi-identificator.",
        "- Quasi-identificatoren (wat een buitenstaander over iemand kan weten: geboortejaar,",
        "  postcode, uitkering en bedrag, doelgroep, aanmelding, project, groep) worden stap",
        "  voor stap grover gemaakt tot elke combinatie bij minstens k deelnemers voorkomt;",
        "  wie dan nog in een te kleine groep zit, is weggelaten uit alle tabellen.",
        "- Na de bewaartermijn geanonimiseerde deelnemers houden hun pseudoniem en cijfers;",
        "  hun geboortejaar, postcode en uitkeringsbedrag zijn leeg.",
        "- Antwoorden van consulenten en stakeholders hebben alleen een respondentcode.",
        "- Het codeboek (codebook.csv) beschrijft elke variabele met label, type,",
        "  waardelabels en wat ze voor de openbaarmaking is.",
        "",
        *(report.lines() if report else ()),
        *([""] if report else ()),
        *DEFINITIONS,
    ]
    if fmt in LABELLED_FORMATS:
        lines.append("- Codes zijn getallen met waardelabels; het codeboek noemt ze ook.")
    else:
        lines.append("- Codes staan als tekst in de bestanden; het codeboek geeft hun labels.")
    lines += [
        "",
        f"Dit bestand wordt {project.export_retention_days} dagen na het maken verwijderd.",
        "Bewaar en deel het alleen volgens de overeenkomst.",
        "",
    ]
    return "\n".join(lines)


def _codebook_csv(tables, context, fmt):
    buffer = io.StringIO()
    writer = spreadsheets.csv_writer(buffer)
    writer.writerow(CODEBOOK_HEADER)
    writer.writerows(codebook_rows(tables, context, fmt))
    return buffer.getvalue()

"""Pseudonymised research exports: what goes into them and how files are written.

The rules (issue 7, DESIGN.md "Research exports"):

- only participants of the project's programmes who consented to research use;
- a participant is known by a pseudonym, an HMAC of their id keyed with the project's
  secret: stable within one project, unlinkable across projects;
- no name, BSN, address, free text, notes, reasons or handovers; the birth date only as
  its year and the postcode only as its four digits (both derived in SQL, so the full
  values never even leave the database);
- every other date of a participant is shifted back by one offset per participant
  (0–364 days, also keyed with the project's secret), so intervals such as the time from
  enrolment to work stay exact while calendar dates no longer identify anyone.

Every table is declared once (`TABLES`): its columns with a Dutch label, a type, value
labels and how the value follows from one `.values()` row. The writers stream those rows
from server-side cursors into the file; SPSS and Stata need one whole table in memory
(pyreadstat writes from a DataFrame), so they build one table at a time.
"""

import datetime
import functools
import hashlib
import hmac
import io
import itertools
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear, Substr
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from consultants.models import CoachingSession, SessionKind, Theme
from employers.models import Match, MatchStage, OpportunityKind, Size
from participants.models import (
    OUTFLOW_TO_WORK_REASONS,
    BenefitEndReason,
    BenefitStatus,
    BenefitType,
    Certificate,
    Contract,
    DevelopmentPotential,
    Employment,
    Enrolment,
    FollowUp,
    LadderMoment,
    LadderRung,
    NetworkMeasurement,
    NetworkMoment,
    OutcomeMeasurement,
    Participant,
    Rung,
    SelfRating,
    Source,
    Status,
    TargetGroup,
    Training,
    TrainingKind,
    TrainingResult,
)
from vakwerk import spreadsheets

from .models import Answer, Audience, ExportFormat, QuestionKind, Wave

# Rows fetched per round trip from the server-side cursor: big enough to be fast, small
# enough that a table of any size never sits in memory (except for SPSS and Stata).
CHUNK_SIZE = 2000
PSEUDONYM_LENGTH = 16
# Pseudonyms and offsets remembered per Keys (rows come ordered by participant, so a hit
# is the rule); bounded, so memory does not grow with the number of participants.
KEY_CACHE_SIZE = 4096
# Bytes of COPY output gathered before they go into the zip member.
COPY_BLOCK = 1 << 20

TEXT, INTEGER, DECIMAL, DATE, CODE, BOOLEAN = (
    "text",
    "integer",
    "decimal",
    "date",
    "code",
    "boolean",
)
# The codebook is for Dutch researchers, like the labels.
TYPE_LABELS = {
    TEXT: "tekst",
    INTEGER: "geheel getal",
    DECIMAL: "getal",
    DATE: "datum",
    CODE: "code",
    BOOLEAN: "ja/nee",
}
YES_NO = [(0, "Nee"), (1, "Ja")]
LABELLED_FORMATS = (ExportFormat.SPSS, ExportFormat.STATA)


# --- Keys: pseudonyms and date offsets ---------------------------------------------------


class Keys:
    """A project's keyed hashes. The secret never leaves the database; without it nobody
    can recompute a pseudonym from a participant number or link two projects."""

    def __init__(self, secret):
        self._key = secret.encode()
        # Each HMAC once per participant, not once per row.
        self.pseudonym = functools.lru_cache(maxsize=KEY_CACHE_SIZE)(self.pseudonym)
        self.offset = functools.lru_cache(maxsize=KEY_CACHE_SIZE)(self.offset)

    def _digest(self, message):
        # hmac.digest: the one-shot C path, about twice as fast as hmac.new() per call.
        return hmac.digest(self._key, message.encode(), hashlib.sha256).hex()

    def pseudonym(self, participant_id):
        if participant_id is None:
            return None
        return self._digest(str(participant_id))[:PSEUDONYM_LENGTH]

    def respondent(self, response_id):
        # Its own message prefix: a respondent code never equals a participant pseudonym.
        return self._digest(f"response:{response_id}")[:PSEUDONYM_LENGTH]

    def offset(self, participant_id):
        return int(self._digest(f"offset:{participant_id}"), 16) % 365

    def shift(self, participant_id, value):
        """The date moved back by the participant's offset; datetimes become local dates
        first, so that the time of day cannot be used to link rows either."""
        if value is None or participant_id is None:
            return None
        if isinstance(value, datetime.datetime):
            value = timezone.localdate(value)
        return value - datetime.timedelta(days=self.offset(participant_id))


def keys_for(project):
    return Keys(project.secret)


# --- Declarative table specs -------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # a valid SPSS and Stata variable name (at most 32 characters)
    label: str  # Dutch, at most 80 characters (Stata's limit)
    type: str
    get: Callable[[dict, Keys], Any]
    # Choices class, list of (code, label) pairs, or a callable(project) giving the pairs.
    choices: Any = None

    def value_labels(self, project):
        """(code, Dutch label) pairs as stored in the database (text or integer codes)."""
        if self.type == BOOLEAN:
            return YES_NO
        if self.choices is None:
            return []
        choices = self.choices
        if callable(choices) and not hasattr(choices, "choices"):
            choices = choices(project)
        pairs = getattr(choices, "choices", choices)
        with translation.override("nl"):
            return [(code, str(label)) for code, label in pairs]


@dataclass(frozen=True)
class Table:
    name: str
    title: Any  # shown in the export builder (translated)
    label: str  # Dutch, for the codebook and README
    columns: tuple
    rows: Callable  # (project) -> iterable of dicts
    # Optional (project, keys) -> COPY statement giving exactly the CSV rows that
    # `encoded_rows` would give: PostgreSQL then writes the CSV (see _copy_csv).
    copy_csv: Callable | None = None


def _value(key):
    return lambda row, keys: row[key]


def _shifted(key, person="participant_id"):
    return lambda row, keys: keys.shift(row[person], row[key])


def _pseudonym(person="participant_id"):
    return Column(
        "pseudonym",
        "Pseudoniem van de deelnemer",
        TEXT,
        lambda row, keys: keys.pseudonym(row[person]),
    )


def consenting_participants(project):
    """The only people an export may contain: the project's programmes, consent given.
    Anonymised participants keep consent and number, hence their pseudonym and figures."""
    return Participant.objects.filter(
        municipality_id=project.municipality_id,
        programme__in=project.own_programmes(),
        consent_research=True,
    )


def _programme_choices(project):
    return list(project.own_programmes().order_by("pk").values_list("pk", "name"))


def _participant_rows(project):
    first_enrolment = Enrolment.objects.filter(participant=OuterRef("pk")).order_by(
        "enrolled_on", "pk"
    )
    return (
        consenting_participants(project)
        # Derived in SQL: the full birth date and postcode are never fetched.
        .annotate(
            birth_year=ExtractYear("birth_date"),
            postcode_digits=Substr("postcode", 1, 4),
            first_cohort=Subquery(first_enrolment.values("cohort_id")[:1]),
            cohort_enrolled_on=Subquery(first_enrolment.values("enrolled_on")[:1]),
        )
        .order_by("pk")
        .values(
            "pk",
            "programme_id",
            "birth_year",
            "postcode_digits",
            "target_group",
            "benefit_type",
            "benefit_start",
            "monthly_benefit",
            "status",
            "enrolled_on",
            "in_comparison_group",
            "anonymised_at",
            "intake__held_on",
            "intake__development_potential",
            "first_cohort",
            "cohort_enrolled_on",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


PARTICIPANTS = Table(
    "participants",
    _("Participants"),
    "Deelnemers",
    (
        _pseudonym("pk"),
        Column("programme", "Project (traject)", CODE, _value("programme_id"), _programme_choices),
        Column("birth_year", "Geboortejaar", INTEGER, _value("birth_year")),
        Column(
            "postcode4",
            "Postcode (alleen de vier cijfers)",
            TEXT,
            lambda row, keys: row["postcode_digits"] or None,
        ),
        Column(
            "target_group",
            "Doelgroep (leeftijd bij aanmelding)",
            CODE,
            _value("target_group"),
            TargetGroup,
        ),
        Column("benefit_type", "Uitkering", CODE, _value("benefit_type"), BenefitType),
        Column(
            "benefit_start",
            "Uitkering sinds (verschoven datum)",
            DATE,
            _shifted("benefit_start", "pk"),
        ),
        Column("monthly_benefit", "Uitkering per maand (EUR)", DECIMAL, _value("monthly_benefit")),
        Column("status", "Status", CODE, _value("status"), Status),
        Column(
            "enrolled_on", "Aangemeld op (verschoven datum)", DATE, _shifted("enrolled_on", "pk")
        ),
        Column(
            "comparison_group", "In de vergelijkingsgroep", BOOLEAN, _value("in_comparison_group")
        ),
        Column(
            "anonymised",
            "Geanonimiseerd na de bewaartermijn",
            BOOLEAN,
            lambda row, keys: row["anonymised_at"] is not None,
        ),
        Column(
            "intake_on", "Intake op (verschoven datum)", DATE, _shifted("intake__held_on", "pk")
        ),
        Column(
            "development_potential",
            "Ontwikkelpotentie (intake)",
            CODE,
            _value("intake__development_potential"),
            DevelopmentPotential,
        ),
        Column("cohort", "Groep (nummer)", INTEGER, _value("first_cohort")),
        Column(
            "cohort_enrolled_on",
            "In de groep sinds (verschoven datum)",
            DATE,
            _shifted("cohort_enrolled_on", "pk"),
        ),
    ),
    _participant_rows,
)


def _theme_column(theme):
    with translation.override("nl"):
        label = f"Thema: {theme.label}"
    return Column(
        f"theme_{theme.value}",
        label,
        BOOLEAN,
        lambda row, keys: theme.value in (row["themes"] or []),
    )


def _session_rows(project):
    # Never the notes, agreed actions or next appointment: they are about the person.
    return (
        CoachingSession.objects.filter(participant__in=consenting_participants(project))
        .order_by("participant_id", "held_on", "pk")
        .values("participant_id", "held_on", "minutes", "kind", "meeting_id", "themes")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _participant_keys(project, keys):
    """(ids, pseudonyms, offsets) of the project's consenting participants, in one pass:
    one entry per participant (not per row), so this is bounded by the project's size."""
    ids, pseudonyms, offsets = [], [], []
    for pk in (
        consenting_participants(project)
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=CHUNK_SIZE)
    ):
        ids.append(pk)
        pseudonyms.append(keys.pseudonym(pk))
        offsets.append(keys.offset(pk))
    return ids, pseudonyms, offsets


def _session_copy(project, keys):
    """The coaching sessions table as one COPY: the same rows, order and cells as the
    columns below. Pseudonym and offset come from Python (the keyed HMACs) per participant
    and are joined in; dates are shifted, themes expanded and codes written in SQL. The
    inner join on the consenting participants and the same filter as `_session_rows`
    keep everybody else out."""
    session = CoachingSession._meta.db_table
    consenting, consenting_params = (
        consenting_participants(project).order_by().values("pk").query.sql_with_params()
    )
    ids, pseudonyms, offsets = _participant_keys(project, keys)
    themes = ", ".join("COALESCE(s.themes ? %s, false)::int" for _theme in Theme)
    # Only constants and Django's own SQL are formatted in; every value is a parameter.
    sql = f"""
        SELECT k.pseudonym,
               (s.held_on - k.shift)::text,
               s.minutes,
               NULLIF(s.kind, ''),
               (s.meeting_id IS NOT NULL)::int,
               {themes}
        FROM {connection.ops.quote_name(session)} s
        JOIN unnest(%s::bigint[], %s::text[], %s::int[]) AS k(participant_id, pseudonym, shift)
          ON k.participant_id = s.participant_id
        WHERE s.participant_id IN ({consenting})
        ORDER BY s.participant_id, s.held_on, s.id
    """  # noqa: S608
    params = [*(theme.value for theme in Theme), ids, pseudonyms, offsets, *consenting_params]
    return connection.ops.compose_sql(sql, params)


COACHING_SESSIONS = Table(
    "coaching_sessions",
    _("Coaching sessions (without notes)"),
    "Coachingsgesprekken (zonder aantekeningen)",
    (
        _pseudonym(),
        Column("held_on", "Datum (verschoven)", DATE, _shifted("held_on")),
        Column("minutes", "Duur (minuten)", INTEGER, _value("minutes")),
        Column("kind", "Soort gesprek", CODE, _value("kind"), SessionKind),
        Column(
            "group_meeting",
            "Bij een groepsbijeenkomst",
            BOOLEAN,
            lambda row, keys: row["meeting_id"] is not None,
        ),
        *(_theme_column(theme) for theme in Theme),
    ),
    _session_rows,
    _session_copy,
)


def _outcome_rows(project):
    return (
        OutcomeMeasurement.objects.filter(participant__in=consenting_participants(project))
        .order_by("participant_id", "follow_up", "pk")
        .values(
            "participant_id",
            "cohort_id",
            "follow_up",
            "due_on",
            "measured_on",
            "employment",
            "hours_per_week",
            "contract",
            "benefit_status",
            "benefit_end_reason",
            "source",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _outflow_to_work(row, keys):
    if row["measured_on"] is None:
        return None
    return (
        row["benefit_status"] == BenefitStatus.NONE
        and row["benefit_end_reason"] in OUTFLOW_TO_WORK_REASONS
    )


OUTCOMES = Table(
    "outcome_measurements",
    _("Outcome measurements"),
    "Nametingen",
    (
        _pseudonym(),
        Column("cohort", "Groep (nummer)", INTEGER, _value("cohort_id")),
        Column("follow_up", "Nameting (maanden na de groep)", CODE, _value("follow_up"), FollowUp),
        Column("due_on", "Gepland op (verschoven datum)", DATE, _shifted("due_on")),
        Column("measured_on", "Gemeten op (verschoven datum)", DATE, _shifted("measured_on")),
        Column("employment", "Werk", CODE, _value("employment"), Employment),
        Column("hours_per_week", "Uren per week", INTEGER, _value("hours_per_week")),
        Column("contract", "Contract", CODE, _value("contract"), Contract),
        Column(
            "benefit_status", "Uitkeringssituatie", CODE, _value("benefit_status"), BenefitStatus
        ),
        Column(
            "benefit_end_reason",
            "Reden einde uitkering",
            CODE,
            _value("benefit_end_reason"),
            BenefitEndReason,
        ),
        Column(
            "outflow_to_work",
            "Uit de uitkering: geen uitkering door werk, opleiding of eigen bedrijf",
            BOOLEAN,
            _outflow_to_work,
        ),
        Column("source", "Bron", CODE, _value("source"), Source),
    ),
    _outcome_rows,
)


def _ladder_rows(project):
    return (
        LadderRung.objects.filter(participant__in=consenting_participants(project))
        .order_by("participant_id", "recorded_on", "pk")
        .values("participant_id", "recorded_on", "moment", "rung")
        .iterator(chunk_size=CHUNK_SIZE)
    )


LADDER = Table(
    "ladder_rungs",
    _("Participation ladder rungs"),
    "Treden op de participatieladder",
    (
        _pseudonym(),
        Column("recorded_on", "Vastgelegd op (verschoven datum)", DATE, _shifted("recorded_on")),
        Column("moment", "Moment", CODE, _value("moment"), LadderMoment),
        Column("rung", "Trede", CODE, _value("rung"), Rung),
    ),
    _ladder_rows,
)


def _network_rows(project):
    return (
        NetworkMeasurement.objects.filter(participant__in=consenting_participants(project))
        .order_by("participant_id", "moment", "pk")
        .values(
            "participant_id",
            "moment",
            "measured_on",
            "work_contacts",
            "employer_contacts",
            "self_rating",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


NETWORK = Table(
    "network_measurements",
    _("Network measurements (social capital)"),
    "Netwerkmetingen (sociaal kapitaal)",
    (
        _pseudonym(),
        Column(
            "moment",
            "Moment (0 = intake, anders maanden na de groep)",
            CODE,
            _value("moment"),
            NetworkMoment,
        ),
        Column("measured_on", "Gemeten op (verschoven datum)", DATE, _shifted("measured_on")),
        Column(
            "work_contacts", "Werkrelevante contacten (aantal)", INTEGER, _value("work_contacts")
        ),
        Column(
            "employer_contacts",
            "Werkgevers gesproken in de laatste drie maanden (aantal)",
            INTEGER,
            _value("employer_contacts"),
        ),
        Column(
            "self_rating",
            "Ik weet wie ik kan vragen om mij aan werk te helpen (1-5)",
            CODE,
            _value("self_rating"),
            SelfRating,
        ),
    ),
    _network_rows,
)


def _training_rows(project):
    # Never the course's name or provider: free text that can name an employer or a place.
    return (
        Training.objects.filter(participant__in=consenting_participants(project))
        .order_by("participant_id", "start_date", "pk")
        .values(
            "participant_id",
            "kind",
            "start_date",
            "end_date",
            "hours",
            "result",
            "certificate",
            "certificate_on",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


TRAININGS = Table(
    "trainings",
    _("Trainings (vocational training and courses)"),
    "Opleidingen en cursussen (vakopleiding)",
    (
        _pseudonym(),
        Column("kind", "Soort opleiding", CODE, _value("kind"), TrainingKind),
        Column("start_date", "Begonnen op (verschoven datum)", DATE, _shifted("start_date")),
        Column("end_date", "Geëindigd op (verschoven datum)", DATE, _shifted("end_date")),
        Column("hours", "Uren (totaal)", INTEGER, _value("hours")),
        Column("result", "Resultaat", CODE, _value("result"), TrainingResult),
        Column("certificate", "Behaald certificaat", CODE, _value("certificate"), Certificate),
        Column(
            "certificate_on",
            "Certificaat behaald op (verschoven datum)",
            DATE,
            _shifted("certificate_on"),
        ),
    ),
    _training_rows,
)


def _match_rows(project):
    # Never the employer's name or contacts, the rejection reason or the handover.
    return (
        Match.objects.filter(participant__in=consenting_participants(project))
        .order_by("participant_id", "created_at", "pk")
        .values(
            "participant_id",
            "opportunity__kind",
            "opportunity__employer__size",
            "created_at",
            "stage",
            "score",
            "updated_at",
            "placement__id",
            "placement__start_date",
            "placement__contract",
            "placement__hours_per_week",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


MATCHES = Table(
    "matches_placements",
    _("Matches and placements"),
    "Matches en plaatsingen",
    (
        _pseudonym(),
        Column(
            "opportunity_kind", "Soort kans", CODE, _value("opportunity__kind"), OpportunityKind
        ),
        Column(
            "employer_size",
            "Grootte van de werkgever",
            CODE,
            _value("opportunity__employer__size"),
            Size,
        ),
        Column("proposed_on", "Voorgesteld op (verschoven datum)", DATE, _shifted("created_at")),
        Column("stage", "Stand van de match", CODE, _value("stage"), MatchStage),
        Column("score", "Passingsscore", INTEGER, _value("score")),
        Column(
            "stage_changed_on",
            "Laatst gewijzigd op (verschoven datum)",
            DATE,
            _shifted("updated_at"),
        ),
        Column("placed", "Geplaatst", BOOLEAN, lambda row, keys: row["placement__id"] is not None),
        Column(
            "placement_start",
            "Plaatsing: startdatum (verschoven)",
            DATE,
            _shifted("placement__start_date"),
        ),
        Column(
            "placement_contract",
            "Plaatsing: contract",
            CODE,
            _value("placement__contract"),
            Contract,
        ),
        Column(
            "placement_hours",
            "Plaatsing: uren per week",
            INTEGER,
            _value("placement__hours_per_week"),
        ),
    ),
    _match_rows,
)


_ANSWER_PERSON = "response__invitation__participant"


def _answer_rows(project):
    """Closed answers to the questionnaires of the project's programmes. Participants'
    answers only with consent; consultants and stakeholders answer in their role and are
    known by a respondent code per response only. Open text is never exported."""
    person = _ANSWER_PERSON
    return (
        Answer.objects.filter(question__questionnaire__programme__in=project.own_programmes())
        .exclude(question__kind=QuestionKind.TEXT)
        .filter(
            Q(**{f"{person}__in": consenting_participants(project).values("pk")})
            | (
                Q(**{f"{person}__isnull": True})
                & ~Q(question__questionnaire__audience=Audience.PARTICIPANTS)
            )
        )
        .order_by("response_id", "question__position", "pk")
        .values(
            "response_id",
            person,
            "question__questionnaire_id",
            "question__questionnaire__audience",
            "question__questionnaire__wave",
            "question_id",
            "question__position",
            "question__kind",
            "question__text",
            "number",
            "choice",
            "response__submitted_at",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


ANSWERS = Table(
    "questionnaire_answers",
    _("Questionnaire answers (without open text)"),
    "Antwoorden op vragenlijsten (zonder open antwoorden)",
    (
        Column(
            "respondent",
            "Respondent (code per ingevulde vragenlijst)",
            TEXT,
            lambda row, keys: keys.respondent(row["response_id"]),
        ),
        Column(
            "pseudonym",
            "Pseudoniem van de deelnemer (leeg bij anderen)",
            TEXT,
            lambda row, keys: keys.pseudonym(row[_ANSWER_PERSON]),
        ),
        Column(
            "questionnaire", "Vragenlijst (nummer)", INTEGER, _value("question__questionnaire_id")
        ),
        Column(
            "audience",
            "Doelgroep van de vragenlijst",
            CODE,
            _value("question__questionnaire__audience"),
            Audience,
        ),
        Column("wave", "Meting", CODE, _value("question__questionnaire__wave"), Wave),
        Column("question", "Vraag (nummer)", INTEGER, _value("question_id")),
        Column("question_position", "Plaats van de vraag", INTEGER, _value("question__position")),
        Column("question_kind", "Soort vraag", CODE, _value("question__kind"), QuestionKind),
        Column("question_text", "Vraag", TEXT, _value("question__text")),
        Column("answer_number", "Antwoord (getal of Likert 1-5)", DECIMAL, _value("number")),
        Column(
            "answer_choice",
            "Antwoord (gekozen optie)",
            TEXT,
            lambda row, keys: row["choice"] or None,
        ),
        Column(
            "submitted_on",
            "Ingevuld op (verschoven datum; alleen deelnemers)",
            DATE,
            _shifted("response__submitted_at", _ANSWER_PERSON),
        ),
    ),
    _answer_rows,
)

TABLES = {
    table.name: table
    for table in (
        PARTICIPANTS,
        COACHING_SESSIONS,
        OUTCOMES,
        LADDER,
        NETWORK,
        TRAININGS,
        MATCHES,
        ANSWERS,
    )
}


def table_choices():
    return [(table.name, table.title) for table in TABLES.values()]


def selected_tables(names):
    """The tables in their fixed order; unknown names are ignored."""
    return [table for name, table in TABLES.items() if name in set(names)]


# --- Encoding per format -----------------------------------------------------------------


@dataclass
class Prepared:
    """A column resolved for one export: its value labels as written in this format."""

    column: Column
    labels: list  # (code as written, label)
    to_code: dict = field(default_factory=dict)  # text code -> integer (SPSS/Stata)

    @property
    def integer_coded(self):
        return self.column.type in (CODE, BOOLEAN) and all(
            isinstance(code, int) for code, _label in self.labels
        )

    def encode(self, raw, fmt):
        """The cell for this format: text codes in CSV and Excel (the codebook explains
        them), integer codes with value labels in SPSS and Stata."""
        kind = self.column.type
        if raw is None or raw == "":
            return None
        if kind == BOOLEAN:
            return int(bool(raw))
        if kind == CODE and self.to_code:
            return self.to_code.get(raw)
        if kind == DECIMAL:
            return str(raw) if fmt == ExportFormat.CSV else float(raw)
        if kind == DATE and fmt == ExportFormat.CSV:
            return raw.isoformat()
        return raw


def prepare(table, project, fmt):
    prepared = []
    for column in table.columns:
        labels = column.value_labels(project)
        to_code = {}
        text_codes = column.type == CODE and any(isinstance(code, str) for code, _ in labels)
        if fmt in LABELLED_FORMATS and text_codes:
            # SPSS and Stata attach value labels to numbers only: 1..n in choice order.
            to_code = {code: number for number, (code, _label) in enumerate(labels, 1)}
            labels = [(to_code[code], label) for code, label in labels]
        prepared.append(Prepared(column, labels, to_code))
    return prepared


def encoded_rows(table, project, fmt, prepared=None):
    """Yields each row as a list of cells, straight from the database cursor."""
    keys = keys_for(project)
    prepared = prepared or prepare(table, project, fmt)
    for row in table.rows(project):
        yield [p.encode(p.column.get(row, keys), fmt) for p in prepared]


# --- Codebook and README -----------------------------------------------------------------

CODEBOOK_HEADER = ["tabel", "variabele", "label", "type", "waardelabels"]


def codebook_rows(tables, project, fmt):
    for table in tables:
        for p in prepare(table, project, fmt):
            labels = "; ".join(f"{code}={label}" for code, label in p.labels)
            yield [table.name, p.column.name, p.column.label, TYPE_LABELS[p.column.type], labels]


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


def readme_text(project, tables, fmt, counts):
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
        "- Alle andere datums van een deelnemer zijn met één vast aantal dagen (0-364, per",
        "  deelnemer verschillend) naar voren verschoven: termijnen tussen twee datums van",
        "  dezelfde deelnemer kloppen precies, de kalenderdatums zelf niet.",
        "- Na de bewaartermijn geanonimiseerde deelnemers houden hun pseudoniem en cijfers;",
        "  hun geboortejaar, postcode en uitkeringsbedrag zijn leeg.",
        "- Antwoorden van consulenten en stakeholders hebben alleen een respondentcode.",
        "- Het codeboek (codebook.csv) beschrijft elke variabele met label, type en",
        "  waardelabels.",
        "",
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


def _codebook_csv(tables, project, fmt):
    buffer = io.StringIO()
    writer = spreadsheets.csv_writer(buffer)
    writer.writerow(CODEBOOK_HEADER)
    writer.writerows(codebook_rows(tables, project, fmt))
    return buffer.getvalue()


# --- Writers -----------------------------------------------------------------------------


def extension(fmt):
    return "xlsx" if fmt == ExportFormat.XLSX else "zip"


def write_export(project, table_names, fmt, fileobj):
    """Writes the export into `fileobj` (binary, seekable); returns rows per table."""
    tables = selected_tables(table_names)
    if not tables:
        raise ValueError("an export needs at least one table")
    writer = {
        ExportFormat.CSV: _write_csv_zip,
        ExportFormat.XLSX: _write_xlsx,
        ExportFormat.SPSS: _write_labelled_zip,
        ExportFormat.STATA: _write_labelled_zip,
    }[ExportFormat(fmt)]
    return writer(project, tables, ExportFormat(fmt), fileobj)


def _write_csv_zip(project, tables, fmt, fileobj):
    counts = {}
    # DEFLATE level 1: several times faster than the default 6; CSV of codes and dates
    # compresses nearly as well either way.
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for table in tables:
            prepared = prepare(table, project, fmt)
            # force_zip64: the size of a streamed member is not known in advance.
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                # Question texts and options are typed by users: no cell may become a
                # formula (vakwerk/spreadsheets.py). The COPY path writes only codes,
                # numbers, dates and pseudonyms.
                writer = spreadsheets.csv_writer(text)
                writer.writerow([p.column.name for p in prepared])
                text.flush()
                if table.copy_csv is not None and connection.vendor == "postgresql":
                    count = _copy_csv(table.copy_csv(project, keys_for(project)), member)
                else:
                    count = _python_csv(table, project, fmt, prepared, writer)
                text.flush()
                text.detach()
            counts[table.name] = count
        archive.writestr("codebook.csv", _codebook_csv(tables, project, fmt))
        archive.writestr("README.txt", readme_text(project, tables, fmt, counts))
    return counts


def _python_csv(table, project, fmt, prepared, writer):
    count = 0
    rows = encoded_rows(table, project, fmt, prepared)
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        writer.writerows(chunk)
        count += len(chunk)
    return count


def _copy_csv(statement, member):
    """Streams `COPY (statement) TO STDOUT` into the zip member as it arrives. PostgreSQL
    writes the same CSV as Python's csv module here (minimal quoting, NULL as an empty
    cell; no empty strings, see NULLIF) except for the line ends: csv writes CRLF. No cell
    of these tables can contain a line break, so every LF is a line end."""
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # The sort of one project's rows fits in memory (a few tens of MB at most) rather
        # than spilling to disk; only for this transaction.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # Dates as text are then YYYY-MM-DD whatever the server's default; cheaper than to_char.
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
            # COPY hands over about one row per message: gather them into large blocks, so
            # that the line ends, the zip member and DEFLATE work per block, not per row.
            block = bytearray()
            for data in copy:
                block += data
                if len(block) >= COPY_BLOCK:
                    count += _write_block(block, member)
                    block = bytearray()
            count += _write_block(block, member)
    return count


def _write_block(block, member):
    member.write(bytes(block).replace(b"\n", b"\r\n"))
    return block.count(b"\n")


def _write_xlsx(project, tables, fmt, fileobj):
    from openpyxl import Workbook

    # Write-only mode streams rows to a temporary file instead of building cells in memory.
    workbook = Workbook(write_only=True)
    counts = {}
    for table in tables:
        prepared = prepare(table, project, fmt)
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.append([p.column.name for p in prepared])
        count = 0
        for cells in encoded_rows(table, project, fmt, prepared):
            # Text stays text, never a formula cell (vakwerk/spreadsheets.py).
            spreadsheets.append_row(sheet, cells)
            count += 1
        counts[table.name] = count
    codebook = workbook.create_sheet(title="codebook")
    codebook.append(CODEBOOK_HEADER)
    for row in codebook_rows(tables, project, fmt):
        spreadsheets.append_row(codebook, row)
    readme = workbook.create_sheet(title="toelichting")
    for line in readme_text(project, tables, fmt, counts).splitlines():
        spreadsheets.append_row(readme, [line])
    workbook.save(fileobj)
    return counts


def _dataframe(prepared, columns):
    import pandas as pd

    frame = {}
    for p, values in zip(prepared, columns, strict=True):
        kind = p.column.type
        if kind in (INTEGER, BOOLEAN) or (kind == CODE and p.integer_coded):
            frame[p.column.name] = pd.array(values, dtype="Int64")
        elif kind == DECIMAL:
            frame[p.column.name] = pd.array(values, dtype="Float64")
        else:
            frame[p.column.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(frame)


MEASURES = {
    TEXT: "nominal",
    CODE: "nominal",
    BOOLEAN: "nominal",
    INTEGER: "scale",
    DECIMAL: "scale",
    DATE: "scale",
}


def _write_labelled_zip(project, tables, fmt, fileobj):
    """SPSS (.sav) and Stata (.dta): one file per table in a zip. pyreadstat writes from a
    DataFrame, so each table is in memory while it is written — one table at a time."""
    import pyreadstat

    counts = {}
    with (
        zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryDirectory(prefix="research-export-") as folder,
    ):
        for table in tables:
            prepared = prepare(table, project, fmt)
            columns = [[] for _ in prepared]
            for cells in encoded_rows(table, project, fmt, prepared):
                for values, cell in zip(columns, cells, strict=True):
                    values.append(cell)
            counts[table.name] = len(columns[0]) if columns else 0
            frame = _dataframe(prepared, columns)
            del columns
            labels = {p.column.name: p.column.label for p in prepared}
            value_labels = {p.column.name: dict(p.labels) for p in prepared if p.labels}
            path = os.path.join(folder, f"{table.name}.{fmt}")
            if fmt == ExportFormat.SPSS:
                pyreadstat.write_sav(
                    frame,
                    path,
                    file_label=table.label[:64],
                    column_labels=labels,
                    variable_value_labels=value_labels,
                    variable_measure={p.column.name: MEASURES[p.column.type] for p in prepared},
                )
            else:
                pyreadstat.write_dta(
                    frame,
                    path,
                    file_label=table.label[:80],
                    column_labels=labels,
                    variable_value_labels=value_labels,
                )
            del frame
            archive.write(path, f"{table.name}.{fmt}")
            os.remove(path)
        archive.writestr("codebook.csv", _codebook_csv(tables, project, fmt))
        archive.writestr("README.txt", readme_text(project, tables, fmt, counts))
    return counts


def sha256_of(fileobj):
    fileobj.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def storage_name(export):
    return f"research/{export.project_id}/{export.pk}.{extension(export.format)}"


def download_name(export):
    suffix = "" if export.format == ExportFormat.XLSX else f"-{export.format}"
    return f"onderzoeksexport-{export.project_id}-{export.pk}{suffix}.{extension(export.format)}"

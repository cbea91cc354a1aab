"""Pseudonymised research exports: what goes into them and how files are written.

The rules (issue 7 and issue 18; ../shared/DESIGN.md, "Domain", the item "Research exports"):

- only participants of the project's programmes who consented to research use;
- a participant is known by a pseudonym, an HMAC of their id keyed with the project's
  secret: stable within one project, unlinkable across projects;
- no name, BSN, address, free text, notes, reasons or handovers; the birth date only as
  its year and the postcode only as its digits (both derived in SQL, so the full values
  never even leave the database);
- every column declares what it is for disclosure control (`privacy`): the pseudonym,
  a quasi-identifier (something an outsider can know about a person: birth year,
  postcode, benefit, registration, group) with its generalisation hierarchy, an attribute
  (what the research is about) or a day of the programme;
- before anything is written, `measure` finds the smallest group of participants that
  share the same quasi-identifiers (k), generalises the quasi-identifiers of the chosen
  tables one step at a time until k reaches the project's threshold, and leaves out (and
  counts) the few participants who still cannot reach it. The builder page, the README,
  the codebook and the list of exports all show this one report;
- dates are days counted from a day 0 that many participants share in reality: the start
  of the participant's group, or the programme's start for those without a group. A
  shared real date (group start, meeting, questionnaire wave) then gives away nothing but
  that shared day 0; intervals stay exact. Registration and benefit dates, which an
  outsider can know, are only exported as generalised quasi-identifiers.

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
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear, Substr
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from consultants.models import CoachingSession, SessionKind, Theme
from employers.models import Match, MatchStage, OpportunityKind, Size
from evaluation.questionnaires.models import Answer, Audience, QuestionKind, Wave
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
from participants.register.exports import comparison_group
from participants.register.selectors import DurationBand
from vakwerk import spreadsheets

from .models import ExportFormat

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


# --- Keys: pseudonyms --------------------------------------------------------------------


class Keys:
    """A project's keyed hashes. The secret never leaves the database; without it nobody
    can recompute a pseudonym from a participant number or link two projects."""

    def __init__(self, secret):
        self._key = secret.encode()
        # Each HMAC once per participant, not once per row.
        self.pseudonym = functools.lru_cache(maxsize=KEY_CACHE_SIZE)(self.pseudonym)

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

    def register_person(self, person_id):
        # Its own message prefix: a comparison person's pseudonym never equals a
        # participant's, not even for someone who is both (joined after a follow-up).
        return self._digest(f"register:{person_id}")[:PSEUDONYM_LENGTH]


def keys_for(project):
    return Keys(project.secret)


# --- What each column is for disclosure control -------------------------------------------


@dataclass(frozen=True)
class Declared:
    """A column that is no quasi-identifier, with the reason in the codebook's words."""

    kind: str  # KEY, ATTRIBUTE or DAY
    note: str


KEY, ATTRIBUTE, DAY, QUASI = "key", "attribute", "day", "quasi"
PSEUDONYM = Declared(KEY, "pseudoniem: koppelt de tabellen, zegt niets over de persoon")
RESPONDENT = Declared(KEY, "respondentcode per ingevulde vragenlijst")
PROGRAMME_DAY = Declared(
    DAY,
    "dag van het traject: dagen sinds dag 0 (start van de groep, anders van het project),"
    " een datum die alle deelnemers van de groep delen",
)


def attribute(note="gegeven waar het onderzoek over gaat; geen quasi-identificator"):
    return Declared(ATTRIBUTE, note)


@dataclass(frozen=True)
class QuasiIdentifier:
    """Something an outsider can know about a person. `levels` go from the most detailed
    to the most general; each is (Dutch description, function of the raw value)."""

    name: str
    label: str
    levels: tuple
    kind: str = QUASI

    @property
    def note(self):
        return "quasi-identificator"

    def generalise(self, level, value):
        return None if value is None else self.levels[level][1](value)


def _floor(step):
    return lambda value: (value // step) * step


def _quarter(day):
    return f"{day.year}-K{(day.month - 1) // 3 + 1}"


def _months_between(earlier, later):
    """Whole months from `earlier` to `later` (negative when later is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


_HIDDEN = ("niet getoond", lambda value: None)

# The hierarchies; `measure` climbs them only as far as the project's threshold needs.
QUASI_IDENTIFIERS = {
    qi.name: qi
    for qi in (
        QuasiIdentifier("programme", "Project (traject)", (("het project", lambda v: v),)),
        QuasiIdentifier(
            "birth_year",
            "Geboortejaar",
            (
                ("het jaar", lambda v: v),
                ("banden van 5 jaar (het eerste jaar van de band)", _floor(5)),
                ("banden van 10 jaar (het eerste jaar van de band)", _floor(10)),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier(
            "postcode",
            "Postcode",
            (
                ("vier cijfers", lambda v: v[:4]),
                ("drie cijfers", lambda v: v[:3]),
                ("twee cijfers (regio)", lambda v: v[:2]),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier("target_group", "Doelgroep", (("de doelgroep", lambda v: v), _HIDDEN)),
        QuasiIdentifier("benefit_type", "Uitkering", (("de soort uitkering", lambda v: v),)),
        QuasiIdentifier(
            "benefit_months",
            "Maanden in de uitkering bij aanmelding",
            (
                ("maanden", lambda v: v),
                ("banden van 6 maanden", _floor(6)),
                ("banden van 12 maanden", _floor(12)),
                ("banden van 24 maanden", _floor(24)),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier(
            "monthly_benefit",
            "Uitkering per maand",
            (
                ("op de cent", lambda v: v),
                ("banden van EUR 100 (ondergrens)", _floor(100)),
                ("banden van EUR 250 (ondergrens)", _floor(250)),
                ("banden van EUR 500 (ondergrens)", _floor(500)),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier(
            "enrolled",
            "Aangemeld in",
            (
                ("maand (JJJJ-MM)", lambda v: f"{v:%Y-%m}"),
                ("kwartaal (JJJJ-Kn)", _quarter),
                ("jaar", lambda v: str(v.year)),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier("cohort", "Groep", (("het groepsnummer", lambda v: v), _HIDDEN)),
        QuasiIdentifier(
            "cohort_joined",
            "In de groep gekomen (weken tot de start van de groep)",
            (("weken", lambda v: v), ("banden van 4 weken", _floor(4)), _HIDDEN),
        ),
    )
}


def quasi(name):
    return QUASI_IDENTIFIERS[name]


# --- Declarative table specs -------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # a valid SPSS and Stata variable name (at most 32 characters)
    label: str  # Dutch, at most 80 characters (Stata's limit)
    type: str
    get: Callable[[dict, Any], Any]  # (row, ExportContext) -> raw value
    # Choices class, list of (code, label) pairs, or a callable(project) giving the pairs.
    choices: Any = None
    # A Declared or a QuasiIdentifier; every column needs one (test_disclosure checks).
    privacy: Any = None

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

    @property
    def quasi_identifier(self):
        return self.privacy if isinstance(self.privacy, QuasiIdentifier) else None


@dataclass(frozen=True)
class Table:
    name: str
    title: Any  # shown in the export builder (translated)
    label: str  # Dutch, for the codebook and README
    columns: tuple
    rows: Callable  # (project) -> iterable of dicts
    # Optional (project, context) -> COPY statement giving exactly the CSV rows that
    # `encoded_rows` would give: PostgreSQL then writes the CSV (see _copy_csv).
    copy_csv: Callable | None = None
    # The row's key of the participant it is about (None for others' answers): rows of
    # participants left out by disclosure control are left out of every table.
    person: str | None = "participant_id"
    # Optional (context) -> rows, instead of `rows`, for a table whose rows depend on the
    # export's own measurement (the comparison group's suppression).
    context_rows: Callable | None = None


def _value(key):
    return lambda row, context: row[key]


def _day(key, person="participant_id"):
    return lambda row, context: context.day(row[person], row[key])


def _pseudonym(person="participant_id"):
    return Column(
        "pseudonym",
        "Pseudoniem van de deelnemer",
        TEXT,
        lambda row, context: context.pseudonym(row[person]),
        privacy=PSEUDONYM,
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
            cohort_start=Subquery(first_enrolment.values("cohort__start_date")[:1]),
        )
        .order_by("pk")
        .values(
            "pk",
            "programme_id",
            "programme__start_date",
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
            "cohort_start",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _day_zero_rows(project):
    first_group = Enrolment.objects.filter(participant=OuterRef("pk")).order_by(
        "enrolled_on", "pk"
    )
    return (
        consenting_participants(project)
        .annotate(cohort_start=Subquery(first_group.values("cohort__start_date")[:1]))
        .order_by("pk")
        .values("pk", "cohort_start", "programme__start_date")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def day_zero(row):
    """A participant's day 0: the start of their group, a date all its members share;
    without a group, the start of the programme."""
    return row["cohort_start"] or row["programme__start_date"]


def _benefit_months(row, context):
    if row["benefit_start"] is None or row["enrolled_on"] is None:
        return None
    return max(0, _months_between(row["benefit_start"], row["enrolled_on"]))


def _weeks_to_group(row, context):
    if row["cohort_enrolled_on"] is None or row["cohort_start"] is None:
        return None
    return (row["cohort_enrolled_on"] - row["cohort_start"]).days // 7


PARTICIPANTS = Table(
    "participants",
    _("Participants"),
    "Deelnemers",
    (
        _pseudonym("pk"),
        Column(
            "programme",
            "Project (traject)",
            CODE,
            _value("programme_id"),
            _programme_choices,
            privacy=quasi("programme"),
        ),
        Column(
            "birth_year",
            "Geboortejaar (of eerste jaar van de band; zie codeboek)",
            INTEGER,
            _value("birth_year"),
            privacy=quasi("birth_year"),
        ),
        Column(
            "postcode_area",
            "Postcodegebied (de eerste cijfers; zie codeboek)",
            TEXT,
            lambda row, context: row["postcode_digits"] or None,
            privacy=quasi("postcode"),
        ),
        Column(
            "target_group",
            "Doelgroep (leeftijd bij aanmelding)",
            CODE,
            _value("target_group"),
            TargetGroup,
            privacy=quasi("target_group"),
        ),
        Column(
            "benefit_type",
            "Uitkering",
            CODE,
            _value("benefit_type"),
            BenefitType,
            privacy=quasi("benefit_type"),
        ),
        Column(
            "benefit_months",
            "Maanden in de uitkering bij aanmelding (of begin van de band)",
            INTEGER,
            _benefit_months,
            privacy=quasi("benefit_months"),
        ),
        Column(
            "monthly_benefit",
            "Uitkering per maand (EUR, of ondergrens van de band)",
            DECIMAL,
            _value("monthly_benefit"),
            privacy=quasi("monthly_benefit"),
        ),
        Column("status", "Status", CODE, _value("status"), Status, privacy=attribute()),
        Column(
            "enrolled_month",
            "Aangemeld in (maand, kwartaal of jaar; zie codeboek)",
            TEXT,
            _value("enrolled_on"),
            privacy=quasi("enrolled"),
        ),
        Column(
            "comparison_group",
            "In de vergelijkingsgroep",
            BOOLEAN,
            _value("in_comparison_group"),
            privacy=attribute(),
        ),
        Column(
            "anonymised",
            "Geanonimiseerd na de bewaartermijn",
            BOOLEAN,
            lambda row, context: row["anonymised_at"] is not None,
            privacy=attribute("zegt alleen dat de bewaartermijn voorbij is"),
        ),
        Column(
            "intake_day",
            "Intake (dag sinds dag 0)",
            INTEGER,
            _day("intake__held_on", "pk"),
            privacy=PROGRAMME_DAY,
        ),
        Column(
            "development_potential",
            "Ontwikkelpotentie (intake)",
            CODE,
            _value("intake__development_potential"),
            DevelopmentPotential,
            privacy=attribute(),
        ),
        Column(
            "cohort", "Groep (nummer)", INTEGER, _value("first_cohort"), privacy=quasi("cohort")
        ),
        Column(
            "cohort_joined_weeks",
            "In de groep gekomen (weken na (+) of voor (-) de start; zie codeboek)",
            INTEGER,
            _weeks_to_group,
            privacy=quasi("cohort_joined"),
        ),
    ),
    _participant_rows,
    person="pk",
)


def _theme_column(theme):
    with translation.override("nl"):
        label = f"Thema: {theme.label}"
    return Column(
        f"theme_{theme.value}",
        label,
        BOOLEAN,
        lambda row, context: theme.value in (row["themes"] or []),
        privacy=attribute(),
    )


def _session_rows(project):
    # Never the notes, agreed actions or next appointment: they are about the person.
    return (
        CoachingSession.objects.filter(participant__in=consenting_participants(project))
        .order_by("participant_id", "held_on", "pk")
        .values("participant_id", "held_on", "minutes", "kind", "meeting_id", "themes")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _participant_keys(context):
    """(ids, pseudonyms, days 0) of the participants the export keeps: one entry per
    participant (not per row), so this is bounded by the project's size."""
    ids = sorted(context.report.kept)
    return ids, [context.pseudonym(pk) for pk in ids], [context.day0[pk] for pk in ids]


def _session_copy(project, context):
    """The coaching sessions table as one COPY: the same rows, order and cells as the
    columns below. Pseudonym and day 0 come from Python (the keyed HMACs, the measured
    export) per participant and are joined in; days are counted, themes expanded and
    codes written in SQL. The inner join on the participants the export keeps and the same
    filter as `_session_rows` keep everybody else out."""
    session = CoachingSession._meta.db_table
    consenting, consenting_params = (
        consenting_participants(project).order_by().values("pk").query.sql_with_params()
    )
    ids, pseudonyms, days = _participant_keys(context)
    themes = ", ".join("COALESCE(s.themes ? %s, false)::int" for _theme in Theme)
    # Only constants and Django's own SQL are formatted in; every value is a parameter.
    sql = f"""
        SELECT k.pseudonym,
               s.held_on - k.day0,
               s.minutes,
               NULLIF(s.kind, ''),
               (s.meeting_id IS NOT NULL)::int,
               {themes}
        FROM {connection.ops.quote_name(session)} s
        JOIN unnest(%s::bigint[], %s::text[], %s::date[]) AS k(participant_id, pseudonym, day0)
          ON k.participant_id = s.participant_id
        WHERE s.participant_id IN ({consenting})
        ORDER BY s.participant_id, s.held_on, s.id
    """  # noqa: S608
    params = [*(theme.value for theme in Theme), ids, pseudonyms, days, *consenting_params]
    return connection.ops.compose_sql(sql, params)


COACHING_SESSIONS = Table(
    "coaching_sessions",
    _("Coaching sessions (without notes)"),
    "Coachingsgesprekken (zonder aantekeningen)",
    (
        _pseudonym(),
        Column(
            "held_day",
            "Gesprek (dag sinds dag 0)",
            INTEGER,
            _day("held_on"),
            privacy=PROGRAMME_DAY,
        ),
        Column("minutes", "Duur (minuten)", INTEGER, _value("minutes"), privacy=attribute()),
        Column("kind", "Soort gesprek", CODE, _value("kind"), SessionKind, privacy=attribute()),
        Column(
            "group_meeting",
            "Bij een groepsbijeenkomst",
            BOOLEAN,
            lambda row, context: row["meeting_id"] is not None,
            privacy=attribute(),
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


def _outflow_to_work(row, context):
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
        Column("cohort", "Groep (nummer)", INTEGER, _value("cohort_id"), privacy=quasi("cohort")),
        Column(
            "follow_up",
            "Nameting (maanden na de groep)",
            CODE,
            _value("follow_up"),
            FollowUp,
            privacy=attribute(),
        ),
        Column(
            "due_day",
            "Gepland op (dag sinds dag 0)",
            INTEGER,
            _day("due_on"),
            privacy=PROGRAMME_DAY,
        ),
        Column(
            "measured_day",
            "Gemeten op (dag sinds dag 0)",
            INTEGER,
            _day("measured_on"),
            privacy=PROGRAMME_DAY,
        ),
        Column("employment", "Werk", CODE, _value("employment"), Employment, privacy=attribute()),
        Column(
            "hours_per_week",
            "Uren per week",
            INTEGER,
            _value("hours_per_week"),
            privacy=attribute(),
        ),
        Column("contract", "Contract", CODE, _value("contract"), Contract, privacy=attribute()),
        Column(
            "benefit_status",
            "Uitkeringssituatie",
            CODE,
            _value("benefit_status"),
            BenefitStatus,
            privacy=attribute(),
        ),
        Column(
            "benefit_end_reason",
            "Reden einde uitkering",
            CODE,
            _value("benefit_end_reason"),
            BenefitEndReason,
            privacy=attribute(),
        ),
        Column(
            "outflow_to_work",
            "Uit de uitkering: geen uitkering door werk, opleiding of eigen bedrijf",
            BOOLEAN,
            _outflow_to_work,
            privacy=attribute(),
        ),
        Column("source", "Bron", CODE, _value("source"), Source, privacy=attribute()),
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
        Column(
            "recorded_day",
            "Vastgelegd op (dag sinds dag 0)",
            INTEGER,
            _day("recorded_on"),
            privacy=PROGRAMME_DAY,
        ),
        Column("moment", "Moment", CODE, _value("moment"), LadderMoment, privacy=attribute()),
        Column("rung", "Trede", CODE, _value("rung"), Rung, privacy=attribute()),
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
            privacy=attribute(),
        ),
        Column(
            "measured_day",
            "Gemeten op (dag sinds dag 0)",
            INTEGER,
            _day("measured_on"),
            privacy=PROGRAMME_DAY,
        ),
        Column(
            "work_contacts",
            "Werkrelevante contacten (aantal)",
            INTEGER,
            _value("work_contacts"),
            privacy=attribute(),
        ),
        Column(
            "employer_contacts",
            "Werkgevers gesproken in de laatste drie maanden (aantal)",
            INTEGER,
            _value("employer_contacts"),
            privacy=attribute(),
        ),
        Column(
            "self_rating",
            "Ik weet wie ik kan vragen om mij aan werk te helpen (1-5)",
            CODE,
            _value("self_rating"),
            SelfRating,
            privacy=attribute(),
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
        Column("kind", "Soort opleiding", CODE, _value("kind"), TrainingKind, privacy=attribute()),
        Column(
            "start_day",
            "Begonnen op (dag sinds dag 0)",
            INTEGER,
            _day("start_date"),
            privacy=PROGRAMME_DAY,
        ),
        Column(
            "end_day",
            "Geëindigd op (dag sinds dag 0)",
            INTEGER,
            _day("end_date"),
            privacy=PROGRAMME_DAY,
        ),
        Column("hours", "Uren (totaal)", INTEGER, _value("hours"), privacy=attribute()),
        Column("result", "Resultaat", CODE, _value("result"), TrainingResult, privacy=attribute()),
        Column(
            "certificate",
            "Behaald certificaat",
            CODE,
            _value("certificate"),
            Certificate,
            privacy=attribute(),
        ),
        Column(
            "certificate_day",
            "Certificaat behaald op (dag sinds dag 0)",
            INTEGER,
            _day("certificate_on"),
            privacy=PROGRAMME_DAY,
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
            "opportunity_kind",
            "Soort kans",
            CODE,
            _value("opportunity__kind"),
            OpportunityKind,
            privacy=attribute(),
        ),
        Column(
            "employer_size",
            "Grootte van de werkgever",
            CODE,
            _value("opportunity__employer__size"),
            Size,
            privacy=attribute(),
        ),
        Column(
            "proposed_day",
            "Voorgesteld op (dag sinds dag 0)",
            INTEGER,
            _day("created_at"),
            privacy=PROGRAMME_DAY,
        ),
        Column(
            "stage", "Stand van de match", CODE, _value("stage"), MatchStage, privacy=attribute()
        ),
        Column("score", "Passingsscore", INTEGER, _value("score"), privacy=attribute()),
        Column(
            "stage_changed_day",
            "Laatst gewijzigd op (dag sinds dag 0)",
            INTEGER,
            _day("updated_at"),
            privacy=PROGRAMME_DAY,
        ),
        Column(
            "placed",
            "Geplaatst",
            BOOLEAN,
            lambda row, context: row["placement__id"] is not None,
            privacy=attribute(),
        ),
        Column(
            "placement_start_day",
            "Plaatsing: start (dag sinds dag 0)",
            INTEGER,
            _day("placement__start_date"),
            privacy=PROGRAMME_DAY,
        ),
        Column(
            "placement_contract",
            "Plaatsing: contract",
            CODE,
            _value("placement__contract"),
            Contract,
            privacy=attribute(),
        ),
        Column(
            "placement_hours",
            "Plaatsing: uren per week",
            INTEGER,
            _value("placement__hours_per_week"),
            privacy=attribute(),
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
            lambda row, context: context.respondent(row["response_id"]),
            privacy=RESPONDENT,
        ),
        Column(
            "pseudonym",
            "Pseudoniem van de deelnemer (leeg bij anderen)",
            TEXT,
            lambda row, context: context.pseudonym(row[_ANSWER_PERSON]),
            privacy=PSEUDONYM,
        ),
        Column(
            "questionnaire",
            "Vragenlijst (nummer)",
            INTEGER,
            _value("question__questionnaire_id"),
            privacy=attribute("hoort bij het project, dat een quasi-identificator is"),
        ),
        Column(
            "audience",
            "Doelgroep van de vragenlijst",
            CODE,
            _value("question__questionnaire__audience"),
            Audience,
            privacy=attribute(),
        ),
        Column(
            "wave",
            "Meting",
            CODE,
            _value("question__questionnaire__wave"),
            Wave,
            privacy=attribute(),
        ),
        Column(
            "question",
            "Vraag (nummer)",
            INTEGER,
            _value("question_id"),
            privacy=attribute("hoort bij het project, dat een quasi-identificator is"),
        ),
        Column(
            "question_position",
            "Plaats van de vraag",
            INTEGER,
            _value("question__position"),
            privacy=attribute(),
        ),
        Column(
            "question_kind",
            "Soort vraag",
            CODE,
            _value("question__kind"),
            QuestionKind,
            privacy=attribute(),
        ),
        Column("question_text", "Vraag", TEXT, _value("question__text"), privacy=attribute()),
        Column(
            "answer_number",
            "Antwoord (getal of Likert 1-5)",
            DECIMAL,
            _value("number"),
            privacy=attribute(),
        ),
        Column(
            "answer_choice",
            "Antwoord (gekozen optie)",
            TEXT,
            lambda row, context: row["choice"] or None,
            privacy=attribute(),
        ),
        Column(
            "submitted_day",
            "Ingevuld op (dag sinds dag 0; alleen deelnemers)",
            INTEGER,
            _day("response__submitted_at", _ANSWER_PERSON),
            privacy=PROGRAMME_DAY,
        ),
    ),
    _answer_rows,
    person=_ANSWER_PERSON,
)

# --- The comparison group: register people matched to the participants ----------------

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
        COMPARISON_GROUP,
    )
}


def table_choices():
    return [(table.name, table.title) for table in TABLES.values()]


def selected_tables(names):
    """The tables in their fixed order; unknown names are ignored."""
    return [table for name, table in TABLES.items() if name in set(names)]


# --- Disclosure control: k, uniques, generalisation and suppression ------------------------

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
    report = measure(project, tables)[0]
    if COMPARISON_GROUP in tables:
        _comparison_measured(project, report)
    return report


class ExportContext:
    """One export's keys, disclosure report and days 0: what a column needs to turn a
    database row into a cell."""

    def __init__(self, project, tables):
        self.project = project
        self.keys = keys_for(project)
        self.report, self.day0 = measure(project, tables)
        self.comparison = None
        if COMPARISON_GROUP in tables:
            self.comparison = _comparison_measured(project, self.report)

    def register_person(self, person_id):
        return self.keys.register_person(person_id)

    def pseudonym(self, participant_id):
        return self.keys.pseudonym(participant_id)

    def respondent(self, response_id):
        return self.keys.respondent(response_id)

    def day(self, participant_id, value):
        """Days since the participant's day 0; datetimes become local dates first, so
        that the time of day cannot be used to link rows either."""
        if value is None or participant_id is None:
            return None
        anchor = self.day0.get(participant_id)
        if anchor is None:
            return None
        if isinstance(value, datetime.datetime):
            value = timezone.localdate(value)
        return (value - anchor).days

    def keeps(self, participant_id):
        return participant_id is None or participant_id in self.report.kept


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

    def value(self, row, context):
        raw = self.column.get(row, context)
        qi = self.column.quasi_identifier
        return context.report.generalise(qi, raw) if qi else raw

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


def encoded_rows(table, context, fmt, prepared=None):
    """Yields each row as a list of cells, straight from the database cursor; rows of
    participants that disclosure control left out are skipped."""
    prepared = prepared or prepare(table, context.project, fmt)
    rows = table.context_rows(context) if table.context_rows else table.rows(context.project)
    for row in rows:
        if table.person is None or context.keeps(row[table.person]):
            yield [p.encode(p.value(row, context), fmt) for p in prepared]


# --- Codebook and README -----------------------------------------------------------------

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


# --- Writers -----------------------------------------------------------------------------


def extension(fmt):
    return "xlsx" if fmt == ExportFormat.XLSX else "zip"


class ExportCounts(dict):
    """Rows per table, and the disclosure report the file was written under."""

    report: DisclosureReport


def write_export(project, table_names, fmt, fileobj):
    """Writes the export into `fileobj` (binary, seekable); returns rows per table, with
    the disclosure report as `.report`. Disclosure control is measured first, on the
    same rows, so the file holds exactly what the report describes."""
    tables = selected_tables(table_names)
    if not tables:
        raise ValueError("an export needs at least one table")
    writer = {
        ExportFormat.CSV: _write_csv_zip,
        ExportFormat.XLSX: _write_xlsx,
        ExportFormat.SPSS: _write_labelled_zip,
        ExportFormat.STATA: _write_labelled_zip,
    }[ExportFormat(fmt)]
    context = ExportContext(project, tables)
    counts = ExportCounts(writer(context, tables, ExportFormat(fmt), fileobj))
    counts.report = context.report
    return counts


def _write_csv_zip(context, tables, fmt, fileobj):
    project, counts = context.project, {}
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
                    count = _copy_csv(table.copy_csv(project, context), member)
                else:
                    count = _python_csv(table, context, fmt, prepared, writer)
                text.flush()
                text.detach()
            counts[table.name] = count
        archive.writestr("codebook.csv", _codebook_csv(tables, context, fmt))
        archive.writestr("README.txt", readme_text(project, tables, fmt, counts, context.report))
    return counts


def _python_csv(table, context, fmt, prepared, writer):
    count = 0
    rows = encoded_rows(table, context, fmt, prepared)
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


def _write_xlsx(context, tables, fmt, fileobj):
    from openpyxl import Workbook

    # Write-only mode streams rows to a temporary file instead of building cells in memory.
    workbook = Workbook(write_only=True)
    project, counts = context.project, {}
    for table in tables:
        prepared = prepare(table, project, fmt)
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.append([p.column.name for p in prepared])
        count = 0
        for cells in encoded_rows(table, context, fmt, prepared):
            # Text stays text, never a formula cell (vakwerk/spreadsheets.py).
            spreadsheets.append_row(sheet, cells)
            count += 1
        counts[table.name] = count
    codebook = workbook.create_sheet(title="codebook")
    codebook.append(CODEBOOK_HEADER)
    for row in codebook_rows(tables, context, fmt):
        spreadsheets.append_row(codebook, row)
    readme = workbook.create_sheet(title="toelichting")
    for line in readme_text(project, tables, fmt, counts, context.report).splitlines():
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


def _write_labelled_zip(context, tables, fmt, fileobj):
    """SPSS (.sav) and Stata (.dta): one file per table in a zip. pyreadstat writes from a
    DataFrame, so each table is in memory while it is written — one table at a time."""
    import pyreadstat

    project, counts = context.project, {}
    with (
        zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryDirectory(prefix="research-export-") as folder,
    ):
        for table in tables:
            prepared = prepare(table, project, fmt)
            columns = [[] for _ in prepared]
            for cells in encoded_rows(table, context, fmt, prepared):
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
        archive.writestr("codebook.csv", _codebook_csv(tables, context, fmt))
        archive.writestr("README.txt", readme_text(project, tables, fmt, counts, context.report))
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

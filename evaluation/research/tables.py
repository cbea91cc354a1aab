"""The tables about participants that a research export can hold, each declared once:
which rows (only consenting participants of the project's programmes) and which columns.
Never a name, BSN, address, free text, notes, reasons or handovers."""

from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear, Substr
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from consultants.models import CoachingSession, SessionKind, Theme
from employers.models import Match, MatchStage, OpportunityKind, Size
from evaluation.questionnaires.models import Answer, Audience, QuestionKind, Wave
from participants.models import (
    NETWORK_FIGURES,
    OUTCOME_FIGURES,
    OUTFLOW_TO_WORK_REASONS,
    TRAINING_FIGURES,
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

from .column_privacy import PROGRAMME_DAY, PSEUDONYM, RESPONDENT, attribute, quasi
from .columns import BOOLEAN, CODE, DECIMAL, INTEGER, TEXT, Column, Table, _day, _pseudonym, _value

# Rows fetched per round trip from the server-side cursor: big enough to be fast, small
# enough that a table of any size never sits in memory (except for SPSS and Stata).
CHUNK_SIZE = 2000


def _months_between(earlier, later):
    """Whole months from `earlier` to `later` (negative when later is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def consenting_participants(project):
    """The only people an export may contain: the project's programmes, consent given.
    Anonymised participants keep consent and number, hence their pseudonym and figures."""
    return Participant.objects.filter(
        municipality_id=project.municipality_id,
        programme__in=project.own_programmes(),
        consent_research=True,
    )


def _rows_about(model, project, order, fields):
    """The rows of `model` about the project's consenting participants as dicts, ordered
    by participant, then `order`, then pk, fetched from a server-side cursor in chunks."""
    return (
        model.objects.filter(participant__in=consenting_participants(project))
        .order_by("participant_id", order, "pk")
        .values("participant_id", *fields)
        .iterator(chunk_size=CHUNK_SIZE)
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
    return _rows_about(
        CoachingSession, project, "held_on", ("held_on", "minutes", "kind", "meeting_id", "themes")
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
    return _rows_about(OutcomeMeasurement, project, "follow_up", ("cohort_id", *OUTCOME_FIGURES))


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
    return _rows_about(LadderRung, project, "recorded_on", ("recorded_on", "moment", "rung"))


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
    return _rows_about(NetworkMeasurement, project, "moment", NETWORK_FIGURES)


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
    return _rows_about(Training, project, "start_date", TRAINING_FIGURES)


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
    return _rows_about(
        Match,
        project,
        "created_at",
        (
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
        ),
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

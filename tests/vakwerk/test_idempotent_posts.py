"""Issue 15, found 3 / build 2: the same POST twice saves once.

Each create form is read from its page as a browser reads it (with the one-time key the page
rendered), filled in and sent twice: the first POST saves one row, the second is sent where
the first went with a message and changes nothing in the database. Sent at the same moment on
PostgreSQL, one POST wins and the other gets the same answer; two users proposing one
candidate at the same moment get one match and a message, never a 500."""

import datetime
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.template import engines
from django.test import Client
from django.urls import reverse

from consultants.models import (
    CoachingSession,
    Competency,
    CompetencyAssessment,
    IntervisionSession,
    TrainingRecord,
)
from employers.models import ContactLogEntry, Employer, EmployerContact, Match, Opportunity
from evaluation.questionnaires import services as questionnaire_services
from evaluation.questionnaires.models import (
    Audience,
    Invitation,
    Question,
    Questionnaire,
    Stakeholder,
    Wave,
)
from evaluation.reports.models import Report
from evaluation.research.models import ResearchExport, ResearchProject
from funding.models import Commitment, Fund, LedgerEntry, SavingsAssumptions
from participants import services as participant_services
from participants.models import Cohort, CohortMeeting, Enrolment, LadderRung, Participant
from tests.consultants.factories import CompetencyFactory
from tests.employers.factories import EmployerFactory, OpportunityFactory
from tests.funding.factories import FundFactory, funded
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory, UserFactory
from vakwerk import idempotency
from vakwerk.models import SubmittedForm, User
from vakwerk.roles import Role

ALREADY_SENT = "Dit formulier was al verstuurd; er is niets dubbel opgeslagen."
PROJECT_APPS = ("vakwerk", "participants", "consultants", "employers", "funding", "evaluation",
                "dashboards", "questionnaires", "reports", "research")  # fmt: skip
NOW = datetime.datetime(2026, 11, 30, 11, 0, tzinfo=datetime.UTC)
TODAY = "2026-11-30"


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=True):
        yield


class FormReader(HTMLParser):
    """The POST forms of a page: action and what a browser sends without typing."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form, self.select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = {"action": a.get("action") or "", "data": {}}
            if (a.get("method") or "get").lower() == "post":
                self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form["data"].setdefault(a["name"], a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self.form["data"][a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a and a.get("value"):
            self.form["data"][self.select] = a["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def form_on(client, page, target):
    response = client.get(page)
    assert response.status_code == 200, page
    reader = FormReader()
    reader.feed(response.content.decode())
    forms = [f for f in reader.forms if (f["action"] or page) == target]
    assert forms, f"no form posting to {target} on {page}"
    return forms[0]["data"]


def rows():
    """Every row of the project's tables, counted per model: what a POST wrote."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not model._meta.proxy
    }


def shown(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the world ---------------------------------------------------------------------------


@pytest.fixture
def world(municipality):
    staff = (Role.CONSULTANT, Role.MANAGER, Role.WSP, Role.RESEARCHER, Role.ADMIN)
    users = {role: UserFactory(role=role, municipality=municipality) for role in staff}
    users[Role.EMPLOYER] = UserFactory(employer_user=True, municipality=municipality)
    consultant, manager = users[Role.CONSULTANT], users[Role.MANAGER]
    programme = ProgrammeFactory(municipality=municipality, end_date=None)
    cohort = CohortFactory(programme=programme, end_date=datetime.date(2027, 6, 18))
    cohort.trainers.add(consultant)
    participant, second = (
        ParticipantFactory(
            municipality=municipality,
            consultant=consultant,
            programme=programme,
            status="in_programme",
        )
        for _ in range(2)
    )
    participant_services.enrol(consultant, cohort, participant)
    employer = EmployerFactory(municipality=municipality, account_manager=users[Role.WSP])
    fund = funded(manager, "100000.00", programme=programme)
    questionnaire = questionnaire_services.save_questionnaire(
        manager, programme, title="Nulmeting", audience=Audience.PARTICIPANTS, wave=Wave.BASELINE
    )
    questionnaire_services.save_question(
        manager, questionnaire, text="Hoe gaat het?", kind="likert"
    )
    project = ResearchProject.objects.create(
        municipality=municipality, name="Effectstudie", institution="ROA",
        agreement_reference="ROA-1", valid_until=datetime.date(2027, 11, 30),
    )  # fmt: skip
    project.programmes.add(programme)
    project.researchers.add(users[Role.RESEARCHER])
    objects = {
        "programme": programme,
        "cohort": cohort,
        "participant": participant,
        "second": second,
        "outcome": participant.outcomes.order_by("due_on").first(),
        "employer": employer,
        "opportunity": OpportunityFactory(employer=employer, status="confirmed"),
        "fund": fund,
        "entry": fund.entries.first(),
        "questionnaire": questionnaire,
        "project": project,
        "consultant": consultant,
        "colleague": UserFactory(role=Role.CONSULTANT, municipality=municipality),
        "competencies": [CompetencyFactory(municipality=municipality) for _ in range(2)],
    }
    return users, objects


def url(name, *args):
    return reverse(name, args=[a.pk for a in args])


# name → (role, URL the form posts to, page that shows it, data typed in, model it creates)
def cases(o):
    participant, cohort, fund = o["participant"], o["cohort"], o["fund"]
    detail = url("participants:detail", participant)
    return {
        "coaching session": (
            Role.CONSULTANT, url("participants:session_create", participant), detail,
            {"held_on": TODAY, "minutes": "45", "kind": "individual", "notes": "Gesprek"},
            CoachingSession,
        ),
        "participant": (
            Role.CONSULTANT, url("participants:create"), None,
            {"bsn": "111222333", "first_name": "Fatima", "last_name": "Yilmaz",
             "birth_date": "1985-04-12", "enrolled_on": "2026-11-02",
             "benefit_type": "bijstand", "monthly_benefit": "1.350,00"},
            Participant,
        ),
        "ladder rung": (
            Role.CONSULTANT, url("participants:ladder", participant), detail,
            {"recorded_on": TODAY, "rung": "3"}, LadderRung,
        ),
        "group": (
            Role.MANAGER, url("participants:cohort_create"), None,
            {"programme": str(o["programme"].pk), "name": "Groep Winter",
             "start_date": "2026-12-01", "end_date": "2027-03-01", "capacity": "10"},
            Cohort,
        ),
        "enrolment": (
            Role.MANAGER, url("participants:cohort_enrol", cohort),
            url("participants:cohort_detail", cohort), {"participant": str(o["second"].pk)},
            Enrolment,
        ),
        "group meeting": (
            Role.MANAGER, url("participants:meeting_create", cohort),
            url("participants:cohort_detail", cohort),
            {"held_on": "2026-12-07", "topic": "Kennismaking"}, CohortMeeting,
        ),
        "outcome measurement": (
            Role.CONSULTANT, url("participants:outcome", o["outcome"]), None,
            {"measured_on": TODAY, "employment": "part_time", "hours_per_week": "24",
             "benefit_status": "partial", "source": "participant"}, None,
        ),
        "commitment request": (
            Role.CONSULTANT, reverse("funding:commitment_request", args=[participant.pk]), None,
            {"fund": str(fund.pk), "purpose": "Rijlessen", "amount": "450,00"}, Commitment,
        ),
        "deposit": (
            Role.MANAGER, url("funding:deposit", fund), None,
            {"amount": "100,00", "description": "Rijksbijdrage"}, LedgerEntry,
        ),
        "expenditure": (
            Role.MANAGER, url("funding:expenditure", fund), None,
            {"amount": "50,00", "description": "Werkkleding"}, LedgerEntry,
        ),
        "correction": (
            Role.MANAGER, reverse("funding:correction", args=[o["entry"].pk]), None,
            {"amount": "-10,00", "description": "Te hoog geboekt"}, LedgerEntry,
        ),
        "fund": (
            Role.MANAGER, url("funding:fund_create"), None,
            {"name": "Pilot 2027", "kind": "pilot", "starts_on": "2027-01-01"}, Fund,
        ),
        "savings assumptions": (
            Role.MANAGER, url("funding:savings"), None, {"note": "Nieuwe cijfers van het UWV"},
            SavingsAssumptions,
        ),
        "match proposal": (
            Role.CONSULTANT, url("employers:propose", o["opportunity"]),
            url("employers:board", o["opportunity"]), {"participant": str(participant.pk)},
            Match,
        ),
        "opportunity": (
            Role.EMPLOYER, url("employers:opportunity_create"), None,
            {"kind": "learning_place", "title": "Leerwerkplaats magazijn", "positions": "2",
             "hours_per_week": "32", "contract": "temporary", "valid_until": "2027-01-29",
             "description": "Begeleiding door een vaste werkbegeleider."},
            Opportunity,
        ),
        "employer": (
            Role.WSP, url("employers:employer_create"), None,
            {"name": "Bakkerij De Korenschoof", "kvk_number": "12345678", "sector": "Voeding",
             "size": "small", "stage": "prospect"},
            Employer,
        ),
        "employer contact": (
            Role.WSP, url("employers:contact_create", o["employer"]), None,
            {"name": "Petra de Vries", "job_title": "HR", "email": "petra@bakker.example"},
            EmployerContact,
        ),
        "contact log": (
            Role.WSP, url("employers:contact_log_create", o["employer"]), None,
            {"held_on": TODAY, "kind": "visit", "summary": "Rondleiding"}, ContactLogEntry,
        ),
        "employer invite": (
            Role.WSP, url("employers:employer_invite", o["employer"]), None,
            {"email": "els@bakker.example", "first_name": "Els", "last_name": "Bakker"}, User,
        ),
        "user invite": (
            Role.ADMIN, url("user_invite"), None,
            {"email": "nina@gemeente.example", "first_name": "Nina", "last_name": "Nieuw",
             "role": Role.CONSULTANT},
            User,
        ),
        "training": (
            Role.CONSULTANT, url("consultants:training_create"), None,
            {"kind": "refresher", "title": "Motiverende gespreksvoering",
             "provider": "VAK Academie", "started_on": "2026-11-29"},
            TrainingRecord,
        ),
        "intervision": (
            Role.CONSULTANT, url("consultants:intervision_create"), None,
            {"held_on": "2026-11-29", "focus": "professionalism",
             "attendees": [str(o["consultant"].pk), str(o["colleague"].pk)],
             "facilitator": str(o["colleague"].pk), "summary": "Casus"},
            IntervisionSession,
        ),
        "competency assessment": (
            Role.MANAGER, url("consultants:assessment_create", o["consultant"]), None,
            {"assessed_on": "2026-11-29",
             **{f"competency_{c.pk}": "4" for c in Competency.objects.all()}},
            CompetencyAssessment,
        ),
        "competency": (
            Role.ADMIN, url("consultants:competency_create"), None,
            {"name": "Digitale vaardigheden", "position": "9", "active": "on"}, Competency,
        ),
        "questionnaire": (
            Role.MANAGER, url("evaluation:questionnaire_create"), None,
            {"programme": str(o["programme"].pk), "title": "Eindmeting",
             "audience": "participants", "wave": "baseline"},
            Questionnaire,
        ),
        "question": (
            Role.MANAGER, url("evaluation:questionnaire_question_create", o["questionnaire"]),
            None, {"text": "Ik voel me gesteund", "kind": "likert", "required": "on"},
            Question,
        ),
        "invitations": (
            Role.MANAGER, url("evaluation:questionnaire_invitations", o["questionnaire"]), None,
            {"emails": "los@post.example", "valid_days": "14"}, Invitation,
        ),
        "stakeholder": (
            Role.MANAGER, url("evaluation:stakeholder_create", o["programme"]), None,
            {"name": "Gemeente Zwolle", "kind": "municipality", "role": "intervention",
             "contact_email": "vak@zwolle.example"},
            Stakeholder,
        ),
        "report request": (
            Role.MANAGER, url("evaluation:report_request"), url("evaluation:report_list"),
            {"programme": str(o["programme"].pk), "kind": "savings", "period_end": TODAY},
            Report,
        ),
        "research export": (
            Role.RESEARCHER, url("evaluation:research_export_new", o["project"]), None,
            {"tables": ["participants"], "format": "csv"}, ResearchExport,
        ),
    }  # fmt: skip


CASES = [
    "coaching session", "participant", "ladder rung", "group", "enrolment", "group meeting",
    "outcome measurement", "commitment request", "deposit", "expenditure", "correction",
    "fund", "savings assumptions", "match proposal", "opportunity", "employer",
    "employer contact", "contact log", "employer invite", "user invite", "training",
    "intervision", "competency assessment", "competency", "questionnaire", "question",
    "invitations", "stakeholder", "report request", "research export",
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES)
def test_the_same_post_twice_saves_once_and_answers_with_the_first_result(client, world, case):
    users, objects = world
    role, target, page, typed, model = cases(objects)[case]
    client.force_login(users[role])
    data = {**form_on(client, page or target, target), **typed}
    assert data.get(idempotency.FIELD_NAME), "the form carries no one-time key"
    before = rows()

    first = client.post(target, data)
    assert first.status_code == 302, first.context and first.context.get("form").errors
    assert ALREADY_SENT not in shown(first)
    after_first = rows()
    if model is not None:
        assert after_first[model._meta.label] == before[model._meta.label] + 1
    assert after_first[SubmittedForm._meta.label] == before[SubmittedForm._meta.label] + 1

    second = client.post(target, data)
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert ALREADY_SENT in shown(second)
    assert rows() == after_first, "the second POST wrote something"


@pytest.mark.django_db
def test_every_listed_create_view_is_tested_here(world):
    assert sorted(cases(world[1])) == sorted(CASES)


@pytest.mark.django_db
def test_confirming_an_import_twice_imports_once(client, world):
    users, _objects = world
    client.force_login(users[Role.CONSULTANT])
    sample = Path(__file__).resolve().parents[2] / "samples" / "deelnemers-import.csv"
    upload = SimpleUploadedFile(sample.name, sample.read_bytes())
    assert client.post(reverse("participants:import_upload"), {"file": upload}).status_code == 302
    target = reverse("participants:import_preview")
    data = {**form_on(client, target, target), "confirm": "1"}
    assert data.get(idempotency.FIELD_NAME)
    before = Participant.objects.count()

    first = client.post(target, data)
    assert first["Location"] == reverse("participants:caseload")
    imported = Participant.objects.count()
    assert imported > before
    second = client.post(target, data)
    assert second["Location"] == first["Location"] and ALREADY_SENT in shown(second)
    assert Participant.objects.count() == imported


# --- keys: old tabs, errors, other users -------------------------------------------------


def session_data(participant):
    return {"held_on": TODAY, "minutes": "45", "kind": "individual"}


@pytest.mark.django_db
def test_a_post_without_a_key_still_saves(client, world):
    users, objects = world
    client.force_login(users[Role.CONSULTANT])
    target = url("participants:session_create", objects["participant"])
    assert client.post(target, session_data(objects["participant"])).status_code == 302
    assert CoachingSession.objects.count() == 1
    assert not SubmittedForm.objects.exists()


@pytest.mark.django_db
def test_a_form_with_errors_keeps_its_key_for_the_corrected_post(client, world):
    users, objects = world
    client.force_login(users[Role.CONSULTANT])
    target = url("participants:session_create", objects["participant"])
    data = form_on(client, target, target)
    wrong = client.post(target, {**data, "held_on": "2027-12-31", "minutes": "45"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    corrected = client.post(target, {**data, **session_data(objects["participant"])})
    assert corrected.status_code == 302 and ALREADY_SENT not in shown(corrected)
    assert CoachingSession.objects.count() == 1


@pytest.mark.django_db
def test_every_rendering_of_a_form_has_a_new_key_and_a_key_is_bound_to_its_user(client, world):
    users, objects = world
    consultant = users[Role.CONSULTANT]
    client.force_login(consultant)
    target = url("participants:session_create", objects["participant"])
    first, again = form_on(client, target, target), form_on(client, target, target)
    assert first[idempotency.FIELD_NAME] != again[idempotency.FIELD_NAME]
    # The same key under another account does not verify: it is no key there.
    colleague = UserFactory(role=Role.CONSULTANT, municipality=consultant.municipality)
    request = type("Request", (), {"POST": first, "user": colleague, "path": target})()
    assert idempotency.key_from(request) is None
    request.user = consultant
    assert idempotency.key_from(request) is not None


@pytest.mark.django_db
def test_a_key_adds_no_query_to_a_page(django_assert_num_queries, world):
    users, _objects = world
    request = type("Request", (), {"user": users[Role.CONSULTANT]})()
    template = engines["django"].from_string("{% one_time_key %}")
    with django_assert_num_queries(0):
        html = template.render({"request": request})
    assert f'name="{idempotency.FIELD_NAME}"' in html


@pytest.mark.django_db
def test_keys_too_old_to_be_accepted_are_pruned_every_night(world):
    from vakwerk import tasks
    from vakwerk.celery import app

    users, _objects = world
    SubmittedForm.objects.create(user=users[Role.CONSULTANT], key="oud", path="/")
    with time_machine.travel(NOW + datetime.timedelta(days=1)):
        SubmittedForm.objects.create(user=users[Role.CONSULTANT], key="nieuw", path="/")
    with time_machine.travel(NOW + idempotency.KEY_MAX_AGE + datetime.timedelta(hours=1)):
        assert tasks.prune_submitted_forms.delay().get() == 1
    assert list(SubmittedForm.objects.values_list("key", flat=True)) == ["nieuw"]
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "vakwerk.tasks.prune_submitted_forms" in schedule


# --- at the same moment (PostgreSQL) -----------------------------------------------------


def wait_for_lock_waits(count, timeout=20):
    """Until `count` other sessions wait on a lock (here: the unique index of a row this
    test's transaction has inserted and not committed)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.05)
    raise AssertionError(f"{count} requests never waited on the lock")


def post_at_once(posts, hold):
    """Sends the POSTs from threads while this test's transaction holds the row that makes
    them all wait on one unique index (`hold` inserts it); then lets them go by rolling
    back, so they race for real. Returns each thread's response or exception."""
    results = [None] * len(posts)

    def send(index, user, target, data):
        try:
            client = Client()
            client.force_login(user)
            results[index] = client.post(target, data)
        except Exception as error:  # reported by the assertions
            results[index] = error
        finally:
            connections.close_all()

    class Release(Exception):
        pass

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    try:
        with transaction.atomic():
            hold()
            for thread in threads:
                thread.start()
            wait_for_lock_waits(len(posts))
            raise Release
    except Release:
        pass
    finally:
        for thread in threads:
            thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_posts_with_one_key_at_the_same_moment_save_once(world, evidence):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL; run with make test"
    users, objects = world
    consultant = users[Role.CONSULTANT]
    target = url("participants:session_create", objects["participant"])
    client = Client()
    client.force_login(consultant)
    data = {**form_on(client, target, target), **session_data(objects["participant"])}
    key = idempotency.key_from(type("R", (), {"POST": data, "user": consultant, "path": ""})())

    results = post_at_once(
        [(consultant, target, data), (consultant, target, data)],
        hold=lambda: SubmittedForm.objects.create(user=consultant, key=key, path=target),
    )

    assert [getattr(r, "status_code", r) for r in results] == [302, 302], results
    assert results[0]["Location"] == results[1]["Location"]
    assert CoachingSession.objects.count() == 1
    assert SubmittedForm.objects.filter(user=consultant, key=key).count() == 1
    assert sum(ALREADY_SENT in shown(r) for r in results) == 1
    evidence.append("one key POSTed twice at the same moment: one coaching session")


@pytest.mark.django_db(transaction=True)
def test_two_users_proposing_one_candidate_at_the_same_moment_get_one_match(world, evidence):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL; run with make test"
    users, objects = world
    opportunity, participant = objects["opportunity"], objects["participant"]
    target = url("employers:propose", opportunity)
    data = {"participant": str(participant.pk)}

    results = post_at_once(
        [(users[Role.CONSULTANT], target, data), (users[Role.WSP], target, data)],
        hold=lambda: Match.objects.create(opportunity=opportunity, participant=participant),
    )

    assert [getattr(r, "status_code", r) for r in results] == [302, 302], results
    assert Match.objects.filter(opportunity=opportunity, participant=participant).count() == 1
    messages = [m for r in results for m in shown(r)]
    assert sum("is al voorgesteld" in m for m in messages) == 1, messages
    evidence.append("two proposals of one candidate at the same moment: one match, no 500")


@pytest.mark.django_db(transaction=True)
def test_a_unique_create_racing_another_user_answers_with_a_message(world, municipality, caplog):
    """Two managers create a fund of the same name at the same moment: both pass the form's
    uniqueness check, the database refuses the second insert, and that manager is told so
    instead of getting a server error."""
    assert connection.vendor == "postgresql", "row locks need PostgreSQL; run with make test"
    users, _objects = world
    manager = users[Role.MANAGER]
    colleague = UserFactory(role=Role.MANAGER, municipality=municipality)
    target = url("funding:fund_create")
    data = {"name": "Pilot 2027", "kind": "pilot", "starts_on": "2027-01-01"}

    results = post_at_once(
        [(manager, target, data), (colleague, target, data)],
        hold=lambda: FundFactory(municipality=municipality, name="Pilot 2027"),
    )

    assert [getattr(r, "status_code", r) for r in results] == [302, 302], results
    assert Fund.objects.filter(name="Pilot 2027").count() == 1
    messages = [m for r in results for m in shown(r)]
    assert sum("op hetzelfde moment al door een ander verzoek" in m for m in messages) == 1
    # The log names the constraint, never the values the database quotes.
    refused = [r.getMessage() for r in caplog.records if r.name == "vakwerk.idempotency"]
    assert refused == [f"Concurrent create refused on {target} by unique_fund_name"], refused

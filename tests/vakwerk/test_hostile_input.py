"""Hostile input into every form of every role (issue 15, build 3): each page of the URL
conf is opened as every role (and anonymously), every form on it is read as a browser
reads it, and each of its fields in turn gets hostile values while the others keep what
the page filled in. The answer must be a normal page (a form error, a redirect, 403/404),
never a server error, and what was accepted must be plausible in the database.

A form is posted where its `action` points, so forms shown on one page and handled by
another URL (the coaching session on a participant's page) are covered through the page
that shows them. GET forms (filters) get the same values in their query string."""

import datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from employers.selectors import employer_of
from evaluation.dashboards import programme_evaluation
from evaluation.questionnaires import services as questionnaire_services
from evaluation.questionnaires.models import Audience, Invitation, Wave
from evaluation.questionnaires.selectors import hash_token
from evaluation.research.models import ResearchProject
from funding.provisions import services as provision_services
from funding.provisions.models import ProvisionKind
from participants import services as participant_services
from participants.models import CohortMeeting, Participant
from participants.register import services as register_services
from tests.consultants.factories import CompetencyFactory
from tests.employers.factories import (
    ContactLogEntryFactory,
    EmployerContactFactory,
    OpportunityFactory,
)
from tests.funding.factories import funded, requested
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory, UserFactory
from vakwerk.fields import HORIZON_HIGH, HORIZON_LOW, MAX_AMOUNT
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

# Every value goes into all fields of a form at once; each field then gets the values of
# its kind alone, while the others keep what the page filled in (the path to a save).
ALL = ["1e3", "NaN", "Infinity", "-1", "999999999999", "9999-12-31", "1899-01-01",
       "٤٢٠٤٣١٩٧٤", "²³", "x" * 10_000, "\x00", "<script>alert(1)</script>"]  # fmt: skip
# Alone, a field gets the values that may pass its own cleaning and so reach a save; NaN,
# a NUL byte and the like fail there and are covered by the first round.
HOSTILE = {
    "number": ["1e3", "-1", "999999999999", "٤٢٠٤٣١٩٧٤", "²³"],
    "text": ["x" * 10_000],
    "date": ["9999-12-31", "1899-01-01"],
    "datetime": ["9999-12-31T23:59", "1899-01-01T00:00"],
    "choice": ["999999999999"],
}

ROLES = [Role.CONSULTANT, Role.MANAGER, Role.WSP, Role.EMPLOYER, Role.RESEARCHER, Role.ADMIN]
ANONYMOUS = "anonymous"
PROJECT_APPS = {
    "vakwerk",
    "participants",
    "consultants",
    "employers",
    "funding",
    "evaluation",
    "dashboards",
    "questionnaires",
    "reports",
    "research",
    "provisions",
}  # evaluation's parts are apps of their own

# Every named URL of the project, with the arguments that open it on the test's world.
# A URL that shows no form is listed too: nothing new escapes this test unnoticed.
PAGES = {
    "home": {},
    "accessibility_statement": {},
    "login": {},
    "password_change": {},
    "password_reset": {},
    "two_factor_setup": {},
    "two_factor_manage": {},
    "programme_list": {},
    "programme_detail": {"pk": "programme"},
    "user_list": {},
    "user_invite": {},
    "user_edit": {"pk": "consultant"},
    "sso_provider_settings": {},
    "sso_choice": {},
    "user_two_factor_reset": {"pk": "consultant"},
    "audit_list": {},
    "participants:caseload": {},
    "participants:tasks": {},
    "participants:create": {},
    "participants:detail": {"pk": "participant"},
    "participants:edit": {"pk": "participant"},
    "participants:intake": {"pk": "participant"},
    "participants:talent_profile": {"pk": "participant"},
    "participants:network": {"pk": "participant"},
    "participants:training_create": {"pk": "participant"},
    "participants:training_edit": {"pk": "training"},
    "participants:session_create": {"pk": "participant"},
    "participants:outcome": {"pk": "outcome"},
    "participants:cohort_list": {},
    "participants:cohort_create": {},
    "participants:cohort_detail": {"pk": "cohort"},
    "participants:cohort_edit": {"pk": "cohort"},
    "participants:meeting_attendance": {"pk": "meeting"},
    "participants:import_upload": {},
    "participants:subject_access": {},
    "participants:retention_overview": {},
    "benefit_register:snapshots": {},
    "benefit_register:snapshot": {"pk": "register_snapshot"},
    "benefit_register:net_effect": {},
    "consultants:team": {},
    "consultants:my_development": {},
    "consultants:consultant_detail": {"pk": "consultant"},
    "consultants:profile_edit": {"pk": "consultant"},
    "consultants:assessment_create": {"pk": "consultant"},
    "consultants:training_create": {},
    "consultants:intervision_create": {},
    "consultants:competency_list": {},
    "consultants:competency_create": {},
    "consultants:competency_edit": {"pk": "competency"},
    "employers:employer_list": {},
    "employers:opportunity_list": {},
    "employers:employer_create": {},
    "employers:employer_detail": {"pk": "employer"},
    "employers:employer_edit": {"pk": "employer"},
    "employers:contact_create": {"pk": "employer"},
    "employers:contact_edit": {"pk": "employer", "contact_pk": "contact"},
    "employers:contact_log_create": {"pk": "employer"},
    "employers:employer_invite": {"pk": "employer"},
    "employers:opportunity_create": {},
    "employers:opportunity_detail": {"pk": "opportunity"},
    "employers:opportunity_edit": {"pk": "draft"},
    "employers:opportunity_review": {"pk": "submitted"},
    "employers:board": {"pk": "opportunity"},
    "employers:candidate": {"pk": "match"},
    "funding:fund_list": {},
    "funding:fund_create": {},
    "funding:fund_detail": {"pk": "fund"},
    "funding:deposit": {"pk": "fund"},
    "funding:expenditure": {"pk": "fund"},
    "funding:correction": {"entry_pk": "entry"},
    "funding:participant_commitments": {"participant_pk": "participant"},
    "funding:commitment_request": {"participant_pk": "participant"},
    "funding:approval_queue": {},
    "funding:savings": {},
    "funding:assumptions_history": {},
    "funding:replenishment": {"pk": "fund"},
    "provisions:participant": {"pk": "participant"},
    "provisions:edit": {"pk": "provision"},
    "provisions:deliveries": {},
    "provisions:delivery": {"pk": "srg_delivery"},
    "evaluation:dashboard": {},
    "evaluation:dashboard_groups": {},
    "evaluation:research_projects": {},
    "evaluation:stakeholder_list": {"programme": "programme"},
    "evaluation:stakeholder_create": {"programme": "programme"},
    "evaluation:stakeholder_edit": {"programme": "programme", "pk": "stakeholder"},
    "evaluation:evaluation_session_create": {"programme": "programme"},
    "evaluation:evaluation_session_edit": {"programme": "programme", "pk": "evaluation_session"},
    "evaluation:questionnaire_list": {},
    "evaluation:questionnaire_create": {},
    "evaluation:questionnaire_detail": {"pk": "questionnaire"},
    "evaluation:questionnaire_edit": {"pk": "questionnaire"},
    "evaluation:questionnaire_question_create": {"pk": "questionnaire"},
    "evaluation:questionnaire_question_edit": {"pk": "questionnaire", "question": "question"},
    "evaluation:questionnaire_invitations": {"pk": "questionnaire"},
    "evaluation:questionnaire_results": {"pk": "questionnaire"},
    "evaluation:answer": {"token": "token"},
    "evaluation:report_list": {},
    "evaluation:research_project_detail": {"pk": "project"},
    "evaluation:research_export_list": {"pk": "project"},
    "evaluation:research_export_new": {"pk": "project"},
}
# URLs that are no page with a form of their own: POST targets of forms on the pages above
# (covered through those pages), downloads, job status (JSON) and Django's password-reset steps.
NOT_PAGES = {
    "healthz", "logout", "password_change_done", "password_reset_done",
    "password_reset_confirm", "password_reset_complete", "two_factor_verify",
    "two_factor_backup_codes_new",
    "set_language", "audit_export", "participants:bsn_search", "participants:status",
    "participants:ladder",
    "participants:cohort_enrol", "participants:meeting_create", "participants:import_preview",
    "participants:subject_access_json", "participants:subject_access_pdf",
    "employers:contact_delete", "employers:opportunity_submit", "employers:opportunity_withdraw",
    "employers:propose", "employers:move_match", "employers:candidate_pdf",
    "employers:talent_profile_pdf", "funding:ledger_export", "funding:approve",
    "funding:reject", "funding:release", "funding:bond",
    "provisions:delivery_build", "provisions:delivery_download",
    "evaluation:questionnaire_question_delete", "evaluation:questionnaire_question_move",
    "evaluation:questionnaire_texts", "evaluation:questionnaire_comparison",
    "evaluation:report_request", "evaluation:report_detail", "evaluation:report_retry",
    "evaluation:report_download", "evaluation:research_export_retry",
    "evaluation:research_export_download",
    # JSON status of a running job, read by the page's script: no form.
    "evaluation:report_status", "evaluation:research_export_status",
    "provisions:delivery_status",
    # A permanent redirect to the static icon.
    "favicon",
    # A snapshot import's progress and preview: reached only after an upload on
    # benefit_register:snapshots; its forms are buttons (confirm, cancel, try again).
    # Its states are checked with axe in tests/e2e/test_snapshot_import.py.
    "benefit_register:import",
    # Single sign-on: redirects to and from the provider; the provider's edit page is the
    # settings page once one is saved (its hostile input: tests/sso/test_sso_settings.py).
    "sso_start", "sso_callback", "sso_provider_edit",
    # The calendar link's POST targets (forms on consultants:my_development) and the feed
    # itself (iCalendar for calendar clients, no page).
    "consultants:calendar_link_renew", "consultants:calendar_link_revoke",
    "consultants:calendar_feed",
}  # fmt: skip


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_of_the_project_is_a_page_here_or_named_as_no_page():
    assert set(url_names()) - set(PAGES) - NOT_PAGES == set()
    assert not set(PAGES) & NOT_PAGES


# --- the world ---------------------------------------------------------------------------


@pytest.fixture
def world(municipality):
    users = {
        role: UserFactory(role=role, municipality=municipality)
        for role in ROLES
        if role != Role.EMPLOYER
    }
    users[Role.EMPLOYER] = UserFactory(employer_user=True, municipality=municipality)
    consultant, manager = users[Role.CONSULTANT], users[Role.MANAGER]
    programme = ProgrammeFactory(municipality=municipality, end_date=None)
    cohort = CohortFactory(programme=programme, end_date=datetime.date(2026, 12, 18))
    cohort.trainers.add(consultant)
    participant = ParticipantFactory(
        municipality=municipality, consultant=consultant, programme=programme
    )
    participant_services.enrol(consultant, cohort, participant)
    employer = employer_of(users[Role.EMPLOYER])
    employer.account_manager = users[Role.WSP]
    employer.save()
    EmployerContactFactory(employer=employer)
    ContactLogEntryFactory(employer=employer)
    opportunity = OpportunityFactory(employer=employer, status="confirmed")
    from employers.models import Match, MatchStage

    match = Match.objects.create(
        participant=participant, opportunity=opportunity, stage=MatchStage.INTRODUCED
    )
    fund = funded(manager, "100000.00", programme=programme, kind="revolving")
    commitment = requested(consultant, fund, participant)
    questionnaire = questionnaire_services.save_questionnaire(
        manager, programme, title="Nulmeting", audience=Audience.PARTICIPANTS, wave=Wave.BASELINE
    )
    for kind in ("likert", "number", "text"):
        questionnaire_services.save_question(
            manager, questionnaire, text=f"Vraag {kind}", kind=kind
        )
    questionnaire_services.save_question(
        manager, questionnaire, text="Keuze", kind="choice", choices=["Ja", "Nee"]
    )
    Invitation.objects.create(
        questionnaire=questionnaire,
        token_hash=hash_token("hostile-token"),
        email="iemand@post.example",
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    stakeholder = questionnaire_services.save_stakeholder(
        manager, programme, name="Windesheim", kind="education", role="intervention",
        steering_group=True, contact_email="vak@windesheim.example",
    )  # fmt: skip
    evaluation_session = programme_evaluation.save_session(
        manager,
        programme,
        phase="execution",
        held_on=programme.start_date,
        attendees=[stakeholder],
        bottlenecks="Te weinig leerwerkplaatsen",
        actions=[programme_evaluation.ActionInput(description="Leerwerkplaatsen werven")],
    )
    project = ResearchProject.objects.create(
        municipality=municipality,
        name="Effectstudie",
        institution="ROA",
        agreement_reference="ROA-1",
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
    )
    project.programmes.add(programme)
    project.researchers.add(users[Role.RESEARCHER])
    register_row = {"row": 2, "bsn": participant.bsn, "birth_year": 1990, "benefit_type": "WW",
                    "benefit_start": datetime.date(2025, 1, 6)}  # fmt: skip
    provision = provision_services.add_provision(
        consultant,
        participant,
        kind=ProvisionKind.objects.get(key="jobcoaching"),
        start_date=datetime.date(2026, 3, 2),
    )
    srg_delivery = provision_services.build_delivery(
        municipality, datetime.date(2026, 3, 1), today=datetime.date(2026, 4, 2)
    )
    objects = {
        "provision": provision,
        "srg_delivery": srg_delivery,
        "register_snapshot": register_services.import_snapshot(
            manager, datetime.date(2026, 1, 30), [register_row]
        ).snapshot,
        "programme": programme,
        "cohort": cohort,
        "participant": participant,
        "outcome": participant.outcomes.order_by("due_on").first(),
        "meeting": CohortMeeting.objects.create(
            cohort=cohort, held_on=cohort.start_date, topic="Kennismaking"
        ),  # fmt: skip
        "consultant": consultant,
        "competency": CompetencyFactory(municipality=municipality),
        "employer": employer,
        "contact": employer.contacts.first(),
        "opportunity": opportunity,
        "draft": OpportunityFactory(employer=employer, status="draft"),
        "submitted": OpportunityFactory(employer=employer, status="submitted"),
        "match": match,
        "fund": fund,
        "entry": fund.entries.first(),
        "commitment": commitment,
        "questionnaire": questionnaire,
        "question": questionnaire.questions.first(),
        "stakeholder": stakeholder,
        "evaluation_session": evaluation_session,
        "project": project,
        "training": participant_services.add_training(
            consultant,
            participant,
            name="Heftruckcursus",
            provider="ROC Deltion",
            kind="roc",
            start_date=datetime.date(2026, 9, 1),
            result="in_progress",
        ),  # fmt: skip
    }
    return users, objects


# --- reading forms as a browser does --------------------------------------------------------


class FormReader(HTMLParser):
    """The forms of a page: method, action and fields with what a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form, self.select, self.textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = {"method": (a.get("method") or "get").lower(),
                         "action": a.get("action") or "", "fields": {}, "data": {}}  # fmt: skip
            self.forms.append(self.form)
            return
        if self.form is None or not a.get("name"):
            if tag == "option" and self.select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                if kind == "submit":
                    self.form["data"].setdefault(name, a.get("value", ""))
                return
            if kind in ("checkbox", "radio"):
                self.form["fields"].setdefault(name, "choice")
                if "checked" in a:
                    self.form["data"].setdefault(name, a.get("value", "on"))
                return
            numeric = kind == "number" or a.get("inputmode") in ("decimal", "numeric")
            field = {"date": "date", "datetime-local": "datetime", "hidden": "choice"}.get(
                kind, "number" if numeric else "text"
            )
            self.form["fields"][name] = field
            self.form["data"][name] = a.get("value", "")
        elif tag == "select":
            self.form["fields"][name] = "choice"
            self.select = name
        elif tag == "textarea":
            self.form["fields"][name] = "text"
            self.form["data"][name] = ""
            self.textarea = name

    def _option(self, a):
        value = a.get("value", "")
        if "selected" in a or self.select not in self.form["data"]:
            self.form["data"][self.select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form["data"][self.textarea] += data


SKIPPED_ACTIONS = {"logout", "set_language"}
# Forms already attacked in this run, by target and fields: the same form on another page or
# for another role adds time, not coverage.
ATTACKED = set()


def insane_rows():
    """Rows holding what no form should have let through."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            name = field.name
            if isinstance(field, models.DateTimeField):
                continue
            if isinstance(field, models.DateField):
                bad = Q(**{f"{name}__lt": HORIZON_LOW}) | Q(**{f"{name}__gt": HORIZON_HIGH})
            elif isinstance(field, models.DecimalField):
                bad = Q(**{f"{name}__gt": MAX_AMOUNT}) | Q(**{f"{name}__lt": -MAX_AMOUNT})
            else:
                continue
            if model._base_manager.filter(bad).exists():
                found.append(f"{model.__name__}.{name}")
    if Participant.objects.filter(bsn__regex=r"[^0-9]").exists():
        found.append("Participant.bsn with other than ASCII digits")
    return found


def send(client, form, url, data):
    """One request in a savepoint: a database error must not poison the next one."""
    try:
        with transaction.atomic():
            if form["method"] == "post":
                response = client.post(url, data)
            else:
                response = client.get(url, data)
    except Exception as error:  # noqa: BLE001 - any exception is the finding
        return f"{type(error).__name__}: {error}"[:300]
    if response.status_code >= 500:
        return f"status {response.status_code}"
    return None


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(datetime.datetime(2026, 11, 30, 11, 0, tzinfo=datetime.UTC)):
        yield


def app_of(page):
    return page.split(":")[0] if ":" in page else "vakwerk"


def attack_page(client, users, objects, page, failures):
    """Opens `page` as every role and attacks each form on it; the number of forms seen."""
    kwargs = {key: objects[name].pk if name != "token" else "hostile-token"
              for key, name in PAGES[page].items()}  # fmt: skip
    url = reverse(page, kwargs=kwargs)
    seen = 0
    for role in [ANONYMOUS, *ROLES]:
        client.logout()
        if role != ANONYMOUS:
            client.force_login(users[role])
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        reader = FormReader()
        reader.feed(response.content.decode())
        for form in reader.forms:
            target = form["action"] or url
            if not target.startswith("/"):
                continue
            action = resolve(target.split("?")[0]).url_name
            # Without the one-time key every attempt reaches the form: with it, the first
            # saved attempt would turn all later ones into "already sent".
            form["data"].pop("one_time_key", None)
            fields = {
                n: k
                for n, k in form["fields"].items()
                if n not in ("csrfmiddlewaretoken", "one_time_key")
            }
            if action in SKIPPED_ACTIONS or not fields:
                continue
            seen += 1
            key = (action, form["method"], frozenset(fields))
            if key in ATTACKED:
                continue
            ATTACKED.add(key)
            attempts = [{name: value for name in fields} for value in ALL]
            attempts += [{name: value} for name, kind in fields.items() for value in HOSTILE[kind]]
            for changes in attempts:
                problem = send(client, form, target, {**form["data"], **changes})
                if problem:
                    shown = (
                        {n: v[:20] for n, v in changes.items()}
                        if len(changes) == 1
                        else f"all fields = {next(iter(changes.values()))[:20]!r}"
                    )
                    failures.append(f"{role} {target} {shown}: {problem}")
                if role != ANONYMOUS and not client.session.get("_auth_user_id"):
                    client.force_login(users[role])
    return seen


# One test per app: the world is built once for all of its pages.
@pytest.mark.parametrize("app", sorted({app_of(page) for page in PAGES}))
def test_hostile_values_in_every_form_give_errors_never_a_server_error(client, world, app):
    users, objects = world
    failures, formless = [], []
    for page in sorted(p for p in PAGES if app_of(p) == app):
        if not attack_page(client, users, objects, page, failures) and page in FORM_PAGES:
            formless.append(page)
    assert not failures, "\n".join(failures[:30])
    assert not insane_rows(), insane_rows()
    assert not formless, f"no role saw a form on {formless}"


# Pages that must show at least one form to some role: a test that sent nothing proves
# nothing.
FORM_PAGES = {
    "login", "user_invite", "user_edit", "audit_list", "participants:caseload",
    "participants:create", "participants:edit", "participants:detail", "participants:intake",
    "participants:session_create", "participants:outcome", "participants:cohort_create",
    "participants:cohort_edit", "participants:cohort_detail",
    "participants:meeting_attendance", "participants:talent_profile", "participants:network",
    "participants:training_create", "participants:training_edit",
    "consultants:profile_edit", "consultants:assessment_create", "consultants:training_create",
    "consultants:intervision_create", "consultants:competency_create",
    "employers:employer_create", "employers:employer_edit", "employers:contact_create",
    "employers:contact_log_create", "employers:employer_invite",
    "employers:opportunity_create", "employers:opportunity_edit",
    "employers:opportunity_review", "employers:candidate", "funding:fund_create",
    "funding:deposit", "funding:expenditure", "funding:correction",
    "funding:commitment_request", "funding:savings", "evaluation:dashboard",
    "evaluation:stakeholder_create", "evaluation:evaluation_session_create",
    "evaluation:evaluation_session_edit", "evaluation:questionnaire_create",
    "evaluation:questionnaire_edit", "evaluation:questionnaire_question_create",
    "evaluation:questionnaire_invitations", "evaluation:answer", "evaluation:report_list",
    "evaluation:research_export_new",
}  # fmt: skip


def test_a_stored_value_check_finds_what_it_looks_for(world):
    # The database check above must be able to fail: a birth date of 1899 is insane.
    _users, objects = world
    Participant.objects.filter(pk=objects["participant"].pk).update(
        birth_date=datetime.date(1899, 1, 1), monthly_benefit=Decimal("1000.00")
    )
    assert insane_rows() == ["Participant.birth_date"]

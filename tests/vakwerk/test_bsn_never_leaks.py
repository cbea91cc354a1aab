"""The BSN is shown in exactly one place, the participant's edit form, and never in a log
line, an error report, a URL or any other page."""

import datetime
import fnmatch
import logging
import sys

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

from consultants import reminders
from consultants.models import Competency
from employers.models import Employer, EmployerContact, Match, Opportunity
from evaluation.dashboards.models import EvaluationSession
from evaluation.questionnaires.models import Question, Questionnaire, Stakeholder
from evaluation.reports.models import Report
from evaluation.research.models import ResearchExport, ResearchProject
from funding.models import Commitment, Fund, LedgerEntry
from funding.provisions import services as provision_services
from funding.provisions.models import ProvisionKind, SrgDelivery
from participants.models import (
    Cohort,
    CohortMeeting,
    OutcomeMeasurement,
    Participant,
    Training,
)
from participants.register import services as register_services
from vakwerk.bsn import is_valid_bsn, mask_bsn
from vakwerk.logging import MaskBSNFilter, SafeExceptionReporterFilter
from vakwerk.models import Municipality, Programme, User
from vakwerk.roles import Role
from vakwerk.sso.models import IdentityProvider

BSN = "111222333"
OLD_BSN = "11222335"  # eight digits: a BSN written without its leading zero


def log_record(msg, *args):
    return logging.LogRecord("vakwerk", logging.INFO, __file__, 1, msg, args, None)


# Log lines


def test_the_log_filter_masks_a_bsn_in_the_message_and_in_the_arguments():
    in_message = log_record(f"BSN {BSN} not found")
    in_args = log_record("BSN %s, old BSN %d, row %d", BSN, int(OLD_BSN), 7)
    for record in (in_message, in_args):
        assert MaskBSNFilter().filter(record) is True
    assert in_message.getMessage() == "BSN *****2333 not found"
    assert in_args.getMessage() == "BSN *****2333, old BSN *****2335, row 7"
    assert BSN not in repr(in_args.args) and OLD_BSN not in repr(in_args.args)


@pytest.mark.parametrize(
    "text",
    [
        "123456789",  # nine digits failing the 11-proef
        "row 12345678 of the import",  # eight digits failing it
        "call 0612345678 or +31 6 12345678 or 038-4982911",
        "1234567890 is ten digits, 1112223330 too",
        "postcode 8011 AB, amount 14783.00, KvK 23456780",
    ],
)
def test_the_log_filter_leaves_other_numbers_alone(text):
    assert not any(is_valid_bsn(word.strip(",")) for word in text.split())
    record = log_record(text)
    MaskBSNFilter().filter(record)
    assert record.getMessage() == text


def test_the_log_filter_masks_the_traceback_and_survives_a_broken_format():
    try:
        raise ValueError(f"duplicate key (municipality_id, bsn)=(1, {BSN})")
    except ValueError:
        record = logging.LogRecord("vakwerk", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    MaskBSNFilter().filter(record)
    assert BSN not in record.exc_text and "*****2333" in record.exc_text
    broken = log_record("%d", "not a number")
    assert MaskBSNFilter().filter(broken) is True


def test_every_log_handler_masks_bsns():
    config = settings.LOGGING
    assert config["filters"]["mask_bsn"]["()"] == "vakwerk.logging.MaskBSNFilter"
    for name, handler in config["handlers"].items():
        assert "mask_bsn" in handler.get("filters", []), name
    for handler in logging.getLogger().handlers:
        if handler.__class__.__module__.startswith("_pytest"):
            continue
        assert any(isinstance(f, MaskBSNFilter) for f in handler.filters), handler


def test_a_log_line_through_the_vakwerk_logger_shows_no_bsn(caplog):
    logger = logging.getLogger("vakwerk")
    with caplog.at_level(logging.INFO):
        logger.warning("Import refused BSN %s in row %d", BSN, 3)
        try:
            raise RuntimeError(f"participant {BSN} exists")
        except RuntimeError:
            logger.exception("Import failed")
    assert len(caplog.records) == 2
    assert BSN not in caplog.text
    assert "Import refused BSN *****2333 in row 3" in caplog.text
    assert "participant *****2333 exists" in caplog.text


# Error reports


def test_error_reports_hide_bsn_post_fields_and_variables(rf):
    assert isinstance(get_default_exception_reporter_filter(), SafeExceptionReporterFilter)
    request = rf.post(
        "/participants/new/", {"bsn": BSN, "last_name": "Jansen", "note": f"oud nr {OLD_BSN}"}
    )
    try:
        bsn = BSN  # noqa: F841  (a variable named like the BSN is hidden entirely)
        number = BSN  # noqa: F841  (any other variable holding one is masked)
        cleaned = {"last_name": "Jansen", "burgerservicenummer": int(BSN)}  # noqa: F841
        raise ValueError("the service refused the participant")
    except ValueError:
        reporter = ExceptionReporter(request, *sys.exc_info())

    post = dict(reporter.filter.get_post_parameters(request).items())
    assert post["bsn"] == reporter.filter.cleansed_substitute
    assert post["note"] == "oud nr *****2335"
    assert post["last_name"] == "Jansen"
    html, text = reporter.get_traceback_html(), reporter.get_traceback_text()
    for report in (html, text):
        assert BSN not in report and OLD_BSN not in report
    frame_vars = dict(reporter.get_traceback_data()["frames"][-1]["vars"])
    assert frame_vars["bsn"] == repr(reporter.filter.cleansed_substitute)
    assert frame_vars["number"] == "'*****2333'"
    assert "*****2333" in frame_vars["cleaned"] and "Jansen" in frame_vars["cleaned"]


# Every page, as every role

VIEWER_ROLES = [
    Role.CONSULTANT,
    Role.MANAGER,
    Role.WSP,
    Role.EMPLOYER,
    Role.RESEARCHER,
    Role.ADMIN,
]
SKIPPED_NAMES = {"set_language", "logout"}
ALLOWED_STATUS = {200, 301, 302, 403, 404, 405}
# The one page that shows the BSN, and to whom.
BSN_PAGE, BSN_ROLES = "participants:edit", {Role.CONSULTANT, Role.MANAGER}
# The one export that carries BSNs (CBS requires them), to the municipality's admin only.
SRG_FILE = "provisions:delivery_download"
# Which sample object fills a URL's path parameters, by URL name; the first rule that
# matches wins. A URL whose parameters no rule fills fails the test: add a rule, so that
# no new page goes unchecked. A rule that fills the wrong kind of object shows up as a
# page that answers 404 to everyone, which fails too.
SAMPLES = [
    ("benefit_register:*", {"pk": "register_snapshot"}),
    ("provisions:participant", {"pk": "participant"}),
    ("provisions:edit", {"pk": "provision"}),
    ("provisions:delivery*", {"pk": "srg_delivery"}),
    ("participants:outcome", {"pk": "outcome"}),
    ("participants:training_edit", {"pk": "training"}),
    ("participants:cohort_*", {"pk": "cohort"}),
    ("participants:meeting_create", {"pk": "cohort"}),
    ("participants:meeting_*", {"pk": "meeting"}),
    ("participants:*", {"pk": "participant"}),
    ("consultants:competency_*", {"pk": "competency"}),
    ("consultants:calendar_feed", {"token": "calendar_token"}),
    ("consultants:*", {"pk": "consultant"}),
    ("employers:opportunity_*", {"pk": "opportunity"}),
    ("employers:board", {"pk": "opportunity"}),
    ("employers:propose", {"pk": "opportunity"}),
    ("employers:candidate*", {"pk": "match"}),
    ("employers:move_match", {"pk": "match"}),
    ("employers:talent_profile_pdf", {"participant_pk": "participant"}),
    ("employers:contact_*", {"pk": "employer", "contact_pk": "contact"}),
    ("employers:*", {"pk": "employer"}),
    ("funding:bond", {"pk": "bond_fund"}),
    ("funding:replenishment", {"pk": "revolving_fund"}),
    (
        "funding:*",
        {
            "pk": "fund",
            "participant_pk": "participant",
            "commitment_pk": "commitment",
            "entry_pk": "ledger_entry",
            "fmt": "fmt",
        },
    ),
    ("evaluation:evaluation_session_*", {"programme": "programme", "pk": "evaluation_session"}),
    ("evaluation:stakeholder_*", {"programme": "programme", "pk": "stakeholder"}),
    ("evaluation:questionnaire_*", {"pk": "questionnaire", "question": "question"}),
    ("evaluation:answer", {"token": "token"}),
    ("evaluation:research_*", {"pk": "research_project", "export_pk": "research_export"}),
    ("evaluation:report_*", {"pk": "report"}),
    ("evaluation:*", {"pk": "programme"}),
    ("programme_*", {"pk": "programme"}),
    ("user_*", {"pk": "user"}),
    ("password_reset_confirm", {"uidb64": "uidb64", "token": "token"}),
    ("sso_start", {"cbs_code": "cbs_code"}),
    ("sso_provider_edit", {"pk": "identity_provider"}),
]


def walk(patterns, namespace="", prefix="", params=()):
    """(name with namespaces, route, path parameter names) of every URL pattern."""
    for entry in patterns:
        route = prefix + str(entry.pattern).lstrip("^")
        names = (*params, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner, route, names)
        else:
            yield (f"{namespace}{entry.name}" if entry.name else None), route, names


def app_patterns():
    skipped = tuple(
        prefix.lstrip("/")
        for prefix in (settings.ADMIN_URL, settings.STATIC_URL, settings.MEDIA_URL)
        if prefix
    )
    for name, route, params in walk(get_resolver().url_patterns):
        if not route.startswith(skipped) and name not in SKIPPED_NAMES:
            yield name, route, params


def sample_values(zwolle):
    consultant = User.objects.get(email="consultant@zwolle.example")
    participant = (
        Participant.objects.filter(municipality=zwolle, consultant=consultant)
        .filter(outcomes__isnull=False, enrolments__isnull=False)
        .order_by("pk")
        .first()
    )
    cohort = Cohort.objects.filter(enrolments__participant=participant).first()
    programme = Programme.objects.filter(municipality=zwolle, evaluation_sessions__isnull=False)
    programme = programme.distinct().first()
    # The register holds every demo participant of Zwolle: its pages must not show a BSN.
    register_rows = [
        {"row": number, "bsn": bsn, "birth_year": 1980, "benefit_type": "Bijstand",
         "benefit_start": datetime.date(2024, 1, 1)}
        for number, bsn in enumerate(
            Participant.objects.filter(municipality=zwolle, bsn__isnull=False).values_list(
                "bsn", flat=True
            ),
            2,
        )
    ]  # fmt: skip
    manager = User.objects.get(email="manager@zwolle.example")
    snapshot = register_services.import_snapshot(
        manager, timezone.localdate() - datetime.timedelta(days=1), register_rows
    ).snapshot
    values = {
        "register_snapshot": snapshot.pk,
        "provision": provision_services.add_provision(
            consultant,
            participant,
            kind=ProvisionKind.objects.get(key="jobcoaching"),
            start_date=timezone.localdate() - datetime.timedelta(days=30),
        ).pk,
        "srg_delivery": SrgDelivery.objects.filter(municipality=zwolle).order_by("pk").first().pk,
        "participant": participant.pk,
        "outcome": OutcomeMeasurement.objects.filter(participant=participant).first().pk,
        "cohort": cohort.pk,
        "meeting": CohortMeeting.objects.filter(cohort=cohort).first().pk,
        "consultant": consultant.pk,
        "competency": Competency.objects.filter(municipality=zwolle).first().pk,
        "employer": Employer.objects.filter(municipality=zwolle).first().pk,
        "opportunity": Opportunity.objects.filter(employer__municipality=zwolle).first().pk,
        "programme": programme.pk,
        "evaluation_session": EvaluationSession.objects.filter(programme=programme).first().pk,
        "training": Training.objects.filter(participant__consultant=consultant).first().pk,
        "user": consultant.pk,
        "uidb64": urlsafe_base64_encode(force_bytes(consultant.pk)),
        "token": default_token_generator.make_token(consultant),
        # The demo consultant's calendar feed, read like every page (it needs no session).
        "calendar_token": reminders.renew_calendar_token(consultant),
        # Zwolle's identity provider (single sign-on); its endpoints are never called here.
        "cbs_code": zwolle.cbs_code,
        "identity_provider": IdentityProvider.objects.create(
            municipality=zwolle,
            issuer="https://login.zwolle.example/realms/vakwerk",
            client_id="vakwerk",
            client_secret="not-shown",
            authorization_endpoint="https://login.zwolle.example/auth",
            token_endpoint="https://login.zwolle.example/token",
            jwks_uri="https://login.zwolle.example/jwks",
        ).pk,
        "match": Match.objects.filter(
            opportunity__employer__memberships__user__email="employer@zwolle.example",
            stage="interview",
        )
        .first()
        .pk,
        "contact": EmployerContact.objects.filter(employer__municipality=zwolle)
        .order_by("employer_id", "pk")
        .first()
        .pk,
        "fund": Fund.objects.filter(municipality=zwolle).order_by("pk").first().pk,
        "bond_fund": Fund.objects.get(municipality=zwolle, kind="sib").pk,
        "revolving_fund": Fund.objects.get(municipality=zwolle, kind="revolving").pk,
        "commitment": Commitment.objects.filter(fund__municipality=zwolle).first().pk,
        "ledger_entry": LedgerEntry.objects.filter(fund__municipality=zwolle).first().pk,
        "fmt": "csv",
        "stakeholder": Stakeholder.objects.filter(programme__municipality=zwolle).first().pk,
        "questionnaire": Questionnaire.objects.filter(programme__municipality=zwolle).first().pk,
        "question": Question.objects.filter(questionnaire__programme__municipality=zwolle)
        .first()
        .pk,
        "research_project": ResearchProject.objects.filter(municipality=zwolle).first().pk,
        "research_export": ResearchExport.objects.filter(project__municipality=zwolle)
        .values_list("pk", flat=True)
        .first(),
        "report": Report.objects.filter(programme__municipality=zwolle)
        .values_list("pk", flat=True)
        .first(),
    }
    return participant, values


def fill(name, params, values):
    """The URL's keyword arguments, or None when no rule of SAMPLES fills them."""
    if not params:
        return {}
    rule = next((kinds for glob, kinds in SAMPLES if fnmatch.fnmatchcase(name, glob)), None)
    if rule is None or not set(params) <= set(rule):
        return None
    return {param: values[rule[param]] for param in params}


def body(response):
    # The test client closes the response itself (closing it again here would close the
    # test's database connection).
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content + response.get("Location", "").encode()


def bsn_forms():
    """Every participant's BSN as it could appear on a page, with the participant's pk:
    also without its leading zero, the way a number would print."""
    forms = {}
    for pk, bsn in Participant.objects.values_list("pk", "bsn"):
        if bsn is None:
            continue
        forms[bsn] = pk
        if bsn.startswith("0"):
            forms[bsn[1:]] = pk
    return forms


@pytest.mark.django_db
def test_no_page_shows_a_bsn_except_the_edit_form_to_staff(caplog, evidence, demo):
    zwolle = Municipality.objects.get(name="Demo Zwolle")
    participant, values = sample_values(zwolle)
    bsns = bsn_forms()

    urls, unfilled = [], []
    for name, route, params in app_patterns():
        assert not any("bsn" in param.lower() for param in params), f"{route}: BSN in a URL"
        kwargs = fill(name, params, values) if name else None
        if kwargs is None:
            unfilled.append(f"{name or '(unnamed)'} at /{route} with {params}")
            continue
        url = reverse(name, kwargs=kwargs)
        urls.append((name, url, bool(params)))
        assert not [b for b in bsns if b in url], f"{name}: {url} holds a BSN"
        if kwargs.get("pk") == participant.pk and name.startswith("participants:"):
            assert f"/{participant.pk}/" in url or f"/{participant.pk}." in url, url
    assert not unfilled, "no sample object for these URLs; add them to SAMPLES:\n" + "\n".join(
        unfilled
    )

    viewers = [(role.value, User.objects.get(email=f"{role.value}@zwolle.example"))
               for role in VIEWER_ROLES]  # fmt: skip
    viewers += [
        ("kampen manager", User.objects.get(email="manager@kampen.example")),
        ("anonymous", None),
    ]
    leaks, bad_status, found_on_edit_form, srg_file_has_bsns = [], [], False, False
    answered = {name: set() for name, _url, has_params in urls if has_params}
    with caplog.at_level(logging.INFO):
        for label, viewer in viewers:
            client = Client()
            if viewer is not None:
                client.force_login(viewer)
            for name, url, has_params in urls:
                response = client.get(url)
                content = body(response)
                if response.status_code not in ALLOWED_STATUS:
                    bad_status.append(f"{name} ({url}) as {label}: {response.status_code}")
                if has_params and viewer is not None and viewer.municipality_id == zwolle.pk:
                    answered[name].add(response.status_code)
                allowed = set()
                if (
                    name == BSN_PAGE
                    and viewer is not None
                    and viewer.role in BSN_ROLES
                    and viewer.municipality_id == participant.municipality_id
                ):
                    allowed = {participant.bsn}
                    if viewer == participant.consultant:
                        assert response.status_code == 200
                        found_on_edit_form = participant.bsn.encode() in content
                if (
                    name == SRG_FILE
                    and viewer is not None
                    and viewer.role == Role.ADMIN
                    and viewer.municipality_id == zwolle.pk
                ):
                    assert response.status_code == 200
                    allowed = set(bsns)
                    srg_file_has_bsns = any(b.encode() in content for b in bsns)
                for shown, owner in bsns.items():
                    if shown not in allowed and shown.encode() in content:
                        leaks.append(
                            f"{name} ({url}) as {label}: BSN {mask_bsn(shown)} "
                            f"of participant {owner}"
                        )
    assert found_on_edit_form, "the consultant's edit form does not show the BSN"
    assert srg_file_has_bsns, "the admin's SRG file carries no BSN"
    assert not bad_status, "unexpected status:\n" + "\n".join(bad_status)
    only_404 = sorted(name for name, statuses in answered.items() if statuses == {404})
    assert not only_404, f"404 for every role: wrong sample object in SAMPLES? {only_404}"
    assert not leaks, "BSN shown on a page:\n" + "\n".join(sorted(set(leaks)))
    assert not [b for b in bsns if b in caplog.text], "BSN in a log line"
    evidence.append(
        f"BSN check: {len(urls)} URLs as {len(viewers)} users, {len(bsns)} BSNs, no leak"
    )

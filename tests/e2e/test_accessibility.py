"""axe-core over every page of every role (issue 17, build 1).

Each demo role of Zwolle (and an anonymous visitor) opens every page of the URL conf that
it may open, resolved against the demo's own data, and the first detail page behind every
list; the PDFs' HTML is audited too. axe-core (shipped by axe-playwright-python) checks
each page at every width of ``vakwerk.accessibility.AUDIT_WIDTHS`` against
``AXE_TAGS``; any violation not in ``AXE_EXCEPTIONS`` fails, named by page, width, rule
and element, so that a developer can find it.

One test per role, so that pytest-xdist spreads the walk over the cores. Per role one
browser page is logged in once; each URL is loaded once, axe is injected once and run at
every width by resizing the viewport (the CSS media queries apply again, the page is not
reloaded)."""

import datetime
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation

from consultants.models import Competency
from employers import matching_views
from employers.models import Employer, EmployerContact, Match, Opportunity
from evaluation import reports
from evaluation.models import (
    EvaluationSession,
    Invitation,
    Question,
    Questionnaire,
    Report,
    ReportKind,
    ResearchProject,
    Stakeholder,
)
from evaluation.questionnaires import hash_token
from funding.models import Commitment, Fund, LedgerEntry
from participants.models import Cohort, CohortMeeting, OutcomeMeasurement, Participant
from tests.vakwerk.test_hostile_input import PAGES
from vakwerk.accessibility import AUDIT_WIDTHS, AXE_EXCEPTIONS, AXE_EXTRA_RULES, AXE_TAGS
from vakwerk.models import Programme, User
from vakwerk.roles import Role
from vakwerk.theme import text_colour_on_white

ANONYMOUS = "anonymous"
ROLES = [*Role, ANONYMOUS]
DOMAIN = "zwolle.example"
TOKEN = "toegankelijkheid-test-token"

# HTML pages that the hostile-input walk leaves out because they show no form of their own.
MORE_PAGES = {
    "password_change_done": {},
    "password_reset_done": {},
    "password_reset_complete": {},
    "evaluation:questionnaire_comparison": {"pk": "questionnaire"},
    "evaluation:report_detail": {"pk": "report"},
}
# Downloads, JSON and steps that act on a GET: never followed from a list.
NOT_AUDITED = {
    "logout",
    "set_language",
    "healthz",
    "audit_export",
    "two_factor_verify",
}
# Height of the viewport at each width: a common desktop and a common phone.
HEIGHTS = {1280: 800, 390: 844}


def demo_objects(user):
    """The primary key for each name in PAGES, taken from the demo data this user sees."""
    if user is None:
        return {"token": TOKEN}
    municipality = user.municipality
    programme = Programme.objects.filter(municipality=municipality).order_by("pk").first()
    consultant = User.objects.get(email=f"consultant@{DOMAIN}")
    participant = (
        Participant.objects.filter(consultant=consultant, outcomes__isnull=False)
        .order_by("pk")
        .first()
    )
    employer = user.employer or Employer.objects.filter(municipality=municipality).first()
    opportunities = Opportunity.objects.filter(employer__municipality=municipality)
    if user.employer_id:
        opportunities = opportunities.filter(employer=user.employer)
    fund = Fund.objects.filter(programme=programme).order_by("pk").first()
    questionnaire = (
        Questionnaire.objects.filter(programme=programme, questions__isnull=False)
        .order_by("pk")
        .first()
    )
    cohort = Cohort.objects.filter(programme=programme, meetings__isnull=False).first()
    found = {
        "programme": programme,
        "cohort": cohort,
        "participant": participant,
        "outcome": OutcomeMeasurement.objects.filter(participant=participant).first(),
        "meeting": CohortMeeting.objects.filter(cohort=cohort).first(),
        "consultant": consultant,
        "competency": Competency.objects.filter(municipality=municipality).first(),
        "employer": employer,
        "contact": EmployerContact.objects.filter(employer=employer).first(),
        "opportunity": opportunities.filter(status="confirmed").first(),
        "draft": opportunities.filter(status="draft").first(),
        "submitted": opportunities.filter(status="submitted").first(),
        "match": Match.objects.filter(opportunity__in=opportunities).first(),
        "fund": fund,
        "entry": LedgerEntry.objects.filter(fund=fund).first(),
        "commitment": Commitment.objects.filter(fund=fund).first(),
        "questionnaire": questionnaire,
        "question": Question.objects.filter(questionnaire=questionnaire).first(),
        "stakeholder": Stakeholder.objects.filter(programme=programme).first(),
        "evaluation_session": EvaluationSession.objects.filter(programme=programme).first(),
        "project": ResearchProject.objects.filter(municipality=municipality).first(),
        "report": Report.objects.filter(programme=programme).order_by("pk").first(),
        "token": TOKEN,
    }
    return {name: found.pk if hasattr(found, "pk") else found for name, found in found.items()}


def page_urls(objects):
    """(url name, path) of every page whose arguments the demo data can fill."""
    urls = []
    for name, arguments in {**PAGES, **MORE_PAGES}.items():
        kwargs = {key: objects.get(value) for key, value in arguments.items()}
        if None in kwargs.values():
            continue
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


def excepted(rule, page_name):
    return any(
        entry["rule"] == rule and entry["page"] in ("*", page_name) for entry in AXE_EXCEPTIONS
    )


def view_name(path):
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


class Walk:
    """Audits pages in one browser page, collecting what axe finds."""

    def __init__(self, page, axe):
        self.page, self.axe = page, axe
        self.findings, self.counts, self.audits = [], Counter(), 0

    def audit(self, label, widths=AUDIT_WIDTHS):
        self.page.evaluate(self.axe.axe_script)
        for width in widths:
            self.page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 800)})
            results = self.page.evaluate(
                "options => axe.run(document, options)",
                {
                    "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
                    "rules": {rule: {"enabled": True} for rule in AXE_EXTRA_RULES},
                    "resultTypes": [],
                },
            )
            self.audits += 1
            for violation in results["violations"]:
                self.counts[violation["id"]] += len(violation["nodes"])
                if excepted(violation["id"], label.split(" ")[0]):
                    continue
                for node in violation["nodes"]:
                    self.findings.append(
                        f"{label} @ {width}px: {violation['id']} ({violation['impact']}) "
                        f"at {' '.join(str(t) for t in node['target'])}: "
                        f"{node['failureSummary'].splitlines()[-1].strip()} "
                        f"| {node['html'][:160]}"
                    )

    def open_and_audit(self, base, name, path):
        """Audits the page if this role may open it; the page's links for further pages."""
        response = self.page.goto(base + path)
        if response is None or response.status != 200:
            return False
        if urlsplit(self.page.url).path != urlsplit(path).path:
            return False  # redirected: not this role's page
        if "html" not in (response.headers.get("content-type") or ""):
            return False
        self.audit(f"{name} {path}")
        return True

    def first_links_of_lists(self):
        """The first link in the body of every table on the page."""
        return self.page.eval_on_selector_all(
            "main table tbody",
            """bodies => bodies.map(body => {
                const link = body.querySelector('a[href]');
                return link ? link.getAttribute('href') : null;
            }).filter(Boolean)""",
        )


def pdf_html():
    """The HTML of the PDF documents as WeasyPrint receives it: both reports of Zwolle and
    a talent profile."""
    documents = []
    programme = Programme.objects.get(name="VAK Zwolle")
    for kind in (ReportKind.MONITORING, ReportKind.SAVINGS):
        report = Report.objects.filter(programme=programme, kind=kind).first() or Report(
            programme=programme,
            kind=kind,
            requested_by=User.objects.get(email=f"manager@{DOMAIN}"),
            requested_at=timezone.now(),
        )
        with translation.override("nl"):
            html = render_to_string(reports.TEMPLATES[kind], reports.CONTEXTS[kind](report))
        documents.append((f"pdf:{kind}", html))
    participant = Participant.objects.filter(
        programme=programme, talent_profile__isnull=False
    ).first()
    with translation.override("nl"):
        html = render_to_string(
            "employers/talent_profile_pdf.html",
            {
                "name": str(participant),
                "profile": participant.talent_profile,
                "certificates": matching_views._certificate_labels(participant),
                "consents": participant,
                "municipality": programme.municipality,
                "colour": text_colour_on_white(programme.municipality.colour),
                "today": timezone.localdate(),
                "page_counter": matching_views._page_counter_css(),
            },
        )
    documents.append(("pdf:talent_profile", html))
    return documents


@pytest.mark.e2e
@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_at_every_width(live_server, browser, role, evidence):
    started = time.monotonic()
    user = None if role == ANONYMOUS else User.objects.get(email=f"{role}@{DOMAIN}")
    if role == ANONYMOUS:
        questionnaire = Questionnaire.objects.filter(questions__isnull=False).first()
        Invitation.objects.create(
            questionnaire=questionnaire,
            token_hash=hash_token(TOKEN),
            email="iemand@post.example",
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
    objects = demo_objects(user)
    documents = pdf_html() if role == Role.MANAGER else []

    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    base = live_server.url
    if user is not None:
        page.goto(f"{base}/account/login/")
        page.get_by_label("E-mailadres").fill(user.email)
        page.get_by_label("Wachtwoord").fill("vakwerk-demo")
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state()
    walk = Walk(page, Axe())
    seen = set()
    for name, path in page_urls(objects):
        if name == "login" and user is not None:
            continue
        seen.add(path)
        if not walk.open_and_audit(base, name, path) or PAGES.get(name, MORE_PAGES.get(name)):
            continue
        # A list page: the first row of each of its tables leads to a page with real data.
        for href in walk.first_links_of_lists():
            path = urlsplit(href).path
            followed = view_name(path)
            if not href.startswith("/") or path in seen or followed in (None, *NOT_AUDITED):
                continue
            seen.add(path)
            walk.open_and_audit(base, f"{followed}(from {name})", path)
    for label, html in documents:
        page.set_content(html)
        walk.audit(label)
    context.close()

    seconds = time.monotonic() - started
    evidence.append(
        f"axe {role}: {walk.audits} page audits in {seconds:.0f} s; "
        f"violations by rule: {dict(walk.counts) or 'none'}"
    )
    assert walk.audits > 0
    assert not walk.findings, f"{len(walk.findings)} axe violations:\n" + "\n".join(walk.findings)

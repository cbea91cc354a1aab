"""axe-core over every page of every role (issue 17, build 1).

Each demo role of Zwolle (an anonymous visitor and Kampen's consultant too) opens every page
of the URL conf that it may open, resolved against the demo's own data, and the first detail
page behind every list; the PDFs' HTML is audited too. axe-core (shipped by
axe-playwright-python) checks each page at every width of
``vakwerk.accessibility.AUDIT_WIDTHS`` against ``AXE_TAGS`` and ``AXE_EXTRA_RULES``; any
violation not in ``AXE_EXCEPTIONS`` fails, named by page, width, rule and element, so that
a developer can find it.

One test per role, so that pytest-xdist spreads the walk over the cores; the demo is seeded
once per worker for all of them. Per role one browser page is logged in once; each URL is
loaded once, axe is injected once and run at every width by resizing the viewport (the CSS
media queries apply again, the page is not reloaded)."""

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
from employers.selectors import employer_of
from evaluation.dashboards.models import EvaluationSession
from evaluation.questionnaires.models import Invitation, Question, Questionnaire, Stakeholder
from evaluation.questionnaires.selectors import hash_token
from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from evaluation.research.models import ResearchProject
from funding.models import Commitment, Fund, LedgerEntry
from funding.provisions.models import Provision, SrgDelivery
from participants.models import Cohort, CohortMeeting, OutcomeMeasurement, Participant
from tests.demo_database import demo_copy
from tests.e2e.conftest import launched_chromium
from tests.vakwerk.test_hostile_input import PAGES
from vakwerk.accessibility import AUDIT_WIDTHS, AXE_EXCEPTIONS, AXE_EXTRA_RULES, AXE_TAGS
from vakwerk.models import Programme, User
from vakwerk.roles import Role
from vakwerk.theme import text_colour_on_white

ANONYMOUS = "anonymous"
DOMAIN = "zwolle.example"
# Every role of Zwolle; Kampen's consultant too, for the other colour and programme phase.
# Longest walk first, so that pytest-xdist starts it early and the cores finish together.
WALKERS = [
    (Role.MANAGER, DOMAIN),
    (Role.CONSULTANT, DOMAIN),
    (Role.CONSULTANT, "kampen.example"),
    (Role.ADMIN, DOMAIN),
    (Role.WSP, DOMAIN),
    (Role.EMPLOYER, DOMAIN),
    (Role.RESEARCHER, DOMAIN),
    (ANONYMOUS, DOMAIN),
]
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
# A page each walker must have audited: a walk that stops at the login page fails.
MUST_AUDIT = {
    Role.CONSULTANT: {"participants:caseload", "participants:detail"},
    Role.MANAGER: {"evaluation:dashboard", "evaluation:questionnaire_results", "pdf:savings"},
    Role.WSP: {"employers:employer_list", "employers:employer_detail"},
    Role.EMPLOYER: {"employers:opportunity_list", "employers:opportunity_detail"},
    Role.RESEARCHER: {"evaluation:research_projects", "evaluation:research_export_list"},
    Role.ADMIN: {"user_list", "user_edit"},
    ANONYMOUS: {"login", "password_reset", "evaluation:answer", "accessibility_statement"},
}
# Height of the viewport at each width: a common desktop and a common phone.
HEIGHTS = {1280: 800, 390: 844}


# The WCAG rules and the extra rules, every failing element named. axe files a header cell
# without text as "needs review" (incomplete), not as a violation: for the extra rules a
# second, cheap run over those rules alone counts what needs review as failing too.
AXE_OPTIONS = {
    "main": {
        "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
        "rules": {rule: {"enabled": True} for rule in AXE_EXTRA_RULES},
        "resultTypes": ["violations"],
    },
    "review": {
        "runOnly": {"type": "rule", "values": list(AXE_EXTRA_RULES)},
        "resultTypes": ["incomplete"],
    },
}
RUN_AXE = """async options => {
    const main = await axe.run(document, options.main);
    const review = await axe.run(document, options.review);
    return main.violations.concat(review.incomplete);
}"""


NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def demo_objects(user):
    """The primary key for each name in PAGES, taken from the demo data this user sees."""
    if user is None:
        return {"token": TOKEN}
    municipality = user.municipality
    programme = Programme.objects.filter(municipality=municipality).order_by("pk").first()
    domain = user.email.split("@")[1]
    consultant = User.objects.get(email=f"consultant@{domain}")
    participant = (
        Participant.objects.filter(consultant=consultant, outcomes__isnull=False)
        .order_by("pk")
        .first()
    )
    own = employer_of(user)
    employer = own or Employer.objects.filter(municipality=municipality).first()
    opportunities = Opportunity.objects.filter(employer__municipality=municipality)
    if own:
        opportunities = opportunities.filter(employer=own)
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
        "provision": Provision.objects.filter(municipality=municipality, source="manual")
        .order_by("pk")
        .first(),
        "srg_delivery": SrgDelivery.objects.filter(municipality=municipality).first(),
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
        self.findings, self.counts, self.audits, self.names = [], Counter(), 0, set()
        self.timing = Counter()

    def audit(self, label, widths=AUDIT_WIDTHS):
        self.names.add(label.split(" ")[0])
        self.page.evaluate(self.axe.axe_script)
        for width in widths:
            self.page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 800)})
            # Scripts that follow the size (ResizeObserver) act in the next frames, as a
            # user who turns a phone sees it.
            self.page.evaluate(NEXT_FRAMES)
            t0 = time.monotonic()
            found = self.page.evaluate(RUN_AXE, AXE_OPTIONS)
            self.timing["axe"] += time.monotonic() - t0
            self.audits += 1
            for violation in found:
                self.counts[violation["id"]] += len(violation["nodes"])
                if excepted(violation["id"], label.split(" ")[0]):
                    continue
                for node in violation["nodes"]:
                    summary = (node.get("failureSummary") or "").strip().splitlines()
                    self.findings.append(
                        f"{label} @ {width}px: {violation['id']} ({violation['impact']}) "
                        f"at {' '.join(str(t) for t in node['target'])}: "
                        f"{summary[-1].strip() if summary else violation['help']} "
                        f"| {node['html'][:160]}"
                    )

    def open_and_audit(self, base, name, path):
        """Audits the page if this role may open it; the page's links for further pages."""
        t0 = time.monotonic()
        response = self.page.goto(base + path)
        self.timing["goto"] += time.monotonic() - t0
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
            },
        )
    documents.append(("pdf:talent_profile", html))
    return documents


def test_every_role_walks():
    # A role added later gets its own walk, or this fails.
    assert {role for role, _ in WALKERS} == {*Role, ANONYMOUS}


@pytest.fixture(scope="module")
def demo_site(_demo_databases_dropped, django_db_blocker, tmp_path_factory):
    """A copy of the demo that this worker seeded once, served for all walkers; dropped
    afterwards.

    Not pytest-django's live_server: that makes every test a transactional one, flushed
    afterwards, which costs more than a walker's pages."""
    from pytest_django.live_server_helper import LiveServer

    with demo_copy(django_db_blocker, tmp_path_factory), django_db_blocker.unblock():
        Invitation.objects.create(
            questionnaire=Questionnaire.objects.filter(questions__isnull=False).first(),
            token_hash=hash_token(TOKEN),
            email="iemand@post.example",
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
        server = LiveServer("localhost")
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture(scope="module")
def axe_browser():
    with launched_chromium() as browser:
        yield browser


@pytest.mark.e2e
# Reads of the demo that demo_site committed; this marker also has the test database made
# when a pytest-xdist worker runs nothing but these tests.
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "domain"), WALKERS, ids=[f"{role}-{domain.split('.')[0]}" for role, domain in WALKERS]
)
def test_every_page_passes_axe_at_every_width(demo_site, axe_browser, role, domain, evidence):
    started = time.monotonic()
    user = None if role == ANONYMOUS else User.objects.get(email=f"{role}@{domain}")
    objects = demo_objects(user)
    documents = pdf_html() if role == Role.MANAGER and domain == DOMAIN else []
    urls = page_urls(objects)

    context = axe_browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    base = demo_site
    if user is not None:
        page.goto(f"{base}/account/login/")
        page.get_by_label("E-mailadres").fill(user.email)
        page.get_by_label("Wachtwoord").fill("vakwerk-demo")
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state()
    walk = Walk(page, Axe())
    # Pages of the list are audited in their own turn, not again as a list's first row.
    seen = {path for _, path in urls}
    for name, path in urls:
        if name == "login" and user is not None:
            continue
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
        f"axe {role}@{domain}: {walk.audits} page audits in {seconds:.0f} s; "
        f"({walk.timing['goto']:.0f} s loading pages, {walk.timing['axe']:.0f} s in axe); "
        f"violations by rule: {dict(walk.counts) or 'none'}"
    )
    assert MUST_AUDIT[role] <= walk.names, MUST_AUDIT[role] - walk.names
    assert not walk.findings, f"{len(walk.findings)} axe violations:\n" + "\n".join(walk.findings)

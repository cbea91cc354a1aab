"""The suite's key flows, as users walk them, in a process whose only database connection goes
through PgBouncer in transaction mode (DATABASE_URL, DATABASE_TRANSACTION_POOLING=true); run
by tests/vakwerk/test_transaction_pooling.py, which checks what this prints (one JSON object).

Background jobs (the research export, the PDF report) run as the test settings run them:
in this process when the request commits (vakwerk/jobs.py), heartbeat thread included."""

import io
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from consultants.models import CoachingSession  # noqa: E402
from evaluation.reports.models import Report  # noqa: E402
from evaluation.research.models import ResearchExport  # noqa: E402
from participants.models import Participant  # noqa: E402
from vakwerk.models import User  # noqa: E402
from vakwerk.roles import Role  # noqa: E402

PASSWORD = "vakwerk-demo"
KEY = re.compile(r'name="one_time_key" value="([^"]+)"')


def logged_in(user):
    """A browser that logs in with the demo password, as a user does."""
    client = Client()
    answer = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert answer.status_code == 302, (user.email, answer.status_code)
    return client


def main(project_id, programme_id):
    seen = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        seen["jit"] = cursor.fetchone()[0]
        cursor.execute("SELECT inet_server_port()")
        seen["server_port"] = cursor.fetchone()[0]
    seen["client_port"] = connection.connection.info.port
    seen["engine"] = connection.settings_dict["ENGINE"]

    researcher = User.objects.get(research_projects=project_id)
    municipality = researcher.municipality_id
    participant = (
        Participant.objects.filter(municipality=municipality, consultant__role=Role.CONSULTANT)
        .select_related("consultant")
        .order_by("pk")
        .first()
    )
    manager = User.objects.get(role=Role.MANAGER, municipality=municipality)

    # The consultant: caseload, a participant's page, a session logged, the POST repeated.
    browser = logged_in(participant.consultant)
    caseload = browser.get(reverse("participants:caseload"))
    seen["caseload"] = [caseload.status_code, participant.last_name in caseload.content.decode()]
    page = browser.get(reverse("participants:detail", args=[participant.pk]))
    seen["participant_page"] = page.status_code
    key = KEY.findall(page.content.decode())
    before = CoachingSession.objects.filter(participant=participant).count()
    form = {
        "held_on": timezone.localdate().isoformat(),
        "minutes": 40,
        "kind": "individual",
        "notes": "Gesprek via de pooler.",
        "one_time_key": key[0] if key else "",
    }
    url = reverse("participants:session_create", args=[participant.pk])
    seen["session_posts"] = [browser.post(url, form).status_code for _twice in range(2)]
    after = CoachingSession.objects.filter(participant=participant).count()
    seen["sessions_added"] = after - before

    # The manager: the dashboard, and a PDF report built by its job.
    browser = logged_in(manager)
    seen["dashboard"] = browser.get(reverse("evaluation:dashboard")).status_code
    reports = set(Report.objects.values_list("pk", flat=True))
    request = {"programme": programme_id, "kind": "savings"}
    browser.post(reverse("evaluation:report_request"), request)
    report = Report.objects.exclude(pk__in=reports).get()
    pdf = browser.get(reverse("evaluation:report_download", args=[report.pk]))
    is_pdf = b"".join(pdf).startswith(b"%PDF")
    seen["report"] = [report.status, report.error, pdf.status_code, is_pdf]

    # The researcher: a research export in Excel (every row through a server-side cursor).
    browser = logged_in(researcher)
    exports = set(ResearchExport.objects.values_list("pk", flat=True))
    browser.post(
        reverse("evaluation:research_export_new", args=[project_id]),
        {"tables": ["participants", "coaching_sessions"], "format": "xlsx"},
    )
    export = ResearchExport.objects.exclude(pk__in=exports).get()
    download = browser.get(reverse("evaluation:research_export_download", args=[export.pk]))
    sheets = {}
    if download.status_code == 200:
        workbook = load_workbook(io.BytesIO(b"".join(download)), read_only=True)
        # Rows under the header.
        sheets = {
            name: sum(1 for _row in workbook[name].iter_rows()) - 1
            for name in ("participants", "coaching_sessions")
        }
    seen["export"] = [export.status, export.error, download.status_code, sheets]

    # The admin: the audit trail as CSV, streamed.
    admin = User.objects.get(role=Role.ADMIN, municipality=municipality)
    browser = Client()
    browser.force_login(admin)
    trail = browser.get(reverse("audit_export"))
    lines = b"".join(trail).count(b"\n") if trail.status_code == 200 else 0
    seen["audit_csv"] = [trail.status_code, lines]

    # Many users at once, as gunicorn's threads serve them: each transaction may now meet
    # another server connection, where session state (a prepared statement, a cursor WITH
    # HOLD of a select's options) of an earlier one is missing.
    pages = {
        participant.consultant: [
            reverse("participants:caseload"),
            reverse("participants:detail", args=[participant.pk]),
        ],
        manager: [reverse("evaluation:dashboard"), reverse("evaluation:report_list")],
    }
    seen["concurrent"] = at_once(pages, browsers=8, rounds=4)
    print(json.dumps(seen, default=str))


def at_once(pages, browsers, rounds):
    """The pages of each user opened by `browsers` threads `rounds` times; what went wrong."""
    users = list(pages)

    def walk(number):
        user = users[number % len(users)]
        client = Client()
        client.force_login(user)
        problems = []
        try:
            for _round in range(rounds):
                for url in pages[user]:
                    try:
                        status = client.get(url).status_code
                    except Exception as error:  # the error is what this reports
                        problems.append(f"{url}: {type(error).__name__}: {error}"[:300])
                    else:
                        if status != 200:
                            problems.append(f"{url}: {status}")
        finally:
            connection.close()
        return problems

    with ThreadPoolExecutor(browsers) as pool:
        return [problem for problems in pool.map(walk, range(browsers)) for problem in problems]


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))

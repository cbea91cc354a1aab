"""Issue 17, found 5: every table of every PDF the application makes fits the page.

Each PDF is made from the demo data as the application makes it (the report task's
functions, the download views), then read back with poppler's ``pdftotext -bbox``: no
word may end to the right of the page's right margin. Before, the savings report's
"Per soort uitkering" table ran past the A4 edge."""

import re
import subprocess
from html import unescape

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from participants import privacy
from participants.models import Participant
from vakwerk.models import Programme, User

pytestmark = pytest.mark.django_db

POINTS_PER_CM = 72 / 2.54
# pdftotext rounds the boxes it reports; a word touching the margin is not cut off.
TOLERANCE = 1.0


def right_margin(html):
    """The right margin of the document's @page rule, in points (CSS shorthand order)."""
    margin = re.search(r"@page\s*{[^}]*?margin:\s*([^;]+);", html).group(1).split()
    right = margin[1] if len(margin) > 1 else margin[0]
    value, unit = re.fullmatch(r"([\d.]+)(cm|mm|pt)", right).groups()
    return float(value) * {"cm": POINTS_PER_CM, "mm": POINTS_PER_CM / 10, "pt": 1}[unit]


def bounding_boxes(pdf, tmp_path):
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def words_past_the_margin(out, margin):
    outside = []
    for number, page in enumerate(re.findall(r"<page (.*?)</page>", out, re.S), start=1):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        limit = width - margin + TOLERANCE
        for x_max, word in re.findall(r'<word [^>]*xMax="([\d.]+)"[^>]*>(.*?)</word>', page):
            if float(x_max) > limit:
                outside.append((number, unescape(word), float(x_max), round(limit, 1)))
    return outside


def _reports():
    """Both reports of both demo municipalities, in Dutch and in English."""
    for programme in Programme.objects.order_by("pk"):
        manager = User.objects.filter(municipality=programme.municipality, role="manager").first()
        for kind in (ReportKind.MONITORING, ReportKind.SAVINGS):
            report = Report(
                programme=programme, kind=kind, requested_by=manager,
                requested_at=timezone.now(),
            )  # fmt: skip
            for language in ("nl", "en"):
                with translation.override(language):
                    html = render_to_string(
                        reports.TEMPLATES[kind], reports.CONTEXTS[kind](report)
                    )
                yield f"{kind} {programme.name} ({language})", html, reports.render_pdf(html)


def test_no_word_of_any_pdf_runs_past_the_right_margin(demo, client, tmp_path):
    documents = list(_reports())

    manager = User.objects.get(email="manager@zwolle.example")
    # The participant with the longest talent profile: the widest table cells.
    participant = max(
        Participant.objects.filter(
            municipality=manager.municipality, talent_profile__isnull=False
        ),
        key=lambda p: len(str(p.talent_profile.__dict__)),
    )
    client.force_login(manager)
    response = client.get(reverse("employers:talent_profile_pdf", args=[participant.pk]))
    assert response.status_code == 200
    html = render_to_string("employers/talent_profile_pdf.html", {})
    documents.append(("talent profile", html, b"".join(response.streaming_content)
                      if response.streaming else response.content))  # fmt: skip

    admin = User.objects.get(email="admin@zwolle.example")
    data = privacy.subject_access_data(admin, participant)
    pdf = privacy.subject_access_pdf(data, admin.municipality)
    html = render_to_string("participants/privacy/subject_access_pdf.html", {})
    documents.append(("subject access", html, pdf))

    problems = {}
    for name, html, pdf in documents:
        out = bounding_boxes(pdf, tmp_path)
        if name.startswith("savings VAK Zwolle (nl)"):
            # The table the audit found cut off is there, whole.
            words = re.findall(r"<word [^>]*>(.*?)</word>", out)
            text = " ".join(words)
            assert "Besparing per soort uitkering" in text and "Bijstand" in words
        outside = words_past_the_margin(out, right_margin(html))
        if outside:
            problems[name] = outside[:5]
    assert not problems, "\n".join(f"{name}: {words}" for name, words in problems.items())

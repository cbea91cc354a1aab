"""Issue 14, build 3: stored text reaches the PDFs as text. Hostile markup typed into free
text (programme, fund, participant, talent profile) shows in the monitoring, savings,
talent-profile and inzage PDFs as the characters typed, never as a tag or a link."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from evaluation.reports import services as reports
from evaluation.reports.models import ReportKind
from funding import services as funding_services
from funding.models import FundKind
from participants import privacy
from participants.models import Status, TalentProfile
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

LINK = '<a href="https://evil.example/x">klik</a>'
META = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
HOSTILE = f"Noord {LINK} {META}"


def _read(data):
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    links = [
        str(annotation.get_object().get("/A", {}).get("/URI", ""))
        for page in reader.pages
        for annotation in page.get("/Annots") or []
    ]
    return " ".join(text.split()), links


def _assert_shown_as_text(data):
    text, links = _read(data)
    # The typed characters are there (the PDF may break lines inside them) ...
    assert "evil.example/x" in text and "href" in text and "http-equiv" in text
    # ... and nothing became a link to the attacker's site.
    assert not [link for link in links if "evil.example" in link]


@pytest.fixture
def world(municipality, make_user):
    manager = make_user(Role.MANAGER)
    consultant = make_user(Role.CONSULTANT)
    programme = ProgrammeFactory(municipality=municipality, name=f"VAK {HOSTILE}")
    fund = funding_services.create_fund(
        manager, programme=programme, name=f"Fonds {HOSTILE}", kind=FundKind.PILOT,
        starts_on=programme.start_date, ends_on=programme.end_date,
    )  # fmt: skip
    funding_services.deposit(manager, fund, "1000.00", "Inleg")
    participant = ParticipantFactory(
        municipality=municipality, programme=programme, consultant=consultant,
        first_name=f"Jan {LINK}", last_name="Jansen", status=Status.IN_PROGRAMME,
    )  # fmt: skip
    TalentProfile.objects.create(
        participant=participant, skills=f"heftruck {LINK}", experience=META, passions=HOSTILE
    )
    return manager, consultant, programme, participant


@pytest.mark.parametrize("kind", [ReportKind.MONITORING, ReportKind.SAVINGS])
def test_reports_show_hostile_names_as_text(world, kind):
    manager, _consultant, programme, _participant = world
    report = reports.request_report(manager, programme, kind)
    report = reports.build_report(report.pk)
    with reports.private_storage().open(report.file_name, "rb") as handle:
        _assert_shown_as_text(handle.read())


def test_the_talent_profile_pdf_shows_hostile_text_as_text(client, world):
    _manager, consultant, _programme, participant = world
    client.force_login(consultant)
    response = client.get(reverse("employers:talent_profile_pdf", args=[participant.pk]))
    assert response.status_code == 200
    _assert_shown_as_text(response.content)


def test_the_inzage_pdf_shows_hostile_text_as_text(world, make_user):
    _manager, _consultant, _programme, participant = world
    admin = make_user(Role.ADMIN)
    data = privacy.subject_access_data(admin, participant)
    _assert_shown_as_text(privacy.subject_access_pdf(data, participant.municipality))

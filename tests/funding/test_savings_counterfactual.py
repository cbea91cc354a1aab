"""The comparison-group counterfactual chosen while nobody of the comparison group is
measured (issue 13, found 9 / build 7): the savings say "netto niet te berekenen: geen
vergelijkingsgroep" instead of reporting net = gross, on the page, the dashboard and in
the savings PDF; and the PDF shows the rate once, as a percentage (found 10)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from funding import savings
from tests.funding.test_savings import OFF_TO_WORK, add_people, build_zwolle
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)
NO_NET = "netto niet te berekenen: geen vergelijkingsgroep"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def programme(municipality):
    programme = ProgrammeFactory(municipality=municipality, name="VAK Zwolle")
    programme.trial_cohort = build_zwolle(programme)
    return programme


@pytest.fixture
def comparison_version(manager, municipality):
    return savings.new_assumptions_version(
        manager, municipality, counterfactual="comparison_group", note="vergelijkingsgroep"
    )


def pdf_text(report):
    from pypdf import PdfReader

    with reports.private_storage().open(report.file_name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def savings_pdf(programme, manager):
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, requested_by=manager
    )
    return pdf_text(reports.build_report(report.pk))


def test_no_comparison_group_measured_gives_no_net_figure(programme, comparison_version):
    result = savings.compute_savings(programme, comparison_version, TODAY)
    assert result.gross_projected == Decimal("517405.00")  # gross still stands
    assert result.net_projected is None and result.net_savings is None
    assert result.return_per_euro is None and result.counterfactual_rate is None
    assert result.net_unavailable == savings.NO_COMPARISON_GROUP
    assert result.comparison_participants == 0
    assert all(row.net_projected is None for row in result.by_benefit_type)
    assert all(row.expected_anyway is None for row in result.by_benefit_type)
    calculation = result.as_calculation()
    assert calculation["figures"]["net_projected"] is None
    assert calculation["net_unavailable"] == "no_comparison_group"

    # Once one of the comparison group is measured there is a rate again.
    add_people(programme, programme.trial_cohort, "bijstand", 2, OFF_TO_WORK,
               in_comparison_group=True)  # fmt: skip
    add_people(programme, programme.trial_cohort, "bijstand", 8, in_comparison_group=True)
    measured = savings.compute_savings(programme, comparison_version, TODAY)
    assert measured.net_unavailable is None
    assert measured.counterfactual_rate == Decimal("0.2000")
    assert measured.net_projected == Decimal("251311.00")  # (14 − 7.2) × 14,783 × 2.5


def test_the_reference_rate_always_gives_a_net_figure(manager, municipality, programme):
    version = savings.new_assumptions_version(manager, municipality, note="referentie")
    result = savings.compute_savings(programme, version, TODAY)
    assert result.net_unavailable is None and result.net_unavailable_text is None
    assert result.net_projected == Decimal("317834.50")


def test_savings_page_says_net_cannot_be_calculated(login, manager, programme, comparison_version):
    client = login(manager)
    page = client.get(reverse("funding:savings"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert NO_NET in page
    # The net cells name the reason; before, they repeated the gross € 517.405,00.
    for testid in ("net-projected", "net-savings", "return-per-euro"):
        assert re.search(f'data-testid="{testid}">([^<]*)<', page).group(1) == NO_NET
    assert re.search('data-testid="net-total">([^<]*)<', page).group(1) == "–"
    # With a preview too, and without a 500.
    preview = client.get(reverse("funding:savings"), {"duration": "3"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert preview.status_code == 200 and NO_NET in preview.content.decode()


def test_dashboard_says_net_cannot_be_calculated(login, manager, programme, comparison_version):
    page = login(manager).get(reverse("evaluation:dashboard"), HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200
    assert NO_NET in page.content.decode()


def test_savings_pdf_says_net_cannot_be_calculated(manager, programme, comparison_version):
    text = " ".join(savings_pdf(programme, manager).split())
    assert NO_NET in text
    assert "€ 517.405,00" in text


def test_savings_pdf_shows_the_rate_once_as_a_percentage(manager, municipality, programme):
    savings.new_assumptions_version(manager, municipality, note="referentie")
    text = savings_pdf(programme, manager)
    assert "0,1500" not in text and "0.1500" not in text
    assert "15%" in text

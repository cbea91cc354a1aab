"""The SRG delivery: a generated municipality's month gives a file that a validator
written from the guideline (tests/funding/srg_validator.py, independent of the builder)
accepts; errors per participant; corrections of an earlier month; the monthly job; only
the municipality's admin builds and downloads it, and every build and download is audited;
the BSN appears in no URL, log line, page or audit entry."""

import datetime
import logging
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.provisions import services, tasks
from funding.provisions.models import Provision, ProvisionKind, SrgDelivery
from participants.models import Participant
from tests.funding import srg_validator
from tests.funding.srg_fixtures import MARCH, recorded_work
from tests.participants.factories import ParticipantFactory
from vakwerk.idempotency import new_key
from vakwerk.models import AuditAction, AuditEntry, JobStatus
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db
APRIL_2 = datetime.date(2026, 4, 2)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def people(municipality, consultant):
    people = recorded_work(municipality, consultant, size=6)
    services.add_provision(
        consultant,
        people[2],
        kind=ProvisionKind.objects.get(key="wage_subsidy"),
        start_date=datetime.date(2026, 3, 1),
        wage_subsidy_percentage=40,
        wage_subsidy_amount=Decimal("812.50"),
    )
    return people


def work():
    """A worker builds every queued delivery (the test's transaction never commits, so
    nothing was sent on commit)."""
    for pk in SrgDelivery.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True):
        services.run_delivery(pk, today=APRIL_2)


def file_of(delivery):
    with services.private_storage().open(delivery.file_name, "rb") as handle:
        return handle.read()


def test_a_generated_municipalitys_month_passes_the_independent_validator(people, municipality):
    delivery = services.build_delivery(municipality, MARCH, today=APRIL_2)
    content = file_of(delivery)
    assert srg_validator.problems(content, "0001", MARCH) == []
    records = srg_validator.details(content)
    # Six trajectories, one training, one learning/work place, one wage-cost subsidy.
    assert sorted(r["soort"] for r in records) == ["029"] + ["101"] * 6 + ["201", "701"]
    subsidy = next(r for r in records if r["soort"] == "701")
    assert (subsidy["percentage_lks"], subsidy["bedrag_lks"]) == ("040", "000081250")
    assert subsidy["bsn"] == people[2].bsn
    assert subsidy["einde"] == "00000000"
    assert delivery.errors == [] and delivery.record_count == 9
    assert srg_validator.leading(content)["soort_levering"] == "1"


def test_the_validator_refuses_a_broken_file(people, municipality):
    content = file_of(services.build_delivery(municipality, MARCH, today=APRIL_2))
    line = content.split(b"\r\n")[1]
    broken_bsn = content.replace(line, line[:11] + b"123456789" + line[20:], 1)
    assert "BSN fails the 11-check" in " ".join(srg_validator.problems(broken_bsn, "0001", MARCH))
    assert srg_validator.problems(content[:-3] + b"\r\n", "0001", MARCH)
    assert srg_validator.problems(content, "0001", datetime.date(2026, 2, 1))


def test_a_month_without_provisions_is_an_empty_delivery(municipality):
    delivery = services.build_delivery(municipality, MARCH, today=APRIL_2)
    content = file_of(delivery)
    assert srg_validator.problems(content, "0001", MARCH) == []
    assert srg_validator.details(content) == []
    assert srg_validator.leading(content)["aantal_records"] == "0000000"


def test_provisions_outside_the_month_stay_out(people, municipality):
    # The group ran February to April; in January nothing ran yet.
    delivery = services.build_delivery(municipality, datetime.date(2026, 1, 1), today=APRIL_2)
    assert delivery.record_count == 0
    may = services.build_delivery(municipality, datetime.date(2026, 5, 1), today=APRIL_2)
    # In May only the open-ended learning/work place and wage-cost subsidy still run.
    assert sorted(r["soort"] for r in srg_validator.details(file_of(may))) == ["029", "701"]


def _break_rules(people, consultant):
    Participant.objects.filter(pk=people[4].pk).update(bsn=None)
    kind = ProvisionKind.objects.get(key="jobcoaching")
    for start in (datetime.date(2026, 3, 2), datetime.date(2026, 3, 10)):
        services.add_provision(consultant, people[5], kind=kind, start_date=start)


def test_rule_breaking_provisions_are_listed_per_participant_and_left_out(
    people, municipality, consultant, admin, login
):
    _break_rules(people, consultant)
    delivery = services.build_delivery(municipality, MARCH, today=APRIL_2)
    content = file_of(delivery)
    assert srg_validator.problems(content, "0001", MARCH) == []
    assert {error["participant_id"] for error in delivery.errors} == {
        people[4].pk,
        people[5].pk,
    }
    response = login(admin).get(reverse("provisions:delivery", args=[delivery.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("provisions:participant", args=[people[4].pk]) in html
    assert "geen geldig BSN" in html
    assert "overlapt" in html
    # The link lets the admin open the participant's provisions to correct them.
    fix = login(admin).get(reverse("provisions:participant", args=[people[5].pk]))
    assert fix.status_code == 200


def test_an_earlier_month_is_rebuilt_as_a_correction(
    people, municipality, consultant, admin, login
):
    _break_rules(people, consultant)
    first = services.build_delivery(municipality, MARCH, today=APRIL_2)
    # Eleven provisions; the one of the participant without a BSN and the overlapping
    # jobcoaching are left out.
    assert first.record_count == 9 and len(first.errors) == 2
    # Fixed: the participant's BSN is known again and the double jobcoaching ends.
    Participant.objects.filter(pk=people[4].pk).update(bsn=people[4].bsn)
    earlier = Provision.objects.filter(participant=people[5], kind__key="jobcoaching").first()
    services.change_provision(consultant, earlier, end_date=datetime.date(2026, 3, 6))
    # In June: CBS still takes March's corrections (three months after it).
    with time_machine.travel(datetime.datetime(2026, 6, 30, 9, 0, tzinfo=datetime.UTC)):
        response = login(admin).post(reverse("provisions:delivery_build"), {"month": "2026-03"})
        work()
    second = SrgDelivery.objects.get(month=MARCH, version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("provisions:delivery", args=[second.pk])
    content = file_of(second)
    assert srg_validator.problems(content, "0001", MARCH) == []
    assert srg_validator.leading(content)["soort_levering"] == "2"
    assert second.errors == [] and second.record_count == 11
    # The earlier file stays as it was delivered.
    assert len(srg_validator.details(file_of(first))) == 9


def test_the_monthly_job_builds_last_month_once_for_every_municipality(
    people, municipality, other_municipality, django_capture_on_commit_callbacks
):
    # The job requests a delivery per municipality; each is sent to a worker when
    # committed (in-process here, as the suite runs Celery eagerly).
    with time_machine.travel(datetime.datetime(2026, 4, 2, 5, 23, tzinfo=datetime.UTC)):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.build_monthly_srg()
        with django_capture_on_commit_callbacks(execute=True) as again:
            assert tasks.build_monthly_srg() == []
    assert again == []
    deliveries = SrgDelivery.objects.order_by("municipality_id")
    assert [(d.municipality_id, d.month, d.version) for d in deliveries] == [
        (municipality.pk, MARCH, 1),
        (other_municipality.pk, MARCH, 1),
    ]
    assert deliveries[0].built_by is None
    assert srg_validator.problems(file_of(deliveries[0]), "0001", MARCH) == []


def test_admin_builds_and_downloads_and_both_are_audited(
    people, admin, login, caplog, django_capture_on_commit_callbacks
):
    client = login(admin)
    caplog.set_level(logging.DEBUG)
    with time_machine.travel(datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC)):
        # Sent to the worker when committed; the suite's Celery runs it in-process.
        with django_capture_on_commit_callbacks(execute=True):
            built = client.post(reverse("provisions:delivery_build"), {"month": "2026-03"})
        delivery = SrgDelivery.objects.get()
        page = client.get(built["Location"])
        download = client.get(reverse("provisions:delivery_download", args=[delivery.pk]))
        content = b"".join(download.streaming_content)
    assert page.status_code == 200 and download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="SRG_0001_202603_v1.txt"'
    assert srg_validator.problems(content, "0001", MARCH) == []
    entries = AuditEntry.objects.filter(object_type="srgdelivery", object_id=str(delivery.pk))
    assert sorted(entries.values_list("action", flat=True)) == [
        AuditAction.CREATE,
        AuditAction.DOWNLOAD,
        AuditAction.EXPORT,
    ]
    assert set(entries.values_list("user_id", flat=True)) == {admin.pk}
    # The BSN is in the file and nowhere else: not in a URL, a log line, a page or the trail.
    bsns = [person.bsn for person in people]
    assert all(bsn.encode() in content for bsn in bsns)
    visible = [built["Location"], page.content.decode(), caplog.text]
    visible += [entry.detail for entry in AuditEntry.objects.all()]
    assert not [bsn for bsn in bsns for text in visible if bsn in text]


def test_a_repeated_build_post_makes_one_file(people, admin, login):
    client = login(admin)
    data = {"month": "2026-03", "one_time_key": new_key(admin)}
    with time_machine.travel(datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC)):
        first = client.post(reverse("provisions:delivery_build"), data)
        second = client.post(reverse("provisions:delivery_build"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert SrgDelivery.objects.get().status == JobStatus.QUEUED
    assert AuditEntry.objects.filter(object_type="srgdelivery").count() == 1
    work()
    assert SrgDelivery.objects.get().version == 1


def test_the_build_form_refuses_a_month_that_has_not_ended(admin, login):
    client = login(admin)
    with time_machine.travel(datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC)):
        current = client.post(
            reverse("provisions:delivery_build"), {"month": "2026-04"}, HTTP_ACCEPT_LANGUAGE="nl"
        )
        nonsense = client.post(
            reverse("provisions:delivery_build"), {"month": "maart"}, HTTP_ACCEPT_LANGUAGE="nl"
        )
        too_early = client.post(
            reverse("provisions:delivery_build"), {"month": "2020-12"}, HTTP_ACCEPT_LANGUAGE="nl"
        )
    assert current.status_code == nonsense.status_code == too_early.status_code == 400
    assert "januari 2021" in too_early.content.decode()
    with time_machine.travel(datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC)):
        # July: March lies more than three months back, April does not.
        too_late = client.post(
            reverse("provisions:delivery_build"), {"month": "2026-03"}, HTTP_ACCEPT_LANGUAGE="nl"
        )
        april = client.post(reverse("provisions:delivery_build"), {"month": "2026-04"})
    assert too_late.status_code == 400
    assert "drie maanden na de verslagmaand" in too_late.content.decode()
    assert april.status_code == 302
    assert list(SrgDelivery.objects.values_list("month", flat=True)) == [datetime.date(2026, 4, 1)]
    assert "Alleen een afgelopen maand" in current.content.decode()
    assert "jaar en maand" in nonsense.content.decode()


@pytest.mark.parametrize(
    "role", [Role.MANAGER, Role.CONSULTANT, Role.WSP, Role.EMPLOYER, Role.RESEARCHER]
)
def test_only_the_admin_may_build_or_download(people, municipality, make_user, login, role):
    delivery = services.build_delivery(municipality, MARCH, today=APRIL_2)
    client = login(make_user(role))
    for url in (
        reverse("provisions:deliveries"),
        reverse("provisions:delivery", args=[delivery.pk]),
        reverse("provisions:delivery_download", args=[delivery.pk]),
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("provisions:delivery_build"), {"month": "2026-03"}).status_code == 403
    )
    assert SrgDelivery.objects.count() == 1
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_another_municipalitys_admin_gets_404(
    people, municipality, other_municipality, make_user, login
):
    delivery = services.build_delivery(municipality, MARCH, today=APRIL_2)
    client = login(make_user(Role.ADMIN, municipality=other_municipality))
    assert client.get(reverse("provisions:delivery", args=[delivery.pk])).status_code == 404
    download = reverse("provisions:delivery_download", args=[delivery.pk])
    assert client.get(download).status_code == 404
    assert client.get(reverse("provisions:participant", args=[people[0].pk])).status_code == 404
    listing = client.get(reverse("provisions:deliveries"))
    assert listing.status_code == 200 and list(listing.context["deliveries"]) == []


def test_anonymous_is_sent_to_login(people, municipality, client):
    delivery = services.build_delivery(municipality, MARCH, today=APRIL_2)
    response = client.get(reverse("provisions:delivery_download", args=[delivery.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_delivery_pages_make_as_many_queries_for_many_rows_as_for_few(
    municipality, consultant, admin, login
):
    client = login(admin)
    few_people = recorded_work(municipality, consultant, size=2)
    assert few_people
    Participant.objects.filter(pk=few_people[0].pk).update(bsn=None)
    small = services.build_delivery(municipality, MARCH, today=APRIL_2)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    list_few = count(reverse("provisions:deliveries"))
    detail_few = count(reverse("provisions:delivery", args=[small.pk]))
    more = recorded_work(municipality, consultant, size=8)
    Participant.objects.filter(pk__in=[p.pk for p in more]).update(bsn=None)
    for month in (1, 2):
        services.build_delivery(municipality, datetime.date(2026, month, 1), today=APRIL_2)
    large = services.build_delivery(municipality, MARCH, today=APRIL_2)
    assert large.error_count > 8
    # Requests still waiting for a worker, and one that failed, are rows of the list too.
    for status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED):
        SrgDelivery.objects.create(
            municipality=municipality, month=MARCH, built_by=admin, status=status
        )
    assert count(reverse("provisions:deliveries")) == list_few
    assert count(reverse("provisions:delivery", args=[large.pk])) == detail_few


def test_another_municipalitys_participants_are_not_in_this_file(
    people, municipality, other_municipality
):
    ParticipantFactory(municipality=other_municipality)
    content = file_of(services.build_delivery(municipality, MARCH, today=APRIL_2))
    assert {r["gemeentecode"] for r in srg_validator.details(content)} == {"0001"}

"""Snapshots of the benefit register: import through the pages (all rows or none), linking
participants by their BSN, what absence from a later snapshot means, privacy, scoping and
retention."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from evaluation.dashboards import selectors as evaluation_selectors
from participants import privacy
from participants.models import BenefitEndReason, BenefitStatus, OutcomeMeasurement
from participants.register import services
from participants.register.models import (
    BenefitSpell,
    RegisterPerson,
    RegisterSnapshot,
    SnapshotImport,
    bsn_hash,
)
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.bsn import bsn_from_number
from vakwerk.idempotency import FIELD_NAME, new_key
from vakwerk.models import JobStatus, User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

LIST_URL = reverse("benefit_register:snapshots")
NET_EFFECT_URL = reverse("benefit_register:net_effect")
HEADER = "BSN;Geboortejaar;Uitkering;Uitkering sinds;Einddatum uitkering;Reden einde"
BSNS = [bsn_from_number(30_000_000 + n * 17) for n in range(6)]
TODAY = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


def csv_file(*lines, name="register.csv"):
    return SimpleUploadedFile(name, "\n".join([HEADER, *lines]).encode())


def work():
    """What a worker does with the queued imports (the tests' transaction never commits,
    so the send on commit does not run; test_the_import_is_sent_when_committed has it)."""
    for pk in SnapshotImport.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True):
        services.run_snapshot_import(pk)


def latest_job_url():
    job = SnapshotImport.objects.order_by("-pk").first()
    return reverse("benefit_register:import", args=[job.pk if job else 999_999])


def _user_of(client):
    return User.objects.get(pk=client.session["_auth_user_id"])


def upload(client, file, taken_on="2026-03-31"):
    response = client.post(
        LIST_URL, {"taken_on": taken_on, "file": file, FIELD_NAME: new_key(_user_of(client))}
    )
    work()
    return response


def confirm(client, user):
    response = client.post(latest_job_url(), {"confirm": "1", FIELD_NAME: new_key(user)})
    work()
    return response


def import_file(client, user, *lines, taken_on="2026-03-31"):
    response = upload(client, csv_file(*lines), taken_on)
    assert response.status_code == 302, response.content.decode()[:2000]
    return confirm(client, user)


def test_a_file_with_errors_is_refused_whole_with_its_row_errors(login, manager):
    client = login(manager)
    upload(
        client,
        csv_file(
            f"{BSNS[5]};1985;Bijstand;01-02-2024;;",
            "123456789;1990;Bijstand;01-02-2024;;",
            f"{BSNS[1]};19x5;Bijstand;01-02-2024;;",
            f"{BSNS[2]};1980;Kinderbijslag;01-02-2024;;",
            f"{BSNS[3]};1980;WW;31-02-2024;;",
            f"{BSNS[0]};1985;Bijstand;01-02-2024;;",
            f"{BSNS[0]};1985;Bijstand;01-02-2024;;",
            f"{BSNS[4]};1970;WW;01-02-2020;15-01-2026;emigratie",
        ),
    )
    page = client.get(latest_job_url()).content.decode()
    assert "7 rijen met een fout" in page
    for message in (
        "Dit is geen geldig BSN (de elfproef klopt niet).",
        "Het geboortejaar is geen jaar zoals 1985, of kan niet kloppen.",
        "Onbekende uitkering “Kinderbijslag”",
        "31-02-2024 is geen datum; schrijf hem als dd-mm-jjjj.",
        "Dit BSN staat ook in rij 8 van het bestand.",
        "Dit BSN staat ook in rij 7 van het bestand.",
        "Onbekende reden van beëindiging “emigratie”",
    ):
        assert message in page, message
    assert "Deze snapshot opslaan" not in page
    response = confirm(client, manager)
    assert response.status_code == 302
    assert not RegisterSnapshot.objects.exists()
    assert not RegisterPerson.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Dit bestand kan niet (meer) worden opgeslagen." in messages


def test_a_file_that_cannot_be_read_is_refused_on_the_form(login, manager):
    client = login(manager)
    response = upload(client, SimpleUploadedFile("r.csv", b"BSN;Uitkering\n123;WW\n"))
    assert response.status_code == 302
    job = SnapshotImport.objects.get()
    assert job.stage == "refused"
    page = client.get(latest_job_url()).content.decode()
    assert "ontbreken" in page
    assert "Deze snapshot opslaan" not in page
    assert job.file_name == ""  # the refused upload is gone


def test_participants_are_recognised_by_bsn_and_linked_not_duplicated(login, manager):
    participant = ParticipantFactory(municipality=manager.municipality, bsn=BSNS[0])
    client = login(manager)
    import_file(
        client, manager, f"{BSNS[0]};1990;Bijstand;01-03-2024;;", f"{BSNS[1]};1975;WW;01-05-2022;;"
    )
    snapshot = RegisterSnapshot.objects.get()
    assert (snapshot.people, snapshot.participants, snapshot.new_people) == (2, 1, 2)
    linked = RegisterPerson.objects.get(participant=participant)
    assert linked.bsn_hash and BSNS[0] not in linked.bsn_hash
    # The next snapshot finds the same two people again: nobody is added twice.
    import_file(
        client,
        manager,
        f"{BSNS[0]};1990;Bijstand;01-03-2024;;",
        f"{BSNS[1]};1975;WW;01-05-2022;;",
        taken_on="2026-04-30",
    )
    assert RegisterPerson.objects.count() == 2
    assert BenefitSpell.objects.count() == 2
    assert participant.register_entries.count() == 1


def test_the_hash_is_keyed_per_municipality(manager, other_municipality, make_user):
    other = make_user(Role.MANAGER, municipality=other_municipality)
    row = {"row": 2, "bsn": BSNS[0], "birth_year": 1980, "benefit_type": "Bijstand",
           "benefit_start": datetime.date(2025, 1, 1)}  # fmt: skip
    services.import_snapshot(manager, datetime.date(2026, 1, 31), [row])
    services.import_snapshot(other, datetime.date(2026, 1, 31), [row])
    mine, theirs = RegisterPerson.objects.order_by("municipality_id")
    assert mine.bsn_hash != theirs.bsn_hash


def test_people_missing_from_a_later_snapshot_have_left_benefit(login, manager):
    client = login(manager)
    import_file(
        client,
        manager,
        f"{BSNS[0]};1990;Bijstand;01-03-2024;;",
        f"{BSNS[1]};1975;WW;01-05-2022;;",
        f"{BSNS[2]};1982;Bijstand;01-05-2021;;",
    )
    import_file(
        client,
        manager,
        f"{BSNS[0]};1990;Bijstand;01-03-2024;;",
        f"{BSNS[1]};1975;WW;01-05-2022;15-04-2026;werk",
        taken_on="2026-04-30",
    )
    spells = {
        spell.person.birth_year: spell for spell in BenefitSpell.objects.select_related("person")
    }
    assert spells[1990].ended_on is None
    assert (spells[1975].ended_on, spells[1975].end_reason) == (
        datetime.date(2026, 4, 15),
        BenefitEndReason.WORK,
    )
    assert spells[1982].ended_unseen
    assert spells[1982].ended_on == datetime.date(2026, 4, 29)
    assert spells[1982].end_reason == ""
    snapshot = RegisterSnapshot.objects.get(taken_on=datetime.date(2026, 4, 30))
    assert (snapshot.ended_in_file, snapshot.left_unseen) == (1, 1)


def test_a_snapshot_must_be_later_than_the_latest(login, manager):
    client = login(manager)
    import_file(client, manager, f"{BSNS[0]};1990;Bijstand;01-03-2024;;")
    upload(client, csv_file(f"{BSNS[0]};1990;Bijstand;01-03-2024;;"), "2026-02-28")
    page = client.get(latest_job_url()).content.decode()
    assert "De peildatum moet later zijn dan die van de laatste snapshot (31-03-2026)" in page
    confirm(client, manager)
    assert RegisterSnapshot.objects.count() == 1


def test_a_repeated_confirmation_makes_no_second_snapshot(login, manager):
    client = login(manager)
    upload(client, csv_file(f"{BSNS[0]};1990;Bijstand;01-03-2024;;"))
    data = {"confirm": "1", FIELD_NAME: new_key(manager)}
    first = client.post(latest_job_url(), data)
    second = client.post(latest_job_url(), data)
    work()
    assert first.status_code == second.status_code == 302
    assert RegisterSnapshot.objects.count() == 1
    assert RegisterPerson.objects.count() == 1
    # Without the key (an old tab), the job is stored already: still nothing twice.
    client.post(latest_job_url(), {"confirm": "1"})
    work()
    assert RegisterSnapshot.objects.count() == 1
    assert SnapshotImport.objects.get().stage == "stored"


def test_an_excel_file_imports_like_a_csv(login, manager):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    sheet.append([int(BSNS[0]), 1990, "Bijstand", datetime.datetime(2024, 3, 1), None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = login(manager)
    upload(client, SimpleUploadedFile("register.xlsx", buffer.getvalue()))
    confirm(client, manager)
    spell = BenefitSpell.objects.get()
    assert spell.started_on == datetime.date(2024, 3, 1)
    assert spell.person.birth_year == 1990


def test_no_bsn_or_hash_on_any_page(login, manager):
    ParticipantFactory(municipality=manager.municipality, bsn=BSNS[0])
    client = login(manager)
    upload(client, csv_file(f"{BSNS[0]};1990;Bijstand;01-03-2024;;", f"{BSNS[1]};19x0;WW;;;"))
    pages = [client.get(latest_job_url()).content.decode()]
    client.post(latest_job_url(), {"cancel": "1"})
    import_file(client, manager, f"{BSNS[0]};1990;Bijstand;01-03-2024;;")
    snapshot = RegisterSnapshot.objects.get()
    for url in (LIST_URL, reverse("benefit_register:snapshot", args=[snapshot.pk]),
                NET_EFFECT_URL):  # fmt: skip
        pages.append(client.get(url).content.decode())
    hashes = list(RegisterPerson.objects.values_list("bsn_hash", flat=True))
    for page in pages:
        for secret in [*BSNS[:2], *hashes, BSNS[0][-4:] and f"*****{BSNS[0][-4:]}"]:
            assert secret not in page


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.EMPLOYER, Role.CONSULTANT, Role.WSP])
def test_other_roles_are_refused(login, make_user, role):
    client = login(make_user(role))
    for url in (LIST_URL, latest_job_url(), NET_EFFECT_URL):
        assert client.get(url).status_code == 403


def test_another_municipality_gets_404(login, manager, other_municipality, make_user):
    services.import_snapshot(
        manager,
        datetime.date(2026, 1, 31),
        [{"row": 2, "bsn": BSNS[0], "birth_year": 1980, "benefit_type": "WW",
          "benefit_start": datetime.date(2025, 1, 1)}],
    )  # fmt: skip
    snapshot = RegisterSnapshot.objects.get()
    programme = ProgrammeFactory(municipality=manager.municipality)
    admin = make_user(Role.ADMIN, municipality=other_municipality)
    client = login(admin)
    assert client.get(reverse("benefit_register:snapshot", args=[snapshot.pk])).status_code == 404
    assert client.get(NET_EFFECT_URL, {"programme": programme.pk}).status_code == 404
    assert "31-01-2026" not in client.get(LIST_URL).content.decode()
    assert not RegisterSnapshot.objects.for_user(admin).exists()


def test_the_net_effect_page_explains_and_stays_within_its_queries(
    login, manager, django_assert_max_num_queries
):
    programme = ProgrammeFactory(municipality=manager.municipality)
    cohort = CohortFactory(programme=programme, start_date=datetime.date(2025, 2, 3),
                           end_date=datetime.date(2025, 4, 25))  # fmt: skip
    rows = []
    for n in range(40):
        bsn = bsn_from_number(40_000_000 + n * 17)
        rows.append({"row": n + 2, "bsn": bsn, "birth_year": 1985, "benefit_type": "Bijstand",
                     "benefit_start": datetime.date(2024, 6, 1)})  # fmt: skip
        if n < 10:
            participant = ParticipantFactory(
                municipality=manager.municipality, programme=programme, bsn=bsn,
                birth_date=datetime.date(1985, 7, 1), benefit_start=datetime.date(2024, 6, 1),
                enrolled_on=datetime.date(2025, 2, 3),
            )  # fmt: skip
            for months in (3, 6):
                OutcomeMeasurement.objects.create(
                    participant=participant, cohort=cohort, follow_up=months,
                    due_on=datetime.date(2025, 4, 25) + datetime.timedelta(days=30 * months),
                    measured_on=datetime.date(2025, 11, 1),
                    benefit_status=BenefitStatus.NONE if n < 6 else BenefitStatus.FULL,
                    benefit_end_reason=BenefitEndReason.WORK if n < 6 else "",
                )  # fmt: skip
    services.import_snapshot(manager, datetime.date(2025, 1, 31), rows)
    later = [dict(row, benefit_end=datetime.date(2025, 6, 1), end_reason="werk")
             if 10 <= index < 16 else row for index, row in enumerate(rows)]  # fmt: skip
    services.import_snapshot(manager, datetime.date(2026, 1, 31), later)
    client = login(manager)
    with django_assert_max_num_queries(12):
        page = client.get(NET_EFFECT_URL).content.decode()
    assert "Selectie op ontwikkelpotentie" in page
    assert "95%-interval" in page
    # 6 of 10 participants against 6 of 30 comparable people off benefit: +40 points.
    assert "60%" in page and "20%" in page and "40,0" in page


def test_retention_removes_the_hash_of_people_who_left_long_ago(manager):
    services.import_snapshot(
        manager,
        datetime.date(2018, 1, 31),
        [{"row": 2, "bsn": BSNS[0], "birth_year": 1980, "benefit_type": "WW",
          "benefit_start": datetime.date(2015, 1, 1), "benefit_end": datetime.date(2017, 1, 1),
          "end_reason": "werk"},
         {"row": 3, "bsn": BSNS[1], "birth_year": 1981, "benefit_type": "WW",
          "benefit_start": datetime.date(2015, 1, 1)}],
    )  # fmt: skip
    assert services.anonymise_expired_people(datetime.date(2026, 6, 1)) == 1
    gone, kept = RegisterPerson.objects.order_by("birth_year")
    assert gone.bsn_hash is None and gone.spells.count() == 1
    assert kept.bsn_hash is not None


def test_a_participants_retention_removes_their_register_hash_too(manager):
    participant = ParticipantFactory(municipality=manager.municipality, bsn=BSNS[0])
    services.import_snapshot(
        manager,
        datetime.date(2026, 1, 31),
        [{"row": 2, "bsn": BSNS[0], "birth_year": 1990, "benefit_type": "Bijstand",
          "benefit_start": datetime.date(2025, 1, 1)}],
    )  # fmt: skip
    privacy.anonymise(participant, timezone.now())
    person = RegisterPerson.objects.get()
    assert person.bsn_hash is None
    assert person.participant_id == participant.pk and person.spells.count() == 1


def test_the_hash_depends_on_the_key_in_the_settings(settings):
    first = bsn_hash(1, BSNS[0])
    settings.BENEFIT_REGISTER_HASH_KEY = "another key"
    assert bsn_hash(1, BSNS[0]) != first
    assert len(first) == 64 and BSNS[0] not in first


def test_the_participants_arm_counts_off_benefit_as_the_dashboard_does(manager):
    """One definition per figure: at 6 months, the net effect's participants (due,
    measured, off benefit) are the dashboard's (evaluation.dashboards.selectors)."""
    programme = ProgrammeFactory(municipality=manager.municipality)
    cohort = CohortFactory(programme=programme, start_date=datetime.date(2025, 2, 3),
                           end_date=datetime.date(2025, 4, 25))  # fmt: skip
    outcomes = [
        (BenefitStatus.NONE, BenefitEndReason.WORK, datetime.date(2025, 11, 1)),
        (BenefitStatus.NONE, BenefitEndReason.MOVED_AWAY, datetime.date(2025, 11, 1)),
        (BenefitStatus.PARTIAL, "", datetime.date(2025, 11, 1)),
        (BenefitStatus.NONE, BenefitEndReason.EDUCATION, None),
        (BenefitStatus.NONE, BenefitEndReason.OWN_BUSINESS, datetime.date(2026, 7, 1)),
    ]
    for number, (status, reason, measured_on) in enumerate(outcomes):
        participant = ParticipantFactory(
            municipality=manager.municipality, programme=programme,
            bsn=bsn_from_number(50_000_000 + number * 17), enrolled_on=datetime.date(2025, 2, 3),
        )  # fmt: skip
        OutcomeMeasurement.objects.create(
            participant=participant, cohort=cohort, follow_up=6,
            due_on=datetime.date(2025, 10, 25), measured_on=measured_on,
            benefit_status=status, benefit_end_reason=reason,
        )  # fmt: skip
    register = [
        {"row": n + 2, "bsn": bsn_from_number(50_000_000 + n * 17), "birth_year": 1990,
         "benefit_type": "Bijstand", "benefit_start": datetime.date(2024, 3, 1)}
        for n in range(10)
    ]  # fmt: skip
    services.import_snapshot(manager, datetime.date(2025, 1, 31), register)
    services.import_snapshot(manager, datetime.date(2026, 1, 31), register)
    as_of = datetime.date(2026, 6, 1)
    (row,) = services_net_effects(manager, as_of).for_follow_up(6)
    scope = evaluation_selectors.Scope(manager.municipality)
    counts = evaluation_selectors.outcome_counts(scope, on_date=as_of)["people"]
    dashboard = [sum(figures[name] for figures in counts.values())
                 for name in ("due_6m", "measured_6m", "off_benefit_6m")]  # fmt: skip
    assert dashboard == [5, 3, 1]
    assert [row.eligible, row.matched, row.successes] == dashboard
    assert row.comparison_people == 5


def services_net_effects(user, as_of):
    from participants.register import selectors

    return selectors.net_effects(user.municipality, as_of)


def test_the_nightly_retention_task_is_scheduled_and_runs(manager):
    from participants.register import tasks
    from vakwerk.celery import app

    services.import_snapshot(
        manager,
        datetime.date(2018, 1, 31),
        [{"row": 2, "bsn": BSNS[0], "birth_year": 1980, "benefit_type": "WW",
          "benefit_start": datetime.date(2015, 1, 1), "benefit_end": datetime.date(2017, 1, 1),
          "end_reason": "werk"}],
    )  # fmt: skip
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert tasks.anonymise_expired_register_people.name in schedule
    assert tasks.anonymise_expired_register_people.delay().get() == 1
    assert RegisterPerson.objects.get().bsn_hash is None

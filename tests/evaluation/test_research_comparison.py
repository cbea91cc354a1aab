"""The research export's comparison group, against generated register data.

The data are the net-effect test's (tests/participants/register/test_net_effect.py): a
benefit population loaded through the snapshot import, participants entered on one day
with a 6-month follow-up. The expected rows are recomputed here from the generated lists
alone: the pool of a stratum is every non-participant of the same benefit type, target
group and duration band on benefit at the enrolment date; the weight n_s / m_s; off
benefit for work when the generated person left for work before the follow-up.
"""

import csv
import datetime
import hashlib
import hmac
import io
import re
import secrets
import tracemalloc
import zipfile

import pyreadstat
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.research import services as research_services
from evaluation.research.disclosure import COMPARISON_LABEL
from evaluation.research.models import ExportFormat, ResearchProject
from evaluation.research.pseudonyms import keys_for
from evaluation.research.tables import consenting_participants
from evaluation.research.writers import write_export
from participants.models import Participant
from participants.register import exports as register_exports
from participants.register.models import BenefitSpell, RegisterPerson, bsn_hash
from tests.participants.register.generated_register import AS_OF, ENROLLED_ON, generate, load
from tests.vakwerk.factories import MunicipalityFactory, ProgrammeFactory, UserFactory
from vakwerk.models import Programme
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

SEED = 3
PINNED = datetime.datetime(2025, 11, 30, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def register():
    with time_machine.travel(PINNED, tick=False):
        people = generate(SEED)
        municipality = load(SEED, people)
        # The export holds only consenting participants; all of these consent.
        Participant.objects.filter(municipality=municipality).update(consent_research=True)
        yield municipality, people


def project_of(municipality, k=1, programmes=None, researcher=None):
    project = ResearchProject.objects.create(
        municipality=municipality,
        name=f"Studie {secrets.token_hex(3)}",
        institution="ROA",
        agreement_reference="ROA-1",
        valid_until=AS_OF + datetime.timedelta(days=365),
        secret=secrets.token_hex(32),
        k_threshold=k,
    )
    project.programmes.add(*(programmes or Programme.objects.filter(municipality=municipality)))
    project.researchers.add(
        researcher or UserFactory(role=Role.RESEARCHER, municipality=municipality)
    )
    return project


def export(project, tables=("comparison_group", "participants")):
    buffer = io.BytesIO()
    with time_machine.travel(PINNED, tick=False):
        counts = write_export(project, list(tables), ExportFormat.CSV, buffer)
    archive = zipfile.ZipFile(buffer)
    members = {name: archive.read(name) for name in archive.namelist()}
    tables = {
        name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(data.decode())))
        for name, data in members.items()
        if name.endswith(".csv") and name != "codebook.csv"
    }
    return counts, tables, members


def expected_rows(municipality, people, secret):
    """(pseudonym, target group, type, band, weight, off) per pool person, from the
    generated lists; the pseudonym keyed with the project's secret as the rule says."""
    treated, pool = {}, {}
    for person in people:
        if person["stratum"] is None:
            continue
        (treated if person["participant"] else pool).setdefault(person["stratum"], []).append(
            person
        )
    ids = dict(
        RegisterPerson.objects.filter(municipality=municipality).values_list("bsn_hash", "pk")
    )
    rows = set()
    for stratum, members in pool.items():
        if stratum not in treated:
            continue
        benefit_type, group, band = stratum
        weight = f"{len(treated[stratum]) / len(members):.6f}"
        for person in members:
            person_id = ids[bsn_hash(municipality.pk, person["bsn"])]
            digest = hmac.new(secret.encode(), f"register:{person_id}".encode(), hashlib.sha256)
            rows.add(
                (
                    digest.hexdigest()[:16],
                    group,
                    benefit_type,
                    band,
                    weight,
                    str(int(person["off"])),
                )
            )
    return rows


def test_the_rows_are_the_pool_recomputed_from_the_generated_data(register):
    municipality, people = register
    project = project_of(municipality)
    counts, tables, _members = export(project)
    got = {
        (r["pseudonym"], r["target_group"], r["benefit_type"], r["duration_band"], r["weight"],
         r["off_benefit"])
        for r in tables["comparison_group"]
    }  # fmt: skip
    assert got == expected_rows(municipality, people, project.secret)
    assert counts["comparison_group"] == len(got) > 300
    assert {r["follow_up"] for r in tables["comparison_group"]} == {"6"}
    assert {r["enrolled_month"] for r in tables["comparison_group"]} == {f"{ENROLLED_ON:%Y-%m}"}
    # The weighted comparison group has the participants' make-up: per stratum the
    # weights add up to n_s.
    by_stratum = {}
    for r in tables["comparison_group"]:
        by_stratum.setdefault(r["stratum"], []).append(float(r["weight"]))
        assert int(r["pool"]) * float(r["weight"]) == pytest.approx(
            int(r["participants"]), abs=1e-3
        )
    assert sum(round(sum(w)) for w in by_stratum.values()) == sum(p["participant"] for p in people)


def test_no_bsn_hash_or_register_id_is_in_the_file(register):
    municipality, people = register
    counts, tables, members = export(project_of(municipality))
    raw = b"".join(members.values())
    for person in people:
        assert person["bsn"].encode() not in raw
    for digest in RegisterPerson.objects.filter(municipality=municipality).values_list(
        "bsn_hash", flat=True
    ):
        assert digest.encode() not in raw and digest[:16].encode() not in raw
    assert set(tables["comparison_group"][0]) == {
        "pseudonym", "stratum", "follow_up", "enrolled_month", "benefit_type", "target_group",
        "duration_band", "participants", "pool", "weight", "off_benefit", "ended_without_reason",
    }  # fmt: skip
    # No day finer than a month, no birth year.
    assert all(
        re.fullmatch(r"\d{4}-\d{2}", r["enrolled_month"]) for r in tables["comparison_group"]
    )
    assert all(re.fullmatch(r"[0-9a-f]{16}", r["pseudonym"]) for r in tables["comparison_group"])


def test_pseudonyms_differ_per_project_and_never_equal_a_participants(register):
    municipality, _people = register
    _c, first, _m = export(project_of(municipality))
    _c, second, _m = export(project_of(municipality))
    one = {r["pseudonym"] for r in first["comparison_group"]}
    two = {r["pseudonym"] for r in second["comparison_group"]}
    assert len(one) == len(two) > 300
    assert not one & two
    assert not one & {r["pseudonym"] for r in first["participants"]}
    # Someone who is both a participant and in the register keeps two unlinkable codes.
    participant = Participant.objects.filter(municipality=municipality).first()
    person = RegisterPerson.objects.get(participant=participant)
    keys = keys_for(ResearchProject.objects.first())
    assert keys.register_person(person.pk) != keys.pseudonym(participant.pk)
    # Separate namespaces: equal numbers in both tables still give different codes.
    assert all(keys.register_person(pk) != keys.pseudonym(pk) for pk in range(1, 500))


def test_combinations_of_fewer_than_k_people_are_left_out_and_counted(register):
    municipality, people = register
    project = project_of(municipality)
    _c, full, _m = export(project)
    sizes = {}
    for r in full["comparison_group"]:
        cell = (r["benefit_type"], r["target_group"], r["duration_band"], r["enrolled_month"])
        sizes.setdefault(cell, set()).add(r["pseudonym"])
    k = sorted(len(members) for members in sizes.values())[len(sizes) // 2]
    small = {cell for cell, members in sizes.items() if len(members) < k}
    assert small and len(small) < len(sizes)
    project.k_threshold = k
    project.save()
    counts, tables, members = export(project)
    kept = {
        (r["benefit_type"], r["target_group"], r["duration_band"], r["enrolled_month"])
        for r in tables["comparison_group"]
    }
    assert kept == set(sizes) - small
    left_out = sum(len(sizes[cell]) for cell in small)
    assert counts.report.comparison_suppressed_rows == left_out
    assert counts.report.comparison_suppressed_people == left_out
    assert (
        f"weggelaten: {left_out} rijen"
        in counts.report.summary()["generalisation"][COMPARISON_LABEL]
    )
    readme = members["README.txt"].decode()
    assert f"zijn weggelaten: {left_out} rijen van {left_out} personen" in readme
    codebook = members["codebook.csv"].decode()
    assert "comparison_group,duration_band" in codebook


def test_another_municipality_and_another_projects_researcher_get_nothing(register):
    municipality, _people = register
    elsewhere = MunicipalityFactory(name="Gemeente Elders", cbs_code="0999")
    other = project_of(elsewhere, programmes=[ProgrammeFactory(municipality=elsewhere)])
    counts, tables, _m = export(other)
    assert counts["comparison_group"] == 0 and tables["comparison_group"] == []
    # A programme of this municipality attached to the other municipality's project by
    # mistake brings none of this register along.
    other.programmes.add(Programme.objects.get(municipality=municipality))
    counts, tables, _m = export(other)
    assert counts["comparison_group"] == 0
    project = project_of(municipality)
    with time_machine.travel(PINNED, tick=False), pytest.raises(PermissionDenied):
        research_services.request_export(
            UserFactory(role=Role.RESEARCHER, municipality=municipality),
            project,
            ["comparison_group"],
            "csv",
        )


def test_the_exports_query_count_does_not_grow_with_the_pool(register):
    municipality, _people = register
    project = project_of(municipality)
    with CaptureQueriesContext(connection) as queries:
        counts, _t, _m = export(project, tables=("comparison_group",))
    assert counts["comparison_group"] > 300
    assert len(queries) <= 8, [q["sql"][:120] for q in queries]


def test_the_request_flow_writes_the_table(register, django_capture_on_commit_callbacks):
    municipality, _people = register
    researcher = UserFactory(role=Role.RESEARCHER, municipality=municipality)
    project = project_of(municipality, researcher=researcher)
    with time_machine.travel(PINNED, tick=False), django_capture_on_commit_callbacks(execute=True):
        made = research_services.request_export(researcher, project, ["comparison_group"], "csv")
    made.refresh_from_db()
    assert made.rows > 300, made.error
    assert "in de export:" in made.generalisation[COMPARISON_LABEL]


@pytest.mark.parametrize("fmt", [ExportFormat.XLSX, ExportFormat.SPSS, ExportFormat.STATA])
def test_every_format_holds_the_same_rows(register, fmt, tmp_path):
    municipality, _people = register
    project = project_of(municipality)
    csv_counts, csv_tables, _m = export(project, tables=("comparison_group",))
    buffer = io.BytesIO()
    with time_machine.travel(PINNED, tick=False):
        counts = write_export(project, ["comparison_group"], fmt, buffer)
    assert counts["comparison_group"] == csv_counts["comparison_group"] > 300
    if fmt == ExportFormat.XLSX:
        return
    archive = zipfile.ZipFile(buffer)
    path = tmp_path / f"comparison_group.{fmt}"
    path.write_bytes(archive.read(f"comparison_group.{fmt}"))
    read = pyreadstat.read_sav if fmt == ExportFormat.SPSS else pyreadstat.read_dta
    frame, meta = read(str(path))
    assert len(frame) == len(csv_tables["comparison_group"])
    assert sorted(frame["pseudonym"]) == sorted(
        r["pseudonym"] for r in csv_tables["comparison_group"]
    )
    assert set(meta.variable_value_labels["off_benefit"].values()) == {"Nee", "Ja"}


def median_k(project):
    """A threshold that leaves some combinations of the comparison group out, not all."""
    _c, full, _m = export(project)
    sizes = {}
    for r in full["comparison_group"]:
        cell = (r["benefit_type"], r["target_group"], r["duration_band"], r["enrolled_month"])
        sizes.setdefault(cell, set()).add(r["pseudonym"])
    k = sorted(len(members) for members in sizes.values())[len(sizes) // 2]
    left_out = sum(len(members) for members in sizes.values() if len(members) < k)
    return k, left_out


def test_the_builder_shows_the_comparison_groups_suppression(
    register, client, django_assert_max_num_queries
):
    municipality, _people = register
    researcher = UserFactory(role=Role.RESEARCHER, municipality=municipality)
    project = project_of(municipality, researcher=researcher)
    k, left_out = median_k(project)
    assert left_out
    project.k_threshold = k
    project.save()
    client.force_login(researcher)
    url = reverse("evaluation:research_export_new", args=[project.pk])
    with time_machine.travel(PINNED, tick=False), django_assert_max_num_queries(16):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    page = response.content.decode()
    counts, _t, _m = export(project)
    assert counts.report.comparison_suppressed_rows == left_out
    kept = re.search(r'data-testid="comparison-kept">(.*?)</dd>', page, re.S).group(1)
    assert f"{counts.report.comparison_people} personen in de export" in kept
    assert (
        f"weggelaten: {left_out} rijen van {left_out} personen, in combinaties van uitkering,"
        f" doelgroep, duur en maand van aanmelding die minder dan {k} personen delen"
    ) in kept
    # Chosen away, the comparison group is neither measured nor shown.
    with time_machine.travel(PINNED, tick=False):
        other = client.post(url, {"tables": ["participants"], "format": "csv", "preview": "1"})
    assert other.status_code == 200
    assert 'data-testid="comparison-kept"' not in other.content.decode()


def add_copies(municipality, people, count, in_pool):
    """`count` more register people exactly like one pool person (of `in_pool`, the ids
    exported) who stays on benefit: each joins that person's stratum, nothing else
    changes."""
    ids = dict(
        RegisterPerson.objects.filter(municipality=municipality).values_list("bsn_hash", "pk")
    )
    model = next(
        p for p in people
        if p["stratum"] and not p["participant"] and not p["off"] and p["exit"] is None
        and ids[bsn_hash(municipality.pk, p["bsn"])] in in_pool
    )  # fmt: skip
    original = RegisterPerson.objects.get(pk=ids[bsn_hash(municipality.pk, model["bsn"])])
    spell = original.spells.get()
    copies = RegisterPerson.objects.bulk_create(
        RegisterPerson(
            municipality=municipality, birth_year=original.birth_year, bsn_hash=f"copy{index:060d}"
        )
        for index in range(count)
    )
    BenefitSpell.objects.bulk_create(
        BenefitSpell(
            municipality=municipality, person=copy, benefit_type=spell.benefit_type,
            started_on=spell.started_on, ended_on=spell.ended_on, end_reason=spell.end_reason,
            ended_unseen=spell.ended_unseen, first_seen_on=spell.first_seen_on,
            last_seen_on=spell.last_seen_on, end_recorded_on=spell.end_recorded_on,
        )
        for copy in copies
    )  # fmt: skip
    # As autovacuum would after an import that large: without fresh statistics the
    # planner takes the register for its old size and joins it row by row.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE benefit_register_registerperson, benefit_register_benefitspell")
    return original


def streamed(project):
    group = register_exports.comparison_group(
        project.municipality_id, AS_OF, consenting_participants(project)
    )

    def rows():
        # As write_export reads them: a server-side cursor lives in a transaction.
        with transaction.atomic():
            yield from group.rows()

    return group, rows()


def test_a_large_registers_rows_stream_within_the_query_bound_and_match_plain_sql(register):
    municipality, people = register
    project = project_of(municipality)
    _group, rows = streamed(project)
    before = {(row.stratum, row.person_id): row for row in rows}
    extra = 20_000
    original = add_copies(municipality, people, extra, {pk for _number, pk in before})
    (stratum,) = {number for number, person_id in before if person_id == original.pk}
    old_pool = before[stratum, original.pk].pool
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM benefit_register_registerperson"
            " WHERE municipality_id = %s AND bsn_hash LIKE 'copy%%'",
            [municipality.pk],
        )
        new_ids = {pk for (pk,) in cursor.fetchall()}
    assert len(new_ids) == extra

    # The export: a query count that does not grow with the register's 20,000 more rows.
    with CaptureQueriesContext(connection) as queries:
        counts, tables, _m = export(project, tables=("comparison_group",))
    assert len(queries) <= 8, [q["sql"][:120] for q in queries]
    assert counts["comparison_group"] == len(before) + extra

    # Its rows: the ones before, and each new person in the stratum of the person copied,
    # whose pool grew by as many.
    _group, rows = streamed(project)
    after = {(row.stratum, row.person_id): row for row in rows}
    assert set(after) == set(before) | {(stratum, pk) for pk in new_ids}
    assert {row.pool for (number, _pk), row in after.items() if number == stratum} == {
        old_pool + extra
    }
    assert all(
        after[key].pool == row.pool and after[key].off_benefit == row.off_benefit
        for key, row in before.items()
        if key[0] != stratum
    )
    assert all(not after[stratum, pk].off_benefit for pk in new_ids)
    keys = [(row.stratum, row.person_id) for row in streamed(project)[1]]
    assert keys == sorted(keys)  # written in stratum and person order, straight from SQL

    # Memory: reading the rows one chunk at a time takes a fraction of holding them.
    tracemalloc.start()
    try:
        _group, rows = streamed(project)
        count = sum(1 for _row in rows)
        _size, streaming_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        _group, rows = streamed(project)
        held = list(rows)
        _size, list_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == len(held) == len(before) + extra
    assert streaming_peak * 3 < list_peak, (streaming_peak, list_peak)

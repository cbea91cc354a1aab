"""Issue 22, point 3: the dashboard shows the municipality's bijstand inflow, outflow and
outflow to work over the last twelve months by the Divosa benchmark's definitions, each with
its definition and the source (the register's snapshots, else the participants only); with
no data a sentence, not zeros. Scoped to the manager's own municipality; the page's queries
do not grow with the register."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.register.models import BenefitSpell, RegisterPerson, RegisterSnapshot
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.models import User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 11, tzinfo=datetime.UTC)
URL = reverse("evaluation:dashboard")


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def words(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html):
    start = html.index('data-testid="benchmark"')
    return words(html[start : html.index("</section>", start)])


def add_register(municipality, people, first=0):
    """`people` persons on bijstand since 2024, snapshot of 31 December 2024: every fourth
    left for work in 2026, every fourth from the second on left for another reason, and
    every fifth started in 2026."""
    RegisterSnapshot.objects.get_or_create(
        municipality=municipality, taken_on=datetime.date(2024, 12, 31)
    )
    for index in range(first, first + people):
        person = RegisterPerson.objects.create(
            municipality=municipality, bsn_hash=f"h{municipality.pk}-{index}", birth_year=1980
        )
        started = datetime.date(2026, 2, 1) if index % 5 == 4 else datetime.date(2024, 3, 1)
        ended, reason = None, ""
        if index % 4 == 0:
            ended, reason = datetime.date(2026, 6, 30), "work"
        elif index % 4 == 1:
            ended, reason = datetime.date(2026, 6, 30), "moved_away"
        BenefitSpell.objects.create(
            municipality=municipality, person=person, benefit_type="bijstand",
            started_on=started, ended_on=ended, end_reason=reason,
            first_seen_on=datetime.date(2024, 12, 31), last_seen_on=datetime.date(2024, 12, 31),
            end_recorded_on=ended,
        )  # fmt: skip


def dashboard(client, manager, **params):
    client.force_login(manager)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def test_the_dashboard_shows_the_register_figures_with_their_definitions(client, make_user):
    manager = make_user(Role.MANAGER)
    add_register(manager.municipality, 20)
    response = dashboard(client, manager)
    bench = response.context["figures"].benchmark
    # 20 people: 4 started in 2026 (inflow), 16 in the stock on 30 November 2025; ended in
    # June 2026: 5 for work (0, 4, 8, 12, 16) and 5 for another reason (1, 5, 9, 13, 17).
    assert (bench.stock_start, bench.inflow, bench.outflow, bench.outflow_to_work) == (
        16,
        4,
        10,
        5,
    )
    text = section(response.content.decode())
    assert "Benchmark bijstand (Divosa-definities)" in text
    assert "de twaalf maanden van 1 december 2025 tot en met 30 november 2026" in text
    assert "Lopende bijstandsuitkeringen op 30 november 2025: 16; op 30 november 2026: 10." in text
    assert "Bron: het uitkeringsregister, uit de momentopnamen van 31 december 2024" in text
    assert "Instroom 4 25% van het bestand aan het begin" in text
    assert "Uitstroom 10 62,5% van het bestand aan het begin" in text
    assert "Uitstroom naar werk 5 50% van de uitstroom" in text
    # Each figure with its definition, in Dutch.
    assert "Bijstandsuitkeringen (Participatiewet, ook naast WW) die in de twaalf maanden" in text
    assert "waarvan de laatste dag met uitkering in de twaalf maanden valt" in text
    assert "wegens werk of een eigen bedrijf, als percentage van de uitstroom" in text
    assert "zonder IOAW, IOAZ en Bbz" in text
    assert "De noemer van de percentages van de benchmark konden we niet nagaan" in text
    assert "alleen de deelnemers" not in text


def test_a_chosen_programme_and_period_keep_the_whole_municipality_as_of_the_period_end(
    client, make_user
):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    add_register(manager.municipality, 20)
    response = dashboard(client, manager, programme=programme.pk, date_from="2026-01-01",
                         date_to="2026-05-31")  # fmt: skip
    bench = response.context["figures"].benchmark
    assert bench.as_of == datetime.date(2026, 5, 31)
    # The June ends lie after the as-of date.
    assert (bench.inflow, bench.outflow) == (4, 0)
    text = section(response.content.decode())
    assert "de twaalf maanden van 1 juni 2025 tot en met 31 mei 2026" in text


def test_without_a_register_the_participants_give_the_figures_and_say_so(client, make_user):
    manager = make_user(Role.MANAGER)
    ParticipantFactory(municipality=manager.municipality, benefit_start=datetime.date(2026, 3, 1))
    ParticipantFactory(municipality=manager.municipality, benefit_start=datetime.date(2024, 3, 1))
    text = section(dashboard(client, manager).content.decode())
    assert (
        "Bron: alleen de deelnemers, omdat het uitkeringsregister nog geen momentopname heeft."
        in text
    )
    assert (
        "vergelijk deze cijfers niet met de benchmark alsof het die van de gemeente zijn" in text
    )
    assert "Instroom 1 100% van het bestand aan het begin" in text
    # What the register would say about itself is left out.
    assert "zonder IOAW" not in text and "Een persoon telt als één uitkering" not in text


def test_with_no_data_the_page_says_so_and_shows_no_zeros(client, make_user):
    manager = make_user(Role.MANAGER)
    response = dashboard(client, manager)
    text = section(response.content.decode())
    assert "Er zijn nog geen cijfers over de bijstand van de gemeente" in text
    assert 'data-testid="benchmark-table"' not in response.content.decode()
    assert "Instroom" not in text and "0%" not in text


def test_another_municipalitys_register_is_never_shown(client, make_user, other_municipality):
    add_register(other_municipality, 20)
    manager = make_user(Role.MANAGER)
    response = dashboard(client, manager)
    assert not response.context["figures"].benchmark.has_data
    assert "Er zijn nog geen cijfers over de bijstand" in section(response.content.decode())
    other = make_user(Role.MANAGER, municipality=other_municipality)
    assert dashboard(client, other).context["figures"].benchmark.inflow == 4


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.WSP, Role.ADMIN, Role.RESEARCHER,
                                  Role.EMPLOYER])  # fmt: skip
def test_other_roles_do_not_get_the_dashboard(client, make_user, role):
    add_register(make_user(Role.MANAGER).municipality, 5)
    client.force_login(make_user(role))
    assert client.get(URL).status_code == 403


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_dashboards_queries_do_not_grow_with_the_register(client, make_user):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=manager.municipality)
    client.force_login(manager)
    urls = [URL, f"{URL}?programme={programme.pk}", f"{URL}?date_to=2026-06-30"]
    without = [_queries(client, url) for url in urls]
    add_register(manager.municipality, 10)
    with_10 = [_queries(client, url) for url in urls]
    add_register(manager.municipality, 190, first=10)
    with_200 = [_queries(client, url) for url in urls]
    assert with_10 == with_200
    # With a register its one statement also brings the snapshots' dates the net effect
    # would read; without one the participants take a query of their own.
    assert [count + 1 for count in with_200] == without
    assert max(without) <= 21


# The demo: Demo Zwolle has a register, Demo Kampen has none.


def test_the_demo_shows_plausible_figures(client, demo):
    zwolle = User.objects.get(email="manager@zwolle.example")
    response = dashboard(client, zwolle)
    bench = response.context["figures"].benchmark
    assert bench.from_register and not bench.partial
    assert bench.stock_start > 200
    assert 0 < bench.inflow < bench.stock_start
    assert 0 < bench.outflow_to_work < bench.outflow < bench.stock_start
    assert bench.stock_start + bench.inflow - bench.outflow == bench.stock_end
    text = section(response.content.decode())
    assert "Bron: het uitkeringsregister" in text

    kampen = User.objects.get(email="manager@kampen.example")
    response = dashboard(client, kampen)
    assert response.context["figures"].benchmark.source == "participants"
    assert "Bron: alleen de deelnemers" in section(response.content.decode())

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultants import selectors
from consultants.models import Competency
from tests.consultants.factories import (
    CompetencyAssessmentFactory,
    CompetencyFactory,
    CompetencyScoreFactory,
    ConsultantProfileFactory,
    IntervisionSessionFactory,
    TrainingRecordFactory,
    build_team,
)
from tests.participants.factories import ParticipantFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def row_of(overview, consultant):
    (row,) = [row for row in overview.rows if row.consultant == consultant]
    return row


def score(assessment, competency, value):
    return CompetencyScoreFactory(assessment=assessment, competency=competency, score=value)


def test_team_overview_values(make_user, municipality, other_municipality):
    manager = make_user(Role.MANAGER, last_name="Manager")
    anna = make_user(last_name="Aalders")
    bram = make_user(last_name="Bakker")
    make_user(last_name="Uit dienst", is_active=False)
    make_user(municipality=other_municipality)

    ConsultantProfileFactory(user=anna, is_trainer=True)
    TrainingRecordFactory(consultant=anna, vak_course=True)
    TrainingRecordFactory.create_batch(2, consultant=anna)
    # Bram started the course but has not completed it.
    TrainingRecordFactory(consultant=bram, kind="vak_course")

    for held_on in (datetime.date(2025, 10, 1), datetime.date(2026, 2, 3)):
        IntervisionSessionFactory(municipality=municipality, held_on=held_on, attendees=[anna])
    IntervisionSessionFactory(
        municipality=municipality, held_on=datetime.date(2026, 9, 8), attendees=[anna, bram]
    )
    # Outside the last twelve months, and one facilitated but not attended.
    IntervisionSessionFactory(
        municipality=municipality, held_on=datetime.date(2025, 11, 23), attendees=[bram]
    )
    IntervisionSessionFactory(
        municipality=municipality, facilitator=bram, facilitator_name="", attendees=[anna]
    )

    ParticipantFactory.create_batch(3, municipality=municipality, consultant=anna)
    ParticipantFactory(municipality=municipality, consultant=bram)

    first, second, *_rest = Competency.objects.filter(municipality=municipality)
    old = CompetencyAssessmentFactory(
        consultant=anna, assessor=manager, assessed_on=datetime.date(2025, 6, 1)
    )
    score(old, first, 1)
    latest = CompetencyAssessmentFactory(
        consultant=anna, assessor=manager, assessed_on=datetime.date(2026, 6, 1)
    )
    score(latest, first, 4)
    score(latest, second, 5)
    # A retired competency keeps its score in the average but has no column.
    score(latest, CompetencyFactory(municipality=municipality, active=False), 3)

    overview = selectors.team_overview(manager, today=TODAY)

    assert [row.consultant for row in overview.rows] == [anna, bram]
    assert len(overview.competencies) == 8
    assert overview.competencies[:2] == [first, second]

    a = row_of(overview, anna)
    assert (a.is_trainer, a.may_become_trainer) == (True, False)
    assert a.vak_completed is True
    assert a.refresher_courses == 2
    assert a.last_intervision == datetime.date(2026, 9, 8)
    assert a.intervisions_last_year == 3  # 2025-10-01 is within twelve months of TODAY
    assert a.caseload == 3
    assert a.assessed_on == datetime.date(2026, 6, 1)
    assert a.average_score == pytest.approx(4.0)
    assert a.scores == [4, 5, None, None, None, None, None, None]

    b = row_of(overview, bram)
    assert (b.is_trainer, b.vak_completed, b.refresher_courses) == (False, False, 0)
    assert b.last_intervision == datetime.date(2026, 9, 8)
    assert b.intervisions_last_year == 1
    assert b.caseload == 1
    assert (b.assessed_on, b.average_score) == (None, None)
    assert b.scores == [None] * 8


def test_future_sessions_do_not_count_as_held(make_user, municipality):
    consultant = make_user()
    IntervisionSessionFactory(
        municipality=municipality,
        held_on=TODAY + datetime.timedelta(days=5),
        attendees=[consultant],
    )
    row = row_of(selectors.team_overview(make_user(Role.MANAGER), today=TODAY), consultant)
    assert (row.last_intervision, row.intervisions_last_year) == (None, 0)


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.ADMIN, Role.WSP])
def test_only_managers_get_an_overview(make_user, role):
    make_user()
    assert selectors.team_overview(make_user(role)).rows == []


@pytest.mark.parametrize("size", [2, 20])
def test_team_overview_query_count_does_not_grow(make_user, municipality, size):
    manager = build_team(municipality, make_user, size)
    with CaptureQueriesContext(connection) as queries:
        overview = selectors.team_overview(manager, today=TODAY)
    assert len(overview.rows) == size
    assert all(row.scores == [3] * 8 for row in overview.rows)
    assert len(queries) == 3

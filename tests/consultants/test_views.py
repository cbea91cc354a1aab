import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from consultants.models import (
    Competency,
    CompetencyAssessment,
    ConsultantProfile,
    IntervisionSession,
    TrainingRecord,
)
from tests.consultants.factories import (
    CompetencyAssessmentFactory,
    CompetencyScoreFactory,
    IntervisionSessionFactory,
    TrainingRecordFactory,
    build_team,
)
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

# The forms refuse a date in the future: the tests pin the clock, and "yesterday" is the
# pinned day's, not the day the module happened to be imported.
NOW = datetime.datetime(2026, 11, 30, 11, tzinfo=datetime.UTC)
YESTERDAY = datetime.date(2026, 11, 29)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def urls(consultant, competency):
    return [
        reverse("consultants:team"),
        reverse("consultants:my_development"),
        reverse("consultants:consultant_detail", args=[consultant.pk]),
        reverse("consultants:profile_edit", args=[consultant.pk]),
        reverse("consultants:assessment_create", args=[consultant.pk]),
        reverse("consultants:training_create"),
        reverse("consultants:intervision_create"),
        reverse("consultants:competency_list"),
        reverse("consultants:competency_create"),
        reverse("consultants:competency_edit", args=[competency.pk]),
    ]


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.WSP, Role.EMPLOYER, Role.RESEARCHER])
def test_outside_roles_get_403_everywhere(client, make_user, municipality, role):
    consultant = make_user()
    competency = Competency.objects.filter(municipality=municipality).first()
    client.force_login(make_user(role))
    for url in urls(consultant, competency):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


def test_anonymous_users_are_sent_to_login(client, make_user, municipality):
    competency = Competency.objects.filter(municipality=municipality).first()
    for url in urls(make_user(), competency):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            Role.CONSULTANT,
            {"my_development", "training_create", "intervision_create"},
        ),
        (
            Role.MANAGER,
            {
                "team",
                "consultant_detail",
                "profile_edit",
                "assessment_create",
                "training_create",
                "intervision_create",
                "competency_list",
            },
        ),
        (Role.ADMIN, {"competency_list", "competency_create", "competency_edit"}),
    ],
)
def test_each_role_opens_only_its_own_pages(client, make_user, municipality, role, allowed):
    consultant = make_user()
    competency = Competency.objects.filter(municipality=municipality).first()
    client.force_login(make_user(role))
    for url in urls(consultant, competency):
        name = reverse_name(url)
        # A consultant may open the detail page, but not a colleague's: that is not found.
        colleagues_page = role == Role.CONSULTANT and name == "consultant_detail"
        expected = 200 if name in allowed else (404 if colleagues_page else 403)
        assert client.get(url).status_code == expected, url


def reverse_name(url):
    from django.urls import resolve

    return resolve(url).url_name


def test_consultant_sees_only_their_own_detail_page(client, make_user):
    me, colleague = make_user(), make_user()
    client.force_login(me)
    assert client.get(reverse("consultants:consultant_detail", args=[me.pk])).status_code == 200
    detail = reverse("consultants:consultant_detail", args=[colleague.pk])
    assert client.get(detail).status_code == 404


def test_another_municipality_gets_404(client, make_user, municipality, other_municipality):
    ours = make_user()
    ours_competency = Competency.objects.filter(municipality=municipality).first()
    client.force_login(make_user(Role.MANAGER, municipality=other_municipality))
    for name in ("consultant_detail", "profile_edit", "assessment_create"):
        url = reverse(f"consultants:{name}", args=[ours.pk])
        assert client.get(url).status_code == 404, name
    client.force_login(make_user(Role.ADMIN, municipality=other_municipality))
    edit = reverse("consultants:competency_edit", args=[ours_competency.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "Overgenomen", "position": 1}).status_code == 404


def test_a_non_consultant_has_no_detail_page(client, make_user):
    client.force_login(make_user(Role.MANAGER))
    colleague_manager = make_user(Role.MANAGER)
    url = reverse("consultants:consultant_detail", args=[colleague_manager.pk])
    assert client.get(url).status_code == 404


# --- pages show the right rows ----------------------------------------------------------


def test_team_page_lists_the_municipalitys_consultants(
    client, make_user, municipality, other_municipality
):
    ours = make_user(last_name="Jansen")
    theirs = make_user(last_name="Pietersen", municipality=other_municipality)
    TrainingRecordFactory(consultant=ours, vak_course=True)
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("consultants:team")).content.decode()
    assert ours.last_name in page
    assert reverse("consultants:consultant_detail", args=[ours.pk]) in page
    assert theirs.last_name not in page
    assert "Oplossingsgericht werken" in page


def test_detail_page_shows_training_intervision_and_assessments(client, make_user, municipality):
    consultant, colleague = make_user(), make_user()
    TrainingRecordFactory(consultant=consultant, provider="Hogeschool Saxion")
    TrainingRecordFactory(consultant=colleague, provider="Colleges Elders")
    IntervisionSessionFactory(
        municipality=municipality, attendees=[consultant], summary="Casus van vandaag"
    )
    IntervisionSessionFactory(
        municipality=municipality, attendees=[colleague], summary="Niet hier"
    )
    competency = Competency.objects.filter(municipality=municipality).first()
    CompetencyScoreFactory(assessment__consultant=consultant, competency=competency, score=4)
    client.force_login(consultant)
    page = client.get(reverse("consultants:my_development")).content.decode()
    assert "Hogeschool Saxion" in page
    assert "Colleges Elders" not in page
    assert "Casus van vandaag" in page
    assert "Niet hier" not in page
    assert competency.name in page
    assert "4 ·" in page


def test_competency_list_shows_edit_links_to_the_admin_only(client, make_user, municipality):
    competency = Competency.objects.filter(municipality=municipality).first()
    edit = reverse("consultants:competency_edit", args=[competency.pk])
    client.force_login(make_user(Role.ADMIN))
    assert edit in client.get(reverse("consultants:competency_list")).content.decode()
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("consultants:competency_list")).content.decode()
    assert competency.name in page
    assert edit not in page


# --- writes through the forms -------------------------------------------------------------


def test_consultant_records_training_through_the_form(client, make_user):
    consultant = make_user()
    client.force_login(consultant)
    response = client.post(
        reverse("consultants:training_create"),
        {
            "kind": "refresher",
            "title": "Motiverende gespreksvoering",
            "provider": "VAK Academie",
            "started_on": YESTERDAY.isoformat(),
            "ended_on": YESTERDAY.isoformat(),
            "completed": "on",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("consultants:my_development")
    record = TrainingRecord.objects.get()
    assert (record.consultant, record.completed) == (consultant, True)


def test_consultant_cannot_record_training_for_a_colleague(client, make_user):
    consultant, colleague = make_user(), make_user()
    client.force_login(consultant)
    client.post(
        reverse("consultants:training_create"),
        {
            "consultant": colleague.pk,
            "kind": "refresher",
            "provider": "VAK Academie",
            "started_on": YESTERDAY.isoformat(),
        },
    )
    # The consultant field is not on the consultant's form: the record is theirs.
    assert TrainingRecord.objects.get().consultant == consultant


def test_manager_records_training_for_a_team_member(client, make_user, other_municipality):
    manager, consultant = make_user(Role.MANAGER), make_user()
    theirs = make_user(municipality=other_municipality)
    client.force_login(manager)
    data = {"kind": "vak_course", "provider": "Windesheim", "started_on": YESTERDAY.isoformat()}
    response = client.post(
        reverse("consultants:training_create"), {**data, "consultant": theirs.pk}
    )
    assert response.status_code == 200  # not a valid choice
    response = client.post(
        reverse("consultants:training_create"), {**data, "consultant": consultant.pk}
    )
    assert response.url == reverse("consultants:consultant_detail", args=[consultant.pk])
    assert TrainingRecord.objects.get().consultant == consultant


def test_invalid_training_shows_the_form_again(client, make_user):
    client.force_login(make_user())
    future = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        reverse("consultants:training_create"),
        {"kind": "refresher", "provider": "VAK Academie", "started_on": future.isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not TrainingRecord.objects.exists()


def test_consultant_records_intervision_through_the_form(client, make_user):
    consultant, colleague = make_user(), make_user()
    client.force_login(consultant)
    response = client.post(
        reverse("consultants:intervision_create"),
        {
            "held_on": YESTERDAY.isoformat(),
            "focus": "professionalism",
            "attendees": [consultant.pk, colleague.pk],
            "facilitator": colleague.pk,
            "summary": "Casus over weerstand",
        },
    )
    assert response.status_code == 302
    session = IntervisionSession.objects.get()
    assert set(session.attendees.all()) == {consultant, colleague}
    assert session.facilitator == colleague


def test_intervision_without_the_consultant_is_refused(client, make_user):
    consultant, colleague = make_user(), make_user()
    client.force_login(consultant)
    response = client.post(
        reverse("consultants:intervision_create"),
        {
            "held_on": YESTERDAY.isoformat(),
            "focus": "results",
            "attendees": [colleague.pk],
            "facilitator_name": "Extern",
        },
    )
    assert response.status_code == 200
    assert "attendees" in response.context["form"].errors
    assert not IntervisionSession.objects.exists()


def test_manager_assesses_through_the_form(client, make_user, municipality):
    manager, consultant = make_user(Role.MANAGER), make_user()
    competencies = list(Competency.objects.filter(municipality=municipality))
    client.force_login(manager)
    url = reverse("consultants:assessment_create", args=[consultant.pk])
    form = client.get(url).context["form"]
    assert len(form.fields) == 1 + len(competencies)
    data = {"assessed_on": YESTERDAY.isoformat()}
    data |= {f"competency_{c.pk}": "4" for c in competencies}
    response = client.post(url, data)
    assert response.status_code == 302
    assessment = CompetencyAssessment.objects.get()
    assert (assessment.consultant, assessment.assessor) == (consultant, manager)
    assert sorted(assessment.scores.values_list("score", flat=True)) == [4] * 8


def test_assessment_needs_every_score(client, make_user, municipality):
    consultant = make_user()
    client.force_login(make_user(Role.MANAGER))
    response = client.post(
        reverse("consultants:assessment_create", args=[consultant.pk]),
        {"assessed_on": YESTERDAY.isoformat()},
    )
    assert response.status_code == 200
    assert not CompetencyAssessment.objects.exists()


def test_manager_sets_trainer_status_through_the_form(client, make_user):
    consultant = make_user()
    client.force_login(make_user(Role.MANAGER))
    response = client.post(
        reverse("consultants:profile_edit", args=[consultant.pk]), {"may_become_trainer": "on"}
    )
    assert response.status_code == 302
    profile = ConsultantProfile.objects.get(user=consultant)
    assert (profile.is_trainer, profile.may_become_trainer) == (False, True)


def test_admin_edits_the_reference_list(client, make_user, municipality):
    client.force_login(make_user(Role.ADMIN))
    response = client.post(
        reverse("consultants:competency_create"),
        {"name": "Digitale vaardigheden", "description": "", "position": 9, "active": "on"},
    )
    assert response.status_code == 302
    assert Competency.objects.filter(municipality=municipality).count() == 9
    existing = Competency.objects.get(municipality=municipality, name="Samenwerken")
    response = client.post(
        reverse("consultants:competency_edit", args=[existing.pk]),
        {"name": "Gespreksvaardigheid", "description": "", "position": 1},
    )
    assert response.status_code == 200  # that name is taken
    assert response.context["form"].errors
    response = client.post(
        reverse("consultants:competency_edit", args=[existing.pk]),
        {"name": "Samenwerken in de keten", "description": "", "position": 5},
    )
    existing.refresh_from_db()
    assert (existing.name, existing.active) == ("Samenwerken in de keten", False)


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 20])
def test_team_page_queries_do_not_grow_with_the_team(
    client, make_user, municipality, size, django_assert_max_num_queries
):
    manager = build_team(municipality, make_user, size)
    client.force_login(manager)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("consultants:team"))
    assert len(response.context["overview"].rows) == size


@pytest.mark.parametrize("size", [2, 20])
def test_detail_page_queries_do_not_grow(
    client, make_user, municipality, size, django_assert_max_num_queries
):
    manager = build_team(municipality, make_user, size)
    consultant = CompetencyAssessment.objects.first().consultant
    # More history for this consultant as the team grows.
    for _ in range(size):
        TrainingRecordFactory(consultant=consultant)
        IntervisionSessionFactory(municipality=municipality, attendees=[consultant, make_user()])
        CompetencyAssessmentFactory(consultant=consultant, assessor=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("consultants:consultant_detail", args=[consultant.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 20])
def test_competency_pages_queries_do_not_grow(
    client, make_user, municipality, size, django_assert_max_num_queries
):
    build_team(municipality, make_user, size)
    for index in range(size):
        Competency.objects.create(municipality=municipality, name=f"Extra {index}")
    client.force_login(make_user(Role.ADMIN))
    # Session, user, second factor and municipality, then the list itself.
    with django_assert_max_num_queries(5):
        assert client.get(reverse("consultants:competency_list")).status_code == 200
    client.force_login(make_user(Role.MANAGER))
    consultant = CompetencyAssessment.objects.first().consultant
    with django_assert_max_num_queries(6):
        url = reverse("consultants:assessment_create", args=[consultant.pk])
        assert client.get(url).status_code == 200

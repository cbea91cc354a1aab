"""Issue 15, found 7: a tampered `next` saves the work and lands on a page of ours (it used to
save the move and answer 500), and a consultant who sets up a group for colleagues lands on
the group list (it used to be a 404)."""

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse

from employers.models import Match, MatchStage, OpportunityStatus
from employers.selectors import employer_of
from participants.models import Cohort, Status
from tests.employers.factories import OpportunityFactory
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.redirects import safe_target
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

TAMPERED = [
    "/employers/\r\nSet-Cookie: x=1",
    "/employers/\x00",
    "/bestaat/niet/",
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "/" + "a" * 5000,
]


@pytest.mark.parametrize("target", TAMPERED)
def test_a_tampered_next_is_replaced_by_the_fallback(target):
    request = RequestFactory().get("/")
    assert safe_target(request, target, "/fallback/") == "/fallback/"


def test_a_page_of_ours_is_kept():
    request = RequestFactory().get("/")
    assert safe_target(request, "/participants/?status=intake", "/x/") == (
        "/participants/?status=intake"
    )


@pytest.mark.parametrize("target", TAMPERED[:3])
def test_a_match_move_with_a_tampered_next_is_saved_and_lands_on_the_candidate(
    client, make_user, target
):
    consultant = make_user(Role.CONSULTANT)
    employer = make_user(Role.EMPLOYER)
    opportunity = OpportunityFactory(
        employer=employer_of(employer), status=OpportunityStatus.CONFIRMED
    )
    participant = ParticipantFactory(
        municipality=consultant.municipality, consultant=consultant, status=Status.IN_PROGRAMME,
        consent_share_profile=True,
    )  # fmt: skip
    match = Match.objects.create(
        opportunity=opportunity, participant=participant, stage=MatchStage.PROPOSED, score=50
    )
    client.force_login(consultant)
    response = client.post(
        reverse("employers:move_match", args=[match.pk]),
        {"stage": MatchStage.INTRODUCED, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("employers:candidate", args=[match.pk])
    match.refresh_from_db()
    assert match.stage == MatchStage.INTRODUCED


def test_a_consultant_who_sets_up_a_group_for_colleagues_lands_on_the_group_list(
    client, make_user
):
    consultant = make_user(Role.CONSULTANT)
    colleague = make_user(Role.CONSULTANT)
    programme = ProgrammeFactory(municipality=consultant.municipality)
    client.force_login(consultant)
    response = client.post(
        reverse("participants:cohort_create"),
        {"programme": programme.pk, "name": "Groep Noord", "start_date": "2026-12-07",
         "end_date": "2027-03-01", "capacity": "10", "trainers": [colleague.pk]},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("participants:cohort_list")
    assert Cohort.objects.get().name == "Groep Noord"
    assert "U bent geen trainer van deze groep" in response.content.decode()


def test_the_anonymisation_date_of_a_programme_without_a_real_end_is_none(municipality):
    from participants.privacy import anonymisation_date

    assert anonymisation_date(municipality, datetime.date.max) is None
    assert anonymisation_date(municipality, datetime.date(2026, 12, 31)) == datetime.date(
        2026 + municipality.retention_years, 12, 31
    ) + datetime.timedelta(days=1)

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from participants import services
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def test_consultant_sees_only_their_own_caseload(
    client, make_user, municipality, other_municipality
):
    consultant = make_user(Role.CONSULTANT)
    mine = ParticipantFactory(municipality=municipality, consultant=consultant)
    colleagues = ParticipantFactory(municipality=municipality, consultant=make_user())
    elsewhere = ParticipantFactory(municipality=other_municipality)
    client.force_login(consultant)
    page = client.get(reverse("participants:caseload")).content.decode()
    assert mine.last_name in page
    assert colleagues.last_name not in page
    assert elsewhere.last_name not in page
    assert "Mijn caseload" in page


def test_manager_sees_the_whole_municipality(client, make_user, municipality, other_municipality):
    ours = ParticipantFactory(municipality=municipality, consultant=make_user())
    theirs = ParticipantFactory(municipality=other_municipality)
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("participants:caseload")).content.decode()
    assert ours.last_name in page
    assert theirs.last_name not in page


@pytest.mark.parametrize("role", [Role.WSP, Role.EMPLOYER, Role.RESEARCHER])
def test_other_roles_have_no_caseload(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("participants:caseload")).status_code == 403


def test_caseload_is_paginated_with_a_fixed_number_of_queries(
    client, make_user, municipality, django_assert_max_num_queries
):
    consultant = make_user(Role.CONSULTANT)
    ParticipantFactory.create_batch(3, municipality=municipality, consultant=consultant)
    client.force_login(consultant)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("participants:caseload"))
    assert response.status_code == 200
    ParticipantFactory.create_batch(40, municipality=municipality, consultant=consultant)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("participants:caseload")).content.decode()
    assert "Pagina 1 van 2" in page


def test_group_filter_offers_current_groups_and_keeps_an_old_one_chosen(
    client, make_user, municipality, other_municipality
):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=municipality)
    today = timezone.localdate()
    old = CohortFactory(programme=programme, name="Groep oud",
                        start_date=today - datetime.timedelta(days=300),
                        end_date=today - datetime.timedelta(days=200))  # fmt: skip
    running = CohortFactory(programme=programme, name="Groep nu",
                            start_date=today - datetime.timedelta(days=30),
                            end_date=today + datetime.timedelta(days=50))  # fmt: skip
    member = ParticipantFactory(municipality=municipality, programme=programme, last_name="Lid")
    services.enrol(manager, old, member)
    ParticipantFactory(municipality=municipality, last_name="Buiten")
    theirs = CohortFactory(
        programme=ProgrammeFactory(municipality=other_municipality),
        name="Groep elders",
        end_date=today + datetime.timedelta(days=50),
    )
    client.force_login(manager)

    page = client.get(reverse("participants:caseload"))
    offered = list(page.context["filter_form"].fields["cohort"].queryset)
    assert offered == [running]
    html = page.content.decode()
    assert f'<option value="{running.pk}">Groep nu</option>' in html
    assert "Groep oud" not in html
    assert "Groep elders" not in html
    # Another municipality's group is no filter here, however its number is typed in.
    refused = client.get(reverse("participants:caseload"), {"cohort": theirs.pk})
    assert refused.context["filter_form"].errors["cohort"]
    assert "Groep elders" not in refused.content.decode()
    # A link to the old group's members still works, and lists only them.
    chosen = client.get(reverse("participants:caseload"), {"cohort": old.pk})
    assert [p.last_name for p in chosen.context["page"]] == ["Lid"]
    assert f'<option value="{old.pk}" selected>' in chosen.content.decode()

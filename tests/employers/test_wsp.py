"""The WSP's side: employers with a validated KvK number, contact persons, the contact log
and inviting employer users; who may see what."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from employers import services
from employers.forms import EmployerForm
from employers.models import ContactLogEntry, Employer, EmployerContact, Stage
from employers.selectors import employer_of
from tests.employers.factories import (
    ContactLogEntryFactory,
    EmployerContactFactory,
    EmployerFactory,
    OpportunityFactory,
)
from tests.vakwerk.factories import UserFactory
from vakwerk.models import User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

BAD_KVK = ["1234567", "1234567A", "ABCDEFGH", "123456789"]


def employer_data(**overrides):
    return {
        "name": "Bakkerij De Korenschoof",
        "kvk_number": "12345678",
        "sector": "Voeding",
        "size": "small",
        "stage": Stage.PROSPECT,
        **overrides,
    }


# KvK number


@pytest.mark.parametrize("number", BAD_KVK)
def test_the_form_refuses_a_kvk_number_without_exactly_eight_digits(make_user, number):
    form = EmployerForm(employer_data(kvk_number=number), user=make_user(Role.WSP))
    assert not form.is_valid()
    assert "kvk_number" in form.errors


def test_the_form_accepts_eight_digits_also_as_printed_with_a_space(make_user):
    form = EmployerForm(employer_data(kvk_number="1234 5678"), user=make_user(Role.WSP))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["kvk_number"] == "12345678"


@pytest.mark.parametrize("number", BAD_KVK)
def test_the_model_refuses_a_kvk_number_without_exactly_eight_digits(municipality, number):
    employer = Employer(municipality=municipality, name="X", kvk_number=number)
    with pytest.raises(ValidationError) as refused:
        employer.full_clean()
    assert "kvk_number" in refused.value.error_dict


def test_the_model_accepts_eight_digits(municipality):
    Employer(municipality=municipality, name="X", kvk_number="87654321").full_clean()


def test_the_form_refuses_a_kvk_number_known_in_the_municipality(make_user, municipality):
    EmployerFactory(municipality=municipality, kvk_number="12345678")
    form = EmployerForm(employer_data(), user=make_user(Role.WSP))
    assert not form.is_valid()
    assert "kvk_number" in form.errors


def test_a_kvk_number_known_in_another_municipality_is_no_obstacle(make_user, other_municipality):
    EmployerFactory(municipality=other_municipality, kvk_number="12345678")
    assert EmployerForm(employer_data(), user=make_user(Role.WSP)).is_valid()


# Employer pages


def test_wsp_adds_and_edits_an_employer(login, make_user, municipality):
    wsp = make_user(Role.WSP)
    client = login(wsp)
    response = client.post(
        reverse("employers:employer_create"), employer_data(account_manager=wsp.pk)
    )
    employer = Employer.objects.get()
    assert response.url == reverse("employers:employer_detail", args=[employer.pk])
    assert (employer.municipality, employer.account_manager) == (municipality, wsp)

    client.post(
        reverse("employers:employer_edit", args=[employer.pk]),
        employer_data(stage=Stage.PARTNER, kvk_number="12345678"),
    )
    employer.refresh_from_db()
    assert employer.stage == Stage.PARTNER


def test_a_wrong_kvk_number_saves_nothing(login, make_user):
    response = login(make_user(Role.MANAGER)).post(
        reverse("employers:employer_create"), employer_data(kvk_number="1234567")
    )
    assert response.status_code == 200
    assert "kvk_number" in response.context["form"].errors
    assert not Employer.objects.exists()


def test_account_managers_are_wsp_colleagues_of_the_municipality(make_user, other_municipality):
    wsp = make_user(Role.WSP)
    colleague = make_user(Role.WSP)
    make_user(Role.CONSULTANT)
    UserFactory(role=Role.WSP, municipality=other_municipality)
    choices = EmployerForm(user=wsp).fields["account_manager"].queryset
    assert set(choices) == {wsp, colleague}


def test_wsp_adds_edits_and_removes_contact_persons(login, make_user, municipality):
    employer = EmployerFactory(municipality=municipality)
    client = login(make_user(Role.WSP))
    client.post(
        reverse("employers:contact_create", args=[employer.pk]),
        {"name": "Petra de Vries", "job_title": "HR", "email": "petra@korenschoof.example"},
    )
    contact = EmployerContact.objects.get(employer=employer)
    client.post(
        reverse("employers:contact_edit", args=[employer.pk, contact.pk]),
        {"name": "Petra de Vries", "phone": "038 123 4567"},
    )
    contact.refresh_from_db()
    assert contact.phone == "038 123 4567"
    page = client.get(reverse("employers:employer_detail", args=[employer.pk]))
    assert "Petra de Vries" in page.content.decode()

    assert (
        client.get(reverse("employers:contact_delete", args=[employer.pk, contact.pk])).status_code
        == 405
    )
    client.post(reverse("employers:contact_delete", args=[employer.pk, contact.pk]))
    assert not EmployerContact.objects.exists()


def test_a_contact_of_another_employer_is_not_found(login, make_user, municipality):
    employer = EmployerFactory(municipality=municipality)
    stranger = EmployerContactFactory(employer=EmployerFactory(municipality=municipality))
    client = login(make_user(Role.WSP))
    url = reverse("employers:contact_edit", args=[employer.pk, stranger.pk])
    assert client.get(url).status_code == 404
    delete = reverse("employers:contact_delete", args=[employer.pk, stranger.pk])
    assert client.post(delete).status_code == 404
    assert EmployerContact.objects.filter(pk=stranger.pk).exists()


@pytest.mark.parametrize("role", [Role.WSP, Role.MANAGER])
def test_wsp_and_managers_keep_the_contact_log(login, make_user, municipality, role):
    employer = EmployerFactory(municipality=municipality)
    user = make_user(role)
    client = login(user)
    response = client.post(
        reverse("employers:contact_log_create", args=[employer.pk]),
        {
            "held_on": "2026-03-02",
            "kind": "visit",
            "summary": "Rondleiding in de bakkerij; twee leerwerkplaatsen mogelijk.",
            "next_step": "Baanintentie laten indienen",
        },
    )
    assert response.status_code == 302
    entry = ContactLogEntry.objects.get()
    assert (entry.employer, entry.logged_by, entry.kind) == (employer, user, "visit")
    page = client.get(reverse("employers:employer_detail", args=[employer.pk])).content
    assert "twee leerwerkplaatsen mogelijk" in page.decode()


def test_consultants_see_the_employer_but_not_the_contact_log(login, make_user, municipality):
    employer = EmployerFactory(municipality=municipality)
    EmployerContactFactory(employer=employer, name="Jan Jansen")
    ContactLogEntryFactory(employer=employer, summary="Vertrouwelijk: twijfelt over budget")
    client = login(make_user(Role.CONSULTANT))
    response = client.get(reverse("employers:employer_detail", args=[employer.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Jan Jansen" in page
    assert "twijfelt over budget" not in page
    assert 'data-testid="contact-log"' not in page
    assert response.context["contact_log"] is None
    url = reverse("employers:contact_log_create", args=[employer.pk])
    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"held_on": "2026-03-02", "kind": "phone", "summary": "x"}).status_code
        == 403
    )
    assert ContactLogEntry.objects.count() == 1


def test_employer_detail_shows_opportunities_and_employer_users(login, make_user, municipality):
    employer_user = make_user(Role.EMPLOYER, first_name="Els", last_name="Bakker")
    employer = employer_of(employer_user)
    OpportunityFactory(employer=employer, title="Leerwerkplaats bakker")
    OpportunityFactory(employer=EmployerFactory(municipality=municipality), title="Van een ander")
    page = login(make_user(Role.WSP)).get(reverse("employers:employer_detail", args=[employer.pk]))
    content = page.content.decode()
    assert "Leerwerkplaats bakker" in content
    assert "Van een ander" not in content
    assert "Els Bakker" in content


# Inviting employer users


def test_wsp_invites_an_employer_user_who_activates_and_lands_on_the_opportunities(
    client, make_user, municipality, django_capture_on_commit_callbacks
):
    employer = EmployerFactory(municipality=municipality)
    client.force_login(make_user(Role.WSP))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("employers:employer_invite", args=[employer.pk]),
            {"email": "Els@Korenschoof.example", "first_name": "Els", "last_name": "Bakker"},
        )
    assert response.url == reverse("employers:employer_detail", args=[employer.pk])
    user = User.objects.get(email="els@korenschoof.example")
    assert (user.role, employer_of(user), user.municipality) == (
        Role.EMPLOYER,
        employer,
        municipality,
    )
    assert not user.has_usable_password()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["els@korenschoof.example"]
    link = re.search(r"http://testserver(/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    form_url = client.get(link).url
    client.post(
        form_url, {"new_password1": "brood-en-banket-26", "new_password2": "brood-en-banket-26"}
    )
    user.refresh_from_db()
    assert user.check_password("brood-en-banket-26")

    client.logout()
    response = client.post(
        reverse("login"), {"username": "els@korenschoof.example", "password": "brood-en-banket-26"}
    )
    start = client.get(response.url)
    assert start.url == reverse("employers:opportunity_list")
    assert client.get(start.url).status_code == 200


def test_inviting_a_known_address_is_refused_and_sends_nothing(
    login, make_user, municipality, django_capture_on_commit_callbacks
):
    make_user(Role.CONSULTANT, email="bestaat@gemeente.example")
    employer = EmployerFactory(municipality=municipality)
    client = login(make_user(Role.WSP))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("employers:employer_invite", args=[employer.pk]),
            {"email": "BESTAAT@gemeente.example", "first_name": "A", "last_name": "B"},
        )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not mail.outbox
    assert User.objects.filter(email__iexact="bestaat@gemeente.example").count() == 1


def test_only_the_wsp_invites_and_only_for_its_own_employers(
    make_user, municipality, other_municipality
):
    ours = EmployerFactory(municipality=municipality)
    theirs = EmployerFactory(municipality=other_municipality)
    data = {"email": "x@y.example", "first_name": "X", "last_name": "Y", "base_url": "/"}
    with pytest.raises(services.PermissionDenied):
        services.invite_employer_user(make_user(Role.MANAGER), ours, **data)
    with pytest.raises(services.PermissionDenied):
        services.invite_employer_user(make_user(Role.WSP), theirs, **data)
    assert not User.objects.filter(email="x@y.example").exists()


# Access


def test_employers_get_403_on_the_wsp_pages(login, make_user):
    user = make_user(Role.EMPLOYER)
    client = login(user)
    own = employer_of(user).pk
    opportunity = OpportunityFactory(employer=employer_of(user), status="submitted")
    for url in (
        reverse("employers:employer_list"),
        reverse("employers:employer_detail", args=[own]),
        reverse("employers:employer_create"),
        reverse("employers:employer_edit", args=[own]),
        reverse("employers:contact_create", args=[own]),
        reverse("employers:contact_log_create", args=[own]),
        reverse("employers:employer_invite", args=[own]),
        reverse("employers:opportunity_review", args=[opportunity.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("employers:opportunity_review", args=[opportunity.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.status == "submitted"


def test_consultants_may_not_change_employers(login, make_user, municipality):
    employer = EmployerFactory(municipality=municipality)
    client = login(make_user(Role.CONSULTANT))
    for name in ("employer_edit", "contact_create", "employer_invite"):
        assert client.get(reverse(f"employers:{name}", args=[employer.pk])).status_code == 403
    assert client.get(reverse("employers:employer_create")).status_code == 403


@pytest.mark.parametrize("role", [Role.WSP, Role.MANAGER, Role.CONSULTANT])
def test_staff_of_another_municipality_get_404(login, make_user, other_municipality, role):
    employer = EmployerFactory(municipality=other_municipality)
    contact = EmployerContactFactory(employer=employer)
    client = login(make_user(role))
    assert client.get(reverse("employers:employer_detail", args=[employer.pk])).status_code == 404
    if role in (Role.WSP, Role.MANAGER):
        for url in (
            reverse("employers:employer_edit", args=[employer.pk]),
            reverse("employers:contact_create", args=[employer.pk]),
            reverse("employers:contact_edit", args=[employer.pk, contact.pk]),
            reverse("employers:contact_log_create", args=[employer.pk]),
        ):
            assert client.get(url).status_code == 404, url
        client.post(reverse("employers:contact_delete", args=[employer.pk, contact.pk]))
        assert EmployerContact.objects.filter(pk=contact.pk).exists()


# Query counts


def test_employer_list_and_detail_have_a_fixed_number_of_queries(
    login, make_user, municipality, django_assert_max_num_queries
):
    client = login(make_user(Role.WSP))
    employer = EmployerFactory(municipality=municipality)

    def add(count):
        for _ in range(count):
            EmployerFactory(municipality=municipality)
            EmployerContactFactory(employer=employer)
            ContactLogEntryFactory(employer=employer, logged_by=make_user(Role.WSP))
            OpportunityFactory(employer=employer)
            UserFactory(role=Role.EMPLOYER, municipality=municipality, employer=employer)

    add(3)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("employers:employer_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(9):
        response = client.get(reverse("employers:employer_detail", args=[employer.pk]))
    assert response.status_code == 200
    add(27)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("employers:employer_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(9) as captured:
        response = client.get(reverse("employers:employer_detail", args=[employer.pk]))
    assert len(response.context["contacts"]) == 30
    assert len(captured.captured_queries) <= 9

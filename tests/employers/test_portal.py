"""The employer portal and the WSP's review: an opportunity from draft through the WSP's
decision, through the pages; refused transitions change nothing; who may see what."""

import datetime

import pytest
from django.contrib.messages import ERROR, get_messages
from django.urls import reverse
from django.utils import timezone

from employers.models import Opportunity, OpportunityStatus
from employers.selectors import employer_of
from tests.employers.factories import EmployerFactory, OpportunityFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

DRAFT, SUBMITTED = OpportunityStatus.DRAFT, OpportunityStatus.SUBMITTED
CONFIRMED, REJECTED = OpportunityStatus.CONFIRMED, OpportunityStatus.REJECTED
REASON = "Vermeld het aantal uren per week en het soort contract."


def opportunity_data(**overrides):
    return {
        "kind": "learning_place",
        "title": "Leerwerkplaats magazijnmedewerker",
        "positions": "2",
        "hours_per_week": "32",
        "contract": "temporary",
        "conditions": ["vocational_course", "goed_werknemer"],
        "target_groups": ["youth"],
        "valid_until": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "skills_wanted": "magazijn, heftruck",
        "description": "Begeleiding door een vaste werkbegeleider.",
        **overrides,
    }


def url(name, opportunity):
    return reverse(f"employers:{name}", args=[opportunity.pk])


def errors(response):
    return [m for m in get_messages(response.wsgi_request) if m.level == ERROR]


@pytest.fixture
def employer_user(make_user):
    return make_user(Role.EMPLOYER)


@pytest.fixture
def wsp(make_user):
    return make_user(Role.WSP)


def test_employer_posts_submits_and_sees_the_wsp_decision(client, employer_user, wsp):
    client.force_login(employer_user)
    response = client.post(reverse("employers:opportunity_create"), opportunity_data())
    opportunity = Opportunity.objects.get()
    assert response.url == url("opportunity_detail", opportunity)
    assert opportunity.employer == employer_of(employer_user)
    assert opportunity.created_by == employer_user
    assert opportunity.status == DRAFT
    assert opportunity.conditions == ["vocational_course", "goed_werknemer"]
    assert (opportunity.positions, opportunity.hours_per_week) == (2, 32)

    # A draft can still be changed; then it goes to the WSP.
    client.post(url("opportunity_edit", opportunity), opportunity_data(positions="3"))
    client.post(url("opportunity_submit", opportunity))
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.positions) == (SUBMITTED, 3)

    # The WSP rejects it with a reason, which the employer reads on the opportunity.
    client.force_login(wsp)
    list_page = client.get(reverse("employers:opportunity_list"))
    assert list_page.context["to_review"] == 1
    assert client.get(url("opportunity_review", opportunity)).status_code == 200
    client.post(url("opportunity_review", opportunity), {"decision": "reject", "reason": REASON})
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.rejection_reason) == (REJECTED, REASON)

    client.force_login(employer_user)
    page = client.get(url("opportunity_detail", opportunity))
    assert page.context["opportunity"].status == REJECTED
    assert REASON in page.content.decode()
    assert page.context["may_edit"] and page.context["may_submit"]

    # Improved and submitted again, the WSP confirms it.
    client.post(url("opportunity_edit", opportunity), opportunity_data(hours_per_week="24"))
    client.post(url("opportunity_submit", opportunity))
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.rejection_reason) == (SUBMITTED, "")
    client.force_login(wsp)
    client.post(url("opportunity_review", opportunity), {"decision": "confirm"})
    opportunity.refresh_from_db()
    assert opportunity.status == CONFIRMED
    assert opportunity.confirmed_at is not None

    client.force_login(employer_user)
    page = client.get(url("opportunity_detail", opportunity))
    assert 'data-status="confirmed"' in page.content.decode()
    assert not page.context["may_edit"]


def test_wsp_enters_an_opportunity_for_an_employer_of_its_municipality(
    client, wsp, municipality, other_municipality
):
    employer = EmployerFactory(municipality=municipality)
    foreign = EmployerFactory(municipality=other_municipality)
    client.force_login(wsp)
    form_page = client.get(reverse("employers:opportunity_create") + f"?employer={employer.pk}")
    assert form_page.context["form"]["employer"].value() == str(employer.pk)
    assert foreign not in form_page.context["form"].fields["employer"].queryset

    refused = client.post(
        reverse("employers:opportunity_create"), opportunity_data(employer=foreign.pk)
    )
    assert "employer" in refused.context["form"].errors
    client.post(reverse("employers:opportunity_create"), opportunity_data(employer=employer.pk))
    opportunity = Opportunity.objects.get()
    assert (opportunity.employer, opportunity.created_by) == (employer, wsp)
    client.post(url("opportunity_submit", opportunity))
    opportunity.refresh_from_db()
    assert opportunity.status == SUBMITTED


def test_confirming_a_draft_is_refused_with_a_message_and_changes_nothing(
    client, wsp, municipality
):
    draft = OpportunityFactory(employer=EmployerFactory(municipality=municipality))
    client.force_login(wsp)
    response = client.post(url("opportunity_review", draft), {"decision": "confirm"})
    assert response.url == url("opportunity_detail", draft)
    assert len(errors(response)) == 1
    draft.refresh_from_db()
    assert (draft.status, draft.confirmed_at) == (DRAFT, None)


def test_rejecting_without_a_reason_is_refused(client, wsp, municipality):
    submitted = OpportunityFactory(
        employer=EmployerFactory(municipality=municipality), status=SUBMITTED
    )
    client.force_login(wsp)
    response = client.post(url("opportunity_review", submitted), {"decision": "reject"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    submitted.refresh_from_db()
    assert submitted.status == SUBMITTED


def test_editing_a_confirmed_opportunity_is_refused_and_changes_nothing(client, employer_user):
    confirmed = OpportunityFactory(
        employer=employer_of(employer_user), status=CONFIRMED, title="Vaste baan"
    )
    client.force_login(employer_user)
    refused = client.get(url("opportunity_edit", confirmed), follow=True)
    assert refused.redirect_chain == [(url("opportunity_detail", confirmed), 302)]
    response = client.post(url("opportunity_edit", confirmed), opportunity_data(title="Anders"))
    assert response.url == url("opportunity_detail", confirmed)
    assert len(errors(response)) == 1
    confirmed.refresh_from_db()
    assert (confirmed.title, confirmed.status) == ("Vaste baan", CONFIRMED)


def test_submitting_twice_is_refused_with_a_message(client, employer_user):
    submitted = OpportunityFactory(employer=employer_of(employer_user), status=SUBMITTED)
    client.force_login(employer_user)
    response = client.post(url("opportunity_submit", submitted))
    assert len(errors(response)) == 1
    submitted.refresh_from_db()
    assert submitted.status == SUBMITTED


def test_a_valid_until_date_in_the_past_is_refused(client, employer_user):
    client.force_login(employer_user)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        reverse("employers:opportunity_create"),
        opportunity_data(valid_until=yesterday.isoformat()),
    )
    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors
    assert not Opportunity.objects.exists()


def test_employer_withdraws_an_opportunity(client, employer_user):
    confirmed = OpportunityFactory(employer=employer_of(employer_user), status=CONFIRMED)
    client.force_login(employer_user)
    assert client.get(url("opportunity_withdraw", confirmed)).status_code == 405
    client.post(url("opportunity_withdraw", confirmed))
    confirmed.refresh_from_db()
    assert confirmed.status == OpportunityStatus.WITHDRAWN


def test_the_opportunity_list_filters_by_status_and_kind(client, wsp, municipality):
    employer = EmployerFactory(municipality=municipality)
    wanted = OpportunityFactory(employer=employer, status=SUBMITTED, kind="vacancy")
    OpportunityFactory(employer=employer, status=SUBMITTED, kind="job_intention")
    OpportunityFactory(employer=employer, status=DRAFT, kind="vacancy")
    client.force_login(wsp)
    response = client.get(
        reverse("employers:opportunity_list"), {"status": "submitted", "kind": "vacancy"}
    )
    assert list(response.context["page"]) == [wanted]
    assert response.context["to_review"] == 2
    everything = client.get(reverse("employers:opportunity_list"), {"status": "bogus"})
    assert len(everything.context["page"]) == 3


def test_only_the_wsp_gets_a_to_review_count(client, employer_user, make_user):
    OpportunityFactory(employer=employer_of(employer_user), status=SUBMITTED)
    for user in (employer_user, make_user(Role.MANAGER)):
        client.force_login(user)
        assert client.get(reverse("employers:opportunity_list")).context["to_review"] is None


# Access


def test_employer_a_gets_404_on_the_opportunities_of_employer_b(
    client, employer_user, municipality
):
    theirs = OpportunityFactory(employer=EmployerFactory(municipality=municipality))
    client.force_login(employer_user)
    for name in ("opportunity_detail", "opportunity_edit"):
        assert client.get(url(name, theirs)).status_code == 404, name
    for name in ("opportunity_edit", "opportunity_submit", "opportunity_withdraw"):
        assert client.post(url(name, theirs), opportunity_data()).status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.status == DRAFT
    assert theirs.title.startswith("Baanintentie")


def test_an_employer_cannot_post_for_another_employer(client, employer_user, municipality):
    other = EmployerFactory(municipality=municipality)
    client.force_login(employer_user)
    client.post(reverse("employers:opportunity_create"), opportunity_data(employer=other.pk))
    assert Opportunity.objects.get().employer == employer_of(employer_user)


@pytest.mark.parametrize("role", [Role.WSP, Role.MANAGER])
def test_staff_of_another_municipality_get_404_on_opportunities(
    client, make_user, other_municipality, role
):
    theirs = OpportunityFactory(
        employer=EmployerFactory(municipality=other_municipality), status=SUBMITTED
    )
    client.force_login(make_user(role))
    assert client.get(url("opportunity_detail", theirs)).status_code == 404
    if role == Role.WSP:
        for name in ("opportunity_edit", "opportunity_review"):
            assert client.get(url(name, theirs)).status_code == 404, name
        response = client.post(url("opportunity_review", theirs), {"decision": "confirm"})
        assert response.status_code == 404
        assert client.post(url("opportunity_submit", theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == SUBMITTED


def test_researchers_get_403_on_every_employers_page(client, make_user, municipality):
    employer = EmployerFactory(municipality=municipality)
    opportunity = OpportunityFactory(employer=employer)
    client.force_login(make_user(Role.RESEARCHER))
    urls = [
        reverse("employers:employer_list"),
        reverse("employers:opportunity_list"),
        reverse("employers:employer_create"),
        reverse("employers:opportunity_create"),
    ]
    for name in ("employer_detail", "employer_edit", "contact_create", "contact_log_create",
                 "employer_invite"):  # fmt: skip
        urls.append(reverse(f"employers:{name}", args=[employer.pk]))
    urls.append(reverse("employers:contact_edit", args=[employer.pk, 1]))
    for name in ("opportunity_detail", "opportunity_edit", "opportunity_review"):
        urls.append(url(name, opportunity))
    for address in urls:
        assert client.get(address).status_code == 403, address
    for name in ("opportunity_submit", "opportunity_withdraw", "opportunity_review"):
        assert client.post(url(name, opportunity)).status_code == 403, name
    delete = reverse("employers:contact_delete", args=[employer.pk, 1])
    assert client.post(delete).status_code == 403


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONSULTANT])
def test_only_employers_and_the_wsp_write_opportunities(client, make_user, municipality, role):
    opportunity = OpportunityFactory(employer=EmployerFactory(municipality=municipality))
    client.force_login(make_user(role))
    assert client.get(url("opportunity_detail", opportunity)).status_code == 200
    assert client.get(reverse("employers:opportunity_create")).status_code == 403
    assert client.get(url("opportunity_edit", opportunity)).status_code == 403
    assert client.post(url("opportunity_submit", opportunity)).status_code == 403
    assert client.get(url("opportunity_review", opportunity)).status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.status == DRAFT


def test_anonymous_visitors_are_sent_to_the_login_page(client, municipality):
    opportunity = OpportunityFactory(employer=EmployerFactory(municipality=municipality))
    response = client.get(url("opportunity_detail", opportunity))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Query counts


@pytest.mark.parametrize("role", [Role.WSP, Role.EMPLOYER])
def test_opportunity_list_has_a_fixed_number_of_queries(
    client, make_user, municipality, django_assert_max_num_queries, role
):
    user = make_user(role)
    client.force_login(user)

    def add(count):
        for index in range(count):
            employer = employer_of(user) or EmployerFactory(municipality=municipality)
            OpportunityFactory(employer=employer, status=(SUBMITTED, DRAFT)[index % 2])

    add(3)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("employers:opportunity_list")).status_code == 200
    add(27)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("employers:opportunity_list"))
    assert len(response.context["page"]) == 25


def test_opportunity_detail_has_a_fixed_number_of_queries(
    client, employer_user, django_assert_max_num_queries
):
    opportunity = OpportunityFactory(employer=employer_of(employer_user))
    client.force_login(employer_user)
    with django_assert_max_num_queries(6):
        assert client.get(url("opportunity_detail", opportunity)).status_code == 200

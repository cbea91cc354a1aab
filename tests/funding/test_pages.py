"""The funding pages: who may open them, what the forms do, and a fixed number of
queries however many rows a page lists."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funding import selectors
from funding.models import Commitment, CommitmentStatus, EntryKind, Fund, FundKind, LedgerEntry
from tests.funding.factories import approved, confirmed_match, funded, requested
from tests.participants.factories import ParticipantFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def participant(municipality, consultant):
    return ParticipantFactory(municipality=municipality, consultant=consultant)


@pytest.fixture
def books(manager, consultant, participant):
    """A fund of € 1.000 with one approved and one requested commitment."""
    fund = funded(manager, "1000.00")
    open_commitment = approved(manager, consultant, fund, participant, "300.00")
    waiting = requested(consultant, fund, participant, "200.00", purpose="Scholing")
    entry = fund.entries.get(kind=EntryKind.DEPOSIT)
    return fund, open_commitment, waiting, entry


def all_urls(fund, commitment, entry, participant):
    pk = {"pk": fund.pk}
    return [
        ("get", reverse("funding:fund_list")),
        ("get", reverse("funding:fund_create")),
        ("get", reverse("funding:fund_detail", kwargs=pk)),
        ("get", reverse("funding:deposit", kwargs=pk)),
        ("get", reverse("funding:expenditure", kwargs=pk)),
        ("get", reverse("funding:ledger_export", kwargs={**pk, "fmt": "xlsx"})),
        ("get", reverse("funding:ledger_export", kwargs={**pk, "fmt": "csv"})),
        ("get", reverse("funding:correction", kwargs={"entry_pk": entry.pk})),
        ("get", reverse("funding:participant_commitments", args=[participant.pk])),
        ("get", reverse("funding:commitment_request", args=[participant.pk])),
        ("get", reverse("funding:approval_queue")),
        ("post", reverse("funding:approve", args=[commitment.pk])),
        ("get", reverse("funding:reject", args=[commitment.pk])),
        ("post", reverse("funding:reject", args=[commitment.pk])),
        ("post", reverse("funding:release", args=[commitment.pk])),
    ]


# Access


def test_the_urls_are_where_the_issue_says():
    assert reverse("funding:ledger_export", kwargs={"pk": 7, "fmt": "xlsx"}) == (
        "/funding/funds/7/ledger.xlsx"
    )
    assert reverse("funding:ledger_export", kwargs={"pk": 7, "fmt": "csv"}) == (
        "/funding/funds/7/ledger.csv"
    )
    assert reverse("funding:commitment_request", args=[3]) == (
        "/funding/participants/3/commitments/new/"
    )
    assert reverse("funding:participant_commitments", args=[3]) == (
        "/funding/participants/3/commitments/"
    )


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.WSP, Role.RESEARCHER])
def test_employers_wsp_and_researchers_get_403_on_every_funding_page(
    client, make_user, books, participant, role
):
    fund, _open, waiting, entry = books
    client.force_login(make_user(role))
    for method, url in all_urls(fund, waiting, entry, participant):
        assert getattr(client, method)(url).status_code == 403, url
    waiting.refresh_from_db()
    assert waiting.status == CommitmentStatus.REQUESTED


def test_anonymous_users_are_sent_to_the_login_page(client, books, participant):
    fund, _open, waiting, entry = books
    for method, url in all_urls(fund, waiting, entry, participant):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_consultants_only_request_and_see_commitments(client, consultant, books, participant):
    fund, _open, waiting, entry = books
    client.force_login(consultant)
    consultant_pages = {
        reverse("funding:participant_commitments", args=[participant.pk]),
        reverse("funding:commitment_request", args=[participant.pk]),
    }
    for method, url in all_urls(fund, waiting, entry, participant):
        expected = 200 if url in consultant_pages else 403
        assert getattr(client, method)(url).status_code == expected, url


def test_consultants_see_only_their_own_participants_commitments(
    client, make_user, books, municipality
):
    other = ParticipantFactory(municipality=municipality, consultant=make_user())
    client.force_login(make_user(Role.CONSULTANT))
    assert client.get(reverse("funding:participant_commitments", args=[other.pk])).status_code \
        == 404  # fmt: skip
    assert client.get(reverse("funding:commitment_request", args=[other.pk])).status_code == 404
    response = client.post(
        reverse("funding:commitment_request", args=[other.pk]),
        {"fund": books[0].pk, "purpose": "x", "amount": "10"},
    )
    assert response.status_code == 404
    assert not Commitment.objects.filter(participant=other).exists()


def test_admins_read_the_books_but_move_no_money(client, make_user, books, participant):
    fund, _open, waiting, entry = books
    client.force_login(make_user(Role.ADMIN))
    readable = {
        reverse("funding:fund_list"),
        reverse("funding:fund_detail", args=[fund.pk]),
        reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": "xlsx"}),
        reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": "csv"}),
    }
    for method, url in all_urls(fund, waiting, entry, participant):
        expected = 200 if url in readable else 403
        assert getattr(client, method)(url).status_code == expected, url


def test_admins_see_participant_numbers_not_names_in_the_books(
    client, make_user, manager, books, participant
):
    fund = books[0]
    name = str(participant)
    pages = [
        reverse("funding:fund_detail", args=[fund.pk]),
        reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": "csv"}),
    ]
    client.force_login(make_user(Role.ADMIN))
    for url in pages:
        content = client.get(url).content.decode("utf-8-sig")
        assert name not in content, url
        assert f"Deelnemer {participant.pk}" in content, url
    client.force_login(manager)
    for url in pages:
        assert name in client.get(url).content.decode("utf-8-sig"), url


def test_another_municipality_gets_404(client, make_user, books, other_municipality):
    fund, open_commitment, waiting, entry = books
    client.force_login(make_user(Role.MANAGER, municipality=other_municipality))
    for url in (
        reverse("funding:fund_detail", args=[fund.pk]),
        reverse("funding:deposit", args=[fund.pk]),
        reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": "xlsx"}),
        reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": "csv"}),
        reverse("funding:correction", args=[entry.pk]),
        reverse("funding:reject", args=[waiting.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("funding:approve", args=[waiting.pk])).status_code == 404
    assert client.post(reverse("funding:release", args=[open_commitment.pk])).status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == CommitmentStatus.REQUESTED
    assert fund.name not in client.get(reverse("funding:fund_list")).content.decode()
    assert client.get(reverse("funding:approval_queue")).context["page"].paginator.count == 0


def test_decisions_are_post_only(client, manager, books):
    client.force_login(manager)
    assert client.get(reverse("funding:approve", args=[books[2].pk])).status_code == 405
    assert client.get(reverse("funding:release", args=[books[1].pk])).status_code == 405


# The pages and their forms


def test_funds_overview_shows_balances_in_euros(client, manager, books):
    client.force_login(manager)
    response = client.get(reverse("funding:fund_list"))
    fund = response.context["funds"].get()
    assert (fund.allocated, fund.committed, fund.available) == (
        Decimal("1000.00"), Decimal("300.00"), Decimal("700.00"),
    )  # fmt: skip
    page = response.content.decode()
    assert "€ 1.000,00" in page and "€ 700,00" in page and "€ 300,00" in page


def test_fund_detail_shows_ledger_balances_and_open_commitments(client, manager, books):
    fund, open_commitment, _waiting, _entry = books
    client.force_login(manager)
    response = client.get(reverse("funding:fund_detail", args=[fund.pk]))
    assert response.context["fund"].available == Decimal("700.00")
    assert [e.kind for e in response.context["page"]] == [EntryKind.COMMITMENT, EntryKind.DEPOSIT]
    [listed] = response.context["commitments"]
    assert listed == open_commitment and listed.open_amount == Decimal("300.00")
    assert 'data-testid="available">€ 700,00<' in response.content.decode()


def test_the_ledger_pages_by_keyset_without_losing_or_repeating_an_entry(client, manager):
    fund = funded(manager, "1.00")
    # Entries that share a booking moment: the id decides between them.
    moment = timezone.now() - datetime.timedelta(days=10)
    for n in range(120):
        fund.entries.create(kind=EntryKind.DEPOSIT, amount=Decimal("1.00"), booked_by=manager,
                            description=f"Storting {n}",
                            booked_at=moment + datetime.timedelta(hours=n // 7))  # fmt: skip
    expected = list(fund.entries.order_by("-booked_at", "-pk").values_list("pk", flat=True))
    client.force_login(manager)
    url = reverse("funding:fund_detail", args=[fund.pk])

    pages, position = [], None
    while True:
        response = client.get(url, {"from": position} if position else {})
        page = response.context["page"]
        pages.append([entry.pk for entry in page])
        if not page.older:
            break
        assert 'data-testid="older"' in response.content.decode()
        position = page.older
    assert [len(p) for p in pages] == [50, 50, 21]
    assert [pk for p in pages for pk in p] == expected
    # And back again through "newer": the same pages in reverse.
    back = [pages[-1]]
    while page.newer:
        page = client.get(url, {"from": page.newer}).context["page"]
        back.append([entry.pk for entry in page])
    assert back == pages[::-1]
    # A position that is not ours is the first page, not an error.
    assert [e.pk for e in client.get(url, {"from": "x.1.2"}).context["page"]] == pages[0]


def test_open_commitments_page_on_their_own(client, manager, consultant):
    fund = funded(manager, "100000.00")
    fill(manager, consultant, fund, 30)
    client.force_login(manager)
    url = reverse("funding:fund_detail", args=[fund.pk])
    first = client.get(url)
    assert len(first.context["commitments"]) == 25
    page = first.content.decode()
    assert "30 openstaande verplichtingen" in page
    assert "?open=2" in page
    # Paging through the commitments keeps the ledger's position, and the other way round.
    older = first.context["page"].older
    second = client.get(url, {"open": 2, "from": older})
    assert len(second.context["commitments"]) == 5
    assert second.context["page"].newer
    assert f"?from={older}&amp;open=1" in second.content.decode()
    assert f"?open=2&amp;from={second.context['page'].newer}" in second.content.decode()


def test_manager_creates_a_fund(client, manager, municipality):
    client.force_login(manager)
    response = client.post(
        reverse("funding:fund_create"),
        {"name": "Cliëntgebonden budget 2026", "kind": FundKind.CLIENT_BUDGET,
         "starts_on": "2026-01-01", "ends_on": "2026-12-31", "target_group": "youth"},
    )  # fmt: skip
    fund = Fund.objects.get(name="Cliëntgebonden budget 2026")
    assert response.status_code == 302
    assert response["Location"] == reverse("funding:fund_detail", args=[fund.pk])
    assert (fund.municipality, fund.kind, fund.target_group) == (
        municipality, FundKind.CLIENT_BUDGET, "youth",
    )  # fmt: skip


def test_fund_form_shows_service_refusals(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("funding:fund_create"),
        {"name": "Pilot", "kind": FundKind.PILOT, "starts_on": "2026-01-01", "ceiling": "100"},
    )
    assert response.status_code == 200 and "ceiling" in response.context["form"].errors
    assert not Fund.objects.exists()


def test_a_duplicate_fund_name_is_a_form_error_not_a_crash(client, manager):
    existing = funded(manager)
    client.force_login(manager)
    response = client.post(
        reverse("funding:fund_create"),
        {"name": existing.name, "kind": FundKind.PILOT, "starts_on": "2026-01-01"},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert Fund.objects.count() == 1


@pytest.mark.parametrize(
    "typed, booked",
    [("1.234,56", "1234.56"), ("1234,5", "1234.50"), ("€ 1.500", "1500"), ("99.95", "99.95")],
)
def test_deposit_accepts_amounts_as_dutch_people_type_them(client, manager, typed, booked):
    fund = funded(manager, "1.00")
    client.force_login(manager)
    response = client.post(
        reverse("funding:deposit", args=[fund.pk]), {"amount": typed, "description": "Rijk"}
    )
    assert response.status_code == 302
    assert fund.entries.order_by("-pk").first().amount == Decimal(booked)


def test_expenditure_against_a_commitment_and_its_overspend(client, manager, books):
    fund, open_commitment, _waiting, _entry = books
    client.force_login(manager)
    url = reverse("funding:expenditure", args=[fund.pk])
    assert client.get(url, {"commitment": open_commitment.pk}).status_code == 200
    too_much = {"amount": "300,01", "description": "Factuur", "commitment": open_commitment.pk}
    response = client.post(url, too_much)
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    ok = {**too_much, "amount": "120,00"}
    assert client.post(url, ok).status_code == 302
    assert selectors.commitment_balance(open_commitment) == Decimal("180.00")
    assert selectors.balance(fund).spent == Decimal("120.00")


def test_direct_expenditure_above_available_is_shown_on_the_form(client, manager, books):
    fund = books[0]
    client.force_login(manager)
    response = client.post(
        reverse("funding:expenditure", args=[fund.pk]),
        {"amount": "700,01", "description": "Te veel"},
    )
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    assert not fund.entries.filter(kind=EntryKind.EXPENDITURE).exists()


def test_correction_of_an_entry(client, manager, books):
    fund, _open, _waiting, entry = books
    client.force_login(manager)
    url = reverse("funding:correction", args=[entry.pk])
    assert client.post(url, {"amount": "0", "description": "niets"}).status_code == 200
    response = client.post(url, {"amount": "-100,00", "description": "Te hoog geboekt"})
    assert response.status_code == 302
    correction = fund.entries.get(kind=EntryKind.CORRECTION)
    assert (correction.amount, correction.corrects) == (Decimal("-100.00"), entry)
    assert selectors.balance(fund).available == Decimal("600.00")


def test_consultant_requests_a_commitment(client, consultant, participant, books):
    fund = books[0]
    client.force_login(consultant)
    url = reverse("funding:commitment_request", args=[participant.pk])
    response = client.post(url, {"fund": fund.pk, "purpose": "Rijlessen", "amount": "450,00"})
    assert response.status_code == 302
    assert response["Location"] == reverse("funding:participant_commitments",
                                           args=[participant.pk])  # fmt: skip
    commitment = Commitment.objects.get(purpose="Rijlessen")
    assert (commitment.amount, commitment.status, commitment.requested_by) == (
        Decimal("450.00"), CommitmentStatus.REQUESTED, consultant,
    )  # fmt: skip


def test_client_level_budget_request_needs_the_confirmed_job_intention(
    client, manager, consultant, participant
):
    fund = funded(manager, kind=FundKind.CLIENT_BUDGET)
    client.force_login(consultant)
    url = reverse("funding:commitment_request", args=[participant.pk])
    data = {"fund": fund.pk, "purpose": "Proefplaatsing", "amount": "800"}
    response = client.post(url, data)
    assert response.status_code == 200 and "match" in response.context["form"].errors
    match = confirmed_match(participant)
    form = client.get(url).context["form"]
    assert list(form.fields["match"].queryset) == [match]
    assert client.post(url, {**data, "match": match.pk}).status_code == 302
    assert Commitment.objects.get(purpose="Proefplaatsing").match == match


def test_restricted_fund_request_shows_the_refusal_on_the_fund_field(
    client, manager, consultant, participant
):
    fund = funded(manager, benefit_type="ww")
    client.force_login(consultant)
    response = client.post(
        reverse("funding:commitment_request", args=[participant.pk]),
        {"fund": fund.pk, "purpose": "Cursus", "amount": "100"},
    )
    assert response.status_code == 200 and "fund" in response.context["form"].errors


def test_funds_outside_their_period_are_not_offered(client, manager, consultant, participant):
    current = funded(manager)
    funded(manager, ends_on="2025-12-31", starts_on="2025-01-01")
    client.force_login(consultant)
    form = client.get(reverse("funding:commitment_request", args=[participant.pk])).context["form"]
    assert list(form.fields["fund"].queryset) == [current]


def test_participant_commitments_page(client, consultant, manager, participant, books):
    _fund, open_commitment, waiting, _entry = books
    for user in (consultant, manager):
        client.force_login(user)
        response = client.get(reverse("funding:participant_commitments", args=[participant.pk]))
        assert response.status_code == 200
        listed = {c.pk: c for c in response.context["commitments"]}
        assert set(listed) == {open_commitment.pk, waiting.pk}
        assert listed[open_commitment.pk].open_amount == Decimal("300.00")
        assert participant.bsn not in response.content.decode()


def test_manager_approves_from_the_queue(client, manager, books):
    fund, _open, waiting, _entry = books
    client.force_login(manager)
    queue = client.get(reverse("funding:approval_queue"))
    [queued] = queue.context["page"]
    assert queued == waiting and queued.fund_available == Decimal("700.00")
    response = client.post(reverse("funding:approve", args=[waiting.pk]))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == CommitmentStatus.APPROVED
    assert selectors.balance(fund).available == Decimal("500.00")
    # Approving twice: a message, no second booking.
    client.post(reverse("funding:approve", args=[waiting.pk]))
    assert fund.entries.filter(commitment=waiting, kind=EntryKind.COMMITMENT).count() == 1


def test_approval_above_available_is_refused_with_a_message(
    client, manager, consultant, participant, books
):
    fund = books[0]
    too_big = requested(consultant, fund, participant, "700.01")
    client.force_login(manager)
    response = client.post(reverse("funding:approve", args=[too_big.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    too_big.refresh_from_db()
    assert too_big.status == CommitmentStatus.REQUESTED


def test_rejecting_needs_a_reason_on_the_page(client, manager, books):
    waiting = books[2]
    client.force_login(manager)
    url = reverse("funding:reject", args=[waiting.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    waiting.refresh_from_db()
    assert waiting.status == CommitmentStatus.REQUESTED
    assert client.post(url, {"reason": "Dubbele aanvraag"}).status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.rejection_reason) == (
        CommitmentStatus.REJECTED, "Dubbele aanvraag",
    )  # fmt: skip
    again = client.post(url, {"reason": "Nog een keer"})
    assert again.status_code == 200 and again.context["form"].non_field_errors()


def test_manager_releases_the_rest(client, manager, books):
    fund, open_commitment, _waiting, _entry = books
    client.force_login(manager)
    response = client.post(reverse("funding:release", args=[open_commitment.pk]))
    assert response["Location"] == reverse("funding:fund_detail", args=[fund.pk])
    open_commitment.refresh_from_db()
    assert open_commitment.status == CommitmentStatus.CLOSED
    assert selectors.balance(fund).available == Decimal("1000.00")
    assert LedgerEntry.objects.filter(kind=EntryKind.RELEASE, commitment=open_commitment).get(
    ).amount == Decimal("300.00")  # fmt: skip


# A fixed number of queries per page, whatever the number of rows


def fill(manager, consultant, fund, count):
    """`count` more rows on every page: funds (each with a deposit and an approved
    commitment), requested commitments with job intentions, and expenditures on `fund`."""
    municipality = fund.municipality
    for _ in range(count):
        person = ParticipantFactory(municipality=municipality, consultant=consultant)
        approved(manager, consultant, funded(manager, "100.00"), person, "10.00")
        requested(consultant, fund, person, "5.00", match=confirmed_match(person))
        commitment = approved(manager, consultant, fund, person, "1.00")
        fund.entries.create(kind=EntryKind.EXPENDITURE, amount=Decimal("0.50"),
                            booked_by=manager, description="x", commitment=commitment)  # fmt: skip


ROWS = {"fund_list": "funds", "fund_detail": "page", "approval_queue": "page"}


@pytest.mark.parametrize("name", list(ROWS))
def test_pages_have_a_fixed_number_of_queries(
    client, manager, consultant, django_assert_max_num_queries, name
):
    client.force_login(manager)
    fund = funded(manager, "100000.00")
    url = reverse(f"funding:{name}", kwargs={"pk": fund.pk} if name == "fund_detail" else {})
    fill(manager, consultant, fund, 3)
    # The fund page counts its two paged lists: one query more.
    bound = 9 if name == "fund_detail" else 8
    with django_assert_max_num_queries(bound) as few:
        small = client.get(url)
    fill(manager, consultant, fund, 27)
    with django_assert_max_num_queries(bound) as many:
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert len(large.context[ROWS[name]]) >= 30 > len(small.context[ROWS[name]]) >= 3
    assert len(many.captured_queries) == len(few.captured_queries)

"""A client-level placement budget needs a concrete job intention of this participant
(issue 13, found 2 / build 5): confirmed by the WSP and still open, with the employer
having seen the candidate (introduced or later); a filled intention qualifies only the
participant hired on it. Both the request and the approval check it."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from employers.models import Match, MatchStage, OpportunityStatus
from employers.selectors import confirmed_job_intentions
from funding import selectors, services
from funding.models import CommitmentStatus, EntryKind, FundKind
from tests.employers.factories import EmployerFactory, OpportunityFactory
from tests.funding.factories import funded
from tests.participants.factories import ParticipantFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def budget(manager):
    return funded(manager, "5000.00", kind=FundKind.CLIENT_BUDGET)


def person(municipality, consultant):
    return ParticipantFactory(municipality=municipality, consultant=consultant)


def intention(municipality, status=OpportunityStatus.CONFIRMED, **fields):
    employer = EmployerFactory(municipality=municipality)
    return OpportunityFactory(employer=employer, status=status, **fields)


def match(participant, opportunity, stage):
    return Match.objects.create(participant=participant, opportunity=opportunity, stage=stage)


def request(consultant, fund, participant, on):
    return services.request_commitment(consultant, fund, participant, Decimal("400.00"),
                                       "Werkkleding", match=on)  # fmt: skip


def refused_code(call):
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.error_list[0].code


def test_the_issues_case_only_the_hired_participant_of_a_filled_intention(
    municipality, consultant, manager, budget
):
    """One position, filled by A; B's match is still only proposed (the employer never
    saw B): B's consultant cannot ask a client-level budget on it, A's can."""
    a, b = person(municipality, consultant), person(municipality, consultant)
    one_position = intention(municipality, OpportunityStatus.FILLED, positions=1)
    hired = match(a, one_position, MatchStage.HIRED)
    proposed = match(b, one_position, MatchStage.PROPOSED)

    assert refused_code(lambda: request(consultant, budget, b, proposed)) == "no_job_intention"
    commitment = request(consultant, budget, a, hired)
    services.approve_commitment(manager, commitment)
    assert commitment.status == CommitmentStatus.APPROVED
    assert list(confirmed_job_intentions(b)) == []
    assert list(confirmed_job_intentions(a)) == [hired]


@pytest.mark.parametrize(
    ("status", "stage", "qualifies"),
    [
        (OpportunityStatus.CONFIRMED, MatchStage.PROPOSED, False),
        (OpportunityStatus.CONFIRMED, MatchStage.INTRODUCED, True),
        (OpportunityStatus.CONFIRMED, MatchStage.INTERVIEW, True),
        (OpportunityStatus.CONFIRMED, MatchStage.HIRED, True),
        (OpportunityStatus.CONFIRMED, MatchStage.REJECTED, False),
        (OpportunityStatus.CONFIRMED, MatchStage.WITHDRAWN, False),
        (OpportunityStatus.FILLED, MatchStage.HIRED, True),
        (OpportunityStatus.FILLED, MatchStage.INTERVIEW, False),
        (OpportunityStatus.FILLED, MatchStage.INTRODUCED, False),
        (OpportunityStatus.SUBMITTED, MatchStage.INTRODUCED, False),
        (OpportunityStatus.EXPIRED, MatchStage.INTERVIEW, False),
        (OpportunityStatus.WITHDRAWN, MatchStage.INTERVIEW, False),
    ],
)
def test_which_matches_qualify(municipality, consultant, budget, status, stage, qualifies):
    participant = person(municipality, consultant)
    on = match(participant, intention(municipality, status), stage)
    assert confirmed_job_intentions(participant).filter(pk=on.pk).exists() is qualifies
    if qualifies:
        assert request(consultant, budget, participant, on).match == on
    else:
        code = refused_code(lambda: request(consultant, budget, participant, on))
        assert code == "no_job_intention"
        assert not budget.commitments.exists()


def test_a_confirmed_intention_past_its_valid_until_date_is_no_longer_open(
    municipality, consultant, budget
):
    """The daily task expires it only the night after: its date already says it closed."""
    participant = person(municipality, consultant)
    yesterday = intention(municipality, valid_until=TODAY - datetime.timedelta(days=1))
    last_day = intention(municipality, valid_until=TODAY)
    late = match(participant, yesterday, MatchStage.INTERVIEW)
    in_time = match(participant, last_day, MatchStage.INTERVIEW)
    assert refused_code(lambda: request(consultant, budget, participant, late)) == (
        "no_job_intention"
    )
    assert request(consultant, budget, participant, in_time).match == in_time


def test_approval_checks_again_a_match_rejected_since_the_request(
    municipality, consultant, manager, budget
):
    participant = person(municipality, consultant)
    on = match(participant, intention(municipality), MatchStage.INTERVIEW)
    commitment = request(consultant, budget, participant, on)
    Match.objects.filter(pk=on.pk).update(stage=MatchStage.REJECTED)

    with translation.override("nl"):
        with pytest.raises(ValidationError) as refused:
            services.approve_commitment(manager, commitment)
        message = refused.value.messages[0]
    assert refused.value.error_list[0].code == "no_job_intention"
    assert "concrete baanintentie" in message and "aangenomen" in message
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.REQUESTED
    assert not budget.entries.filter(kind=EntryKind.COMMITMENT).exists()
    assert selectors.balance(budget).available == Decimal("5000.00")


def test_approval_refused_from_the_queue_page_shows_the_reason(
    login, municipality, consultant, manager, budget
):
    participant = person(municipality, consultant)
    on = match(participant, intention(municipality), MatchStage.INTRODUCED)
    commitment = request(consultant, budget, participant, on)
    Match.objects.filter(pk=on.pk).update(stage=MatchStage.WITHDRAWN)
    client = login(manager)
    response = client.post(reverse("funding:approve", args=[commitment.pk]), follow=True,
                           HTTP_ACCEPT_LANGUAGE="nl")  # fmt: skip
    assert response.status_code == 200
    assert "concrete baanintentie" in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.REQUESTED

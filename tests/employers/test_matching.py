"""Matching: the ranking with its reasons, the match flow through the pages, what an
employer may (not) see, the talent profile PDF, and the cost of the board."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from consultants.models import CoachingSession
from employers import selectors
from employers.models import Match, MatchStage, OpportunityStatus, Placement
from employers.selectors import employer_of
from participants.models import Certificate, Intake, Participant, Status, TalentProfile
from tests.employers.factories import OpportunityFactory
from tests.participants.factories import ParticipantFactory
from vakwerk.audit import AuditAction
from vakwerk.models import AuditEntry
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def nl(text, **params):
    """A message as the Dutch page shows it, whether or not the catalogue has it yet."""
    with translation.override("nl"):
        return translation.gettext(text) % params if params else translation.gettext(text)


def stage_label(stage):
    with translation.override("nl"):
        return str(MatchStage(stage).label)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def employer_user(make_user):
    return make_user(Role.EMPLOYER)


@pytest.fixture
def opportunity(employer_user):
    return OpportunityFactory(
        employer=employer_of(employer_user),
        title="Orderpicker magazijn",
        status=OpportunityStatus.CONFIRMED,
        conditions=[Certificate.GOED_WERKNEMER, Certificate.VCA],
        skills_wanted="heftruck, magazijn",
        target_groups=["workers"],
        hours_per_week=32,
        contract="temporary",
    )


@pytest.fixture
def make_participant(municipality, consultant):
    def make(*, certificates=(), skills="", hours=None, profile=True,
             experience="Twee jaar magazijnwerk", **fields):  # fmt: skip
        fields.setdefault("status", Status.IN_PROGRAMME)
        fields.setdefault("consent_share_profile", True)
        participant = ParticipantFactory(municipality=municipality, consultant=consultant,
                                         **fields)  # fmt: skip
        if profile:
            TalentProfile.objects.create(
                participant=participant,
                skills=skills,
                certificates=list(certificates),
                hours_available=hours,
                experience=experience,
                education="Mbo-2 Logistiek",
                passions="Fietsen repareren",
                availability="Doordeweeks overdag",
            )
        return Participant.objects.select_related("talent_profile").get(pk=participant.pk)

    return make


@pytest.fixture
def sensitive(make_participant, consultant):
    """A participant with every kind of data an employer must never see."""
    participant = make_participant(
        first_name="Fatima",
        last_name="Zwaluwstaart",
        birth_date=datetime.date(1987, 11, 23),
        postcode="8011 AB",
        benefit_type="bijstand",
        monthly_benefit=Decimal("1234.56"),
        certificates=[Certificate.GOED_WERKNEMER],
        skills="Heftruck, magazijn",
        hours=32,
    )
    Intake.objects.create(
        participant=participant,
        held_on=datetime.date(2026, 1, 12),
        held_by=consultant,
        development_potential="high",
        notes="Intakenotitie: schuldhulpverlening loopt",
    )
    CoachingSession.objects.create(
        consultant=consultant,
        participant=participant,
        held_on=datetime.date(2026, 2, 2),
        minutes=45,
        kind="individual",
        notes="Vertrouwelijk: thuissituatie besproken",
        agreed_actions="Afspraak bij de schuldhulp maken",
    )
    return participant


SECRET_TEXTS = (
    "8011 AB",
    "8011AB",
    "1987",
    "1234,56",
    "1234.56",
    "Intakenotitie",
    "schuldhulp",
    "Vertrouwelijk",
    "thuissituatie",
)


def assert_nothing_identifying(text, participant, *, name_allowed=False):
    for secret in (*SECRET_TEXTS, participant.bsn, participant.masked_bsn):
        assert secret not in text, secret
    for label in ("Social assistance (Participatiewet)", nl("Social assistance (Participatiewet)"),
                  "Bijstand"):  # fmt: skip
        assert label not in text, label
    if not name_allowed:
        assert participant.first_name not in text
        assert participant.last_name not in text


def match_in(opportunity, participant, stage, **extra):
    return Match.objects.create(opportunity=opportunity, participant=participant, stage=stage,
                                score=extra.pop("score", 50), **extra)  # fmt: skip


# The ranking


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_a_candidate_who_meets_everything_scores_100_with_only_reasons_in_favour(
    english, opportunity, make_participant
):
    participant = make_participant(
        certificates=[Certificate.GOED_WERKNEMER, Certificate.VCA],
        skills="Heftruck, nauwkeurig, magazijn",
        hours=36,
    )
    fit = selectors.score_candidate(opportunity, participant)
    assert fit.score == 100
    assert [sign for sign, _reason in fit.reasons] == ["+"] * len(fit.reasons)
    reasons = [reason for _sign, reason in fit.reasons]
    assert "meets: “Goed Werknemer” certificate" in reasons
    assert "meets: VCA safety certificate" in reasons
    assert "skills: heftruck, magazijn" in reasons
    assert "target group: Workers (25–49)" in reasons
    assert "available 36 hours a week" in reasons


@pytest.mark.parametrize(
    "change, score, reason",
    [
        # One of the two conditions: half of the 40 points.
        (
            {"certificates": [Certificate.GOED_WERKNEMER]},
            80,
            ("-", "lacks: VCA safety certificate"),
        ),
        # One of the two skills: half of the 30 points.
        ({"skills": "heftruck"}, 85, ("+", "skills: heftruck")),
        ({"skills": "koken"}, 70, ("-", "none of the wanted skills in the profile")),
        # 16 of the 32 hours: half of the 15 points, rounded to even (8).
        ({"hours": 16}, 93, ("-", "available 16 of 32 hours")),
        ({"hours": None}, 85, ("-", "availability unknown")),
        # 55 years old at enrolment: outside the "workers" the employer asked for.
        ({"birth_date": datetime.date(1970, 1, 1)}, 85, ("-", "outside the target group asked")),
    ],
)
def test_each_part_of_the_fit_changes_the_score_and_says_why(
    english, opportunity, make_participant, change, score, reason
):
    fields = {
        "certificates": [Certificate.GOED_WERKNEMER, Certificate.VCA],
        "skills": "heftruck, magazijn",
        "hours": 32,
        # The experience counts for the skills too: keep it out of the way here.
        "experience": "Vrijwilliger in het buurthuis",
        **change,
    }
    fit = selectors.score_candidate(opportunity, make_participant(**fields))
    assert fit.score == score
    assert reason in fit.reasons


def test_without_a_talent_profile_nothing_counts_but_the_target_group(
    english, opportunity, make_participant
):
    fit = selectors.score_candidate(opportunity, make_participant(profile=False))
    assert fit.score == 15
    assert ("-", "availability unknown") in fit.reasons


def test_an_opportunity_without_demands_gives_everyone_the_open_points(english, make_participant):
    opportunity = OpportunityFactory(status=OpportunityStatus.CONFIRMED)
    fit = selectors.score_candidate(opportunity, make_participant(profile=False))
    # Conditions 40 + half the skills 15 + target group 15 + availability 15.
    assert fit.score == 85
    assert fit.reasons == [("+", "no conditions asked")]


def test_suggestions_are_ranked_by_fit_and_leave_out_who_cannot_be_proposed(
    opportunity, make_participant, consultant, make_user, municipality, other_municipality
):
    best = make_participant(certificates=[Certificate.GOED_WERKNEMER, Certificate.VCA],
                            skills="heftruck, magazijn", hours=32)  # fmt: skip
    # Two with the same score: the surname decides.
    tie_b = make_participant(last_name="Bakker", certificates=[Certificate.VCA], hours=32)
    tie_a = make_participant(last_name="Aalders", certificates=[Certificate.VCA], hours=32)
    worst = make_participant(profile=False)
    already = make_participant(certificates=[Certificate.GOED_WERKNEMER, Certificate.VCA])
    match_in(opportunity, already, MatchStage.PROPOSED)
    make_participant(status=Status.REGISTERED)
    make_participant(status=Status.PLACED)
    ParticipantFactory(municipality=municipality, consultant=make_user(Role.CONSULTANT),
                       status=Status.IN_PROGRAMME)  # fmt: skip
    ParticipantFactory(municipality=other_municipality, status=Status.IN_PROGRAMME)

    ranked = selectors.suggest_candidates(consultant, opportunity)
    assert [s.participant for s in ranked] == [best, tie_a, tie_b, worst]
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    # The WSP matches for the whole municipality, the other consultant's person included.
    assert len(selectors.suggest_candidates(make_user(Role.WSP), opportunity)) == 5
    # Ranked without words, then worded: the same reasons as scoring each one in full.
    assert [s.reasons for s in ranked] == [
        selectors.score_candidate(opportunity, s.participant).reasons for s in ranked
    ]
    assert (
        ranked[-1].reasons
        and not selectors.score_candidate(opportunity, worst, explain=False).reasons
    )
    assert selectors.score_candidate(opportunity, worst, explain=False).score == ranked[-1].score


def test_the_board_shows_the_ranked_suggestions_with_their_reasons(
    client, consultant, opportunity, make_participant
):
    participant = make_participant(certificates=[Certificate.GOED_WERKNEMER], skills="heftruck",
                                   hours=32)  # fmt: skip
    fit = selectors.score_candidate(opportunity, participant)
    client.force_login(consultant)
    page = client.get(reverse("employers:board", args=[opportunity.pk])).content.decode()
    assert f'data-participant="{participant.pk}"' in page
    assert f'data-score="{fit.score}"' in page
    for _sign, reason in fit.reasons:
        assert str(reason) in page
    assert f'data-testid="propose-{participant.pk}"' in page


def test_proposing_from_the_board_keeps_the_fit_score(
    client, consultant, opportunity, make_participant
):
    participant = make_participant(certificates=[Certificate.VCA], hours=32)
    client.force_login(consultant)
    response = client.post(
        reverse("employers:propose", args=[opportunity.pk]), {"participant": participant.pk}
    )
    assert response.status_code == 302
    match = Match.objects.get(opportunity=opportunity, participant=participant)
    assert match.stage == MatchStage.PROPOSED
    assert match.score == selectors.score_candidate(opportunity, participant).score
    assert match.proposed_by == consultant

    again = client.post(
        reverse("employers:propose", args=[opportunity.pk]),
        {"participant": participant.pk},
        follow=True,
    )
    assert nl("%(name)s has been proposed for this opportunity already.",
              name=participant) in again.content.decode()  # fmt: skip


def test_nobody_is_proposed_for_an_opportunity_the_wsp_did_not_confirm(
    client, consultant, employer_user, make_participant
):
    draft = OpportunityFactory(
        employer=employer_of(employer_user), status=OpportunityStatus.SUBMITTED
    )
    participant = make_participant()
    client.force_login(consultant)
    page = client.get(reverse("employers:board", args=[draft.pk])).content.decode()
    assert 'data-testid="propose-' not in page
    response = client.post(
        reverse("employers:propose", args=[draft.pk]), {"participant": participant.pk}
    )
    assert not Match.objects.exists()
    assert nl("Candidates can be proposed only for an opportunity the WSP confirmed.") in (
        messages_of(response)
    )


def test_a_consultant_cannot_propose_someone_outside_their_caseload(
    client, consultant, opportunity, make_user, municipality
):
    stranger = ParticipantFactory(municipality=municipality, consultant=make_user(Role.CONSULTANT),
                                  status=Status.IN_PROGRAMME)  # fmt: skip
    client.force_login(consultant)
    client.post(reverse("employers:propose", args=[opportunity.pk]), {"participant": stranger.pk})
    assert not Match.objects.exists()


# The match flow


def move(client, match, stage, **data):
    return client.post(
        reverse("employers:move_match", args=[match.pk]), {"stage": stage, **data}, follow=True
    )


def test_a_forbidden_transition_is_refused_with_a_clear_message(
    client, consultant, opportunity, make_participant
):
    match = match_in(opportunity, make_participant(), MatchStage.PROPOSED)
    client.force_login(consultant)
    response = move(client, match, MatchStage.HIRED)
    expected = nl(
        "This cannot go from “%(from)s” to “%(to)s”.",
        **{"from": stage_label(MatchStage.PROPOSED), "to": stage_label(MatchStage.HIRED)},
    )
    assert expected in response.content.decode()
    match.refresh_from_db()
    assert match.stage == MatchStage.PROPOSED
    assert not Placement.objects.exists()


def test_introducing_without_consent_is_refused(client, consultant, opportunity, make_participant):
    participant = make_participant(consent_share_profile=False)
    match = match_in(opportunity, participant, MatchStage.PROPOSED)
    client.force_login(consultant)
    response = move(client, match, MatchStage.INTRODUCED)
    assert (
        nl(
            "%(name)s has not consented to sharing the talent profile with employers; "
            "ask for consent first.",
            name=participant,
        )
        in response.content.decode()
    )
    match.refresh_from_db()
    assert match.stage == MatchStage.PROPOSED
    participant.refresh_from_db()
    assert participant.status == Status.IN_PROGRAMME


def test_an_employer_cannot_introduce_or_withdraw(
    client, employer_user, opportunity, make_participant
):
    match = match_in(opportunity, make_participant(), MatchStage.INTRODUCED)
    client.force_login(employer_user)
    page = client.get(reverse("employers:candidate", args=[match.pk])).content.decode()
    assert 'data-testid="action-withdrawn"' not in page
    assert 'data-testid="action-interview"' in page
    response = move(client, match, MatchStage.WITHDRAWN)
    assert nl("Only the municipality can move a candidate to “%(to)s”.",
              to=stage_label(MatchStage.WITHDRAWN)) in response.content.decode()  # fmt: skip
    match.refresh_from_db()
    assert match.stage == MatchStage.INTRODUCED


def test_the_whole_flow_ends_in_a_placement_on_the_participant_timeline(
    client, consultant, employer_user, opportunity, make_participant
):
    participant = make_participant(certificates=[Certificate.VCA], hours=32)
    client.force_login(consultant)
    client.post(
        reverse("employers:propose", args=[opportunity.pk]), {"participant": participant.pk}
    )
    match = Match.objects.get(participant=participant)

    move(client, match, MatchStage.INTRODUCED)
    participant.refresh_from_db()
    assert participant.status == Status.MATCHED

    client.force_login(employer_user)
    move(client, match, MatchStage.INTERVIEW)
    # A hire without the placement details is refused, with what was typed kept.
    refused = move(client, match, MatchStage.HIRED, start_date="", hours_per_week="30")
    assert nl("Fill in the start date, contract and hours.") in refused.content.decode()
    assert 'value="30"' in refused.content.decode()
    assert not Placement.objects.exists()

    response = move(
        client,
        match,
        MatchStage.HIRED,
        start_date="2026-09-01",
        contract="temporary",
        hours_per_week="32",
        handover="Vaste werkbegeleider: Henk; eerste week halve dagen.",
    )
    assert response.status_code == 200
    match.refresh_from_db()
    assert match.stage == MatchStage.HIRED
    placement = match.placement
    assert (placement.start_date, placement.contract, placement.hours_per_week) == (
        datetime.date(2026, 9, 1),
        "temporary",
        32,
    )
    assert placement.created_by == employer_user
    participant.refresh_from_db()
    assert participant.status == Status.PLACED

    client.force_login(consultant)
    timeline = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert 'data-testid="placement"' in timeline
    assert opportunity.title in timeline


def test_a_rejection_needs_a_reason(client, employer_user, opportunity, make_participant):
    match = match_in(opportunity, make_participant(), MatchStage.INTERVIEW)
    client.force_login(employer_user)
    refused = move(client, match, MatchStage.REJECTED, reason=" ")
    assert nl("Give the reason for the rejection.") in refused.content.decode()
    match.refresh_from_db()
    assert match.stage == MatchStage.INTERVIEW

    move(client, match, MatchStage.REJECTED, reason="Rijbewijs is voor deze functie nodig.")
    match.refresh_from_db()
    assert (match.stage, match.rejection_reason) == (
        MatchStage.REJECTED,
        "Rijbewijs is voor deze functie nodig.",
    )


def test_managers_read_the_board_but_do_not_move_matches(
    client, make_user, opportunity, make_participant
):
    match = match_in(opportunity, make_participant(), MatchStage.PROPOSED)
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("employers:board", args=[opportunity.pk]))
    assert page.status_code == 200
    assert f'data-match="{match.pk}"' in page.content.decode()
    assert 'data-testid="propose-' not in page.content.decode()
    assert move(client, match, MatchStage.INTRODUCED).status_code == 403


# What the employer sees


def test_the_employer_sees_introduced_candidates_only_and_pseudonymously(
    client, employer_user, opportunity, sensitive, make_participant
):
    introduced = match_in(opportunity, sensitive, MatchStage.INTERVIEW)
    proposed = match_in(
        opportunity, make_participant(last_name="Heesterbeek"), MatchStage.PROPOSED
    )
    client.force_login(employer_user)

    board = client.get(reverse("employers:board", args=[opportunity.pk])).content.decode()
    assert f'data-match="{introduced.pk}"' in board
    assert f'data-match="{proposed.pk}"' not in board
    assert "Heesterbeek" not in board
    assert 'data-testid="suggestion"' not in board
    assert str(introduced.candidate_label) in board
    assert_nothing_identifying(board, sensitive)

    page = client.get(reverse("employers:candidate", args=[introduced.pk])).content.decode()
    assert "Twee jaar magazijnwerk" in page  # the talent profile itself
    assert "Fietsen repareren" in page
    assert_nothing_identifying(page, sensitive)

    assert client.get(reverse("employers:candidate", args=[proposed.pk])).status_code == 404
    assert client.get(reverse("employers:candidate_pdf", args=[proposed.pk])).status_code == 404


def test_the_employer_sees_the_name_only_with_consent(
    client, employer_user, opportunity, sensitive, monkeypatch
):
    html = spy_on_pdf_html(monkeypatch)
    match = match_in(opportunity, sensitive, MatchStage.INTRODUCED)
    client.force_login(employer_user)
    client.get(reverse("employers:candidate_pdf", args=[match.pk]))
    assert_nothing_identifying(html[-1], sensitive)

    Participant.objects.filter(pk=sensitive.pk).update(consent_share_name=True)
    board = client.get(reverse("employers:board", args=[opportunity.pk])).content.decode()
    page = client.get(reverse("employers:candidate", args=[match.pk])).content.decode()
    client.get(reverse("employers:candidate_pdf", args=[match.pk]))
    for text in (board, page, html[-1]):
        assert "Fatima Zwaluwstaart" in text
        assert_nothing_identifying(text, sensitive, name_allowed=True)


def test_without_consent_to_share_the_profile_the_employer_reads_no_profile(
    client, employer_user, opportunity, sensitive
):
    match = match_in(opportunity, sensitive, MatchStage.INTERVIEW)
    Participant.objects.filter(pk=sensitive.pk).update(consent_share_profile=False)
    client.force_login(employer_user)
    page = client.get(reverse("employers:candidate", args=[match.pk])).content.decode()
    assert "Twee jaar magazijnwerk" not in page
    assert 'data-testid="no-consent"' in page
    assert client.get(reverse("employers:candidate_pdf", args=[match.pk])).status_code == 404


def test_an_employer_gets_404_on_another_employers_matching_pages(
    client, make_user, opportunity, make_participant, municipality
):
    match = match_in(opportunity, make_participant(), MatchStage.INTERVIEW)
    other = make_user(Role.EMPLOYER)
    # A neighbour in the same municipality, not a stranger from elsewhere.
    assert employer_of(other) != opportunity.employer
    assert employer_of(other).municipality == municipality
    client.force_login(other)
    for name, pk in (("board", opportunity.pk), ("candidate", match.pk),
                     ("candidate_pdf", match.pk)):  # fmt: skip
        assert client.get(reverse(f"employers:{name}", args=[pk])).status_code == 404, name
    assert move(client, match, MatchStage.HIRED).status_code == 404
    match.refresh_from_db()
    assert match.stage == MatchStage.INTERVIEW
    # The municipality's copy of a talent profile is no employer's business at all.
    pdf = reverse("employers:talent_profile_pdf", args=[match.participant_id])
    assert client.get(pdf).status_code == 403


def test_another_municipality_gets_404(client, make_user, opportunity, other_municipality,
                                       make_participant):  # fmt: skip
    match = match_in(opportunity, make_participant(), MatchStage.INTERVIEW)
    client.force_login(make_user(Role.WSP, municipality=other_municipality))
    assert client.get(reverse("employers:board", args=[opportunity.pk])).status_code == 404
    assert client.get(reverse("employers:candidate", args=[match.pk])).status_code == 404
    pdf = reverse("employers:talent_profile_pdf", args=[match.participant_id])
    assert client.get(pdf).status_code == 404


def test_researchers_get_403_on_every_matching_url(
    client, make_user, opportunity, make_participant
):
    participant = make_participant()
    match = match_in(opportunity, participant, MatchStage.INTERVIEW)
    client.force_login(make_user(Role.RESEARCHER))
    for url in (
        reverse("employers:board", args=[opportunity.pk]),
        reverse("employers:candidate", args=[match.pk]),
        reverse("employers:candidate_pdf", args=[match.pk]),
        reverse("employers:talent_profile_pdf", args=[participant.pk]),
    ):
        assert client.get(url).status_code == 403, url
    propose = reverse("employers:propose", args=[opportunity.pk])
    assert client.post(propose, {"participant": participant.pk}).status_code == 403
    assert move(client, match, MatchStage.HIRED).status_code == 403


# The talent profile as PDF


def spy_on_pdf_html(monkeypatch):
    """Keeps the HTML that goes into WeasyPrint: the PDF's own text is in font subsets."""
    import weasyprint

    real = weasyprint.HTML
    seen = []

    def html(*args, **kwargs):
        seen.append(kwargs["string"])
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", html)
    return seen


def test_the_employers_pdf_is_a_real_pdf_without_identifying_data_and_is_logged(
    client, employer_user, opportunity, sensitive, monkeypatch
):
    html = spy_on_pdf_html(monkeypatch)
    match = match_in(opportunity, sensitive, MatchStage.INTRODUCED)
    client.force_login(employer_user)
    response = client.get(reverse("employers:candidate_pdf", args=[match.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"kandidaat-{match.pk}.pdf" in response["Content-Disposition"]
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert '<html lang="nl">' in html[-1]
    assert "Twee jaar magazijnwerk" in html[-1]
    assert_nothing_identifying(html[-1], sensitive)
    entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
    assert (entry.user, entry.participant_id, entry.detail) == (
        employer_user,
        sensitive.pk,
        "talent profile PDF",
    )


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.MANAGER, Role.WSP])
def test_the_municipality_downloads_the_talent_profile_pdf_by_participant(
    client, make_user, consultant, sensitive, role, monkeypatch
):
    html = spy_on_pdf_html(monkeypatch)
    user = consultant if role == Role.CONSULTANT else make_user(role)
    client.force_login(user)
    response = client.get(reverse("employers:talent_profile_pdf", args=[sensitive.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert "Fatima Zwaluwstaart" in html[-1]
    # Even the municipality's copy is a profile, not a case file.
    assert_nothing_identifying(html[-1], sensitive, name_allowed=True)
    assert AuditEntry.objects.filter(
        action=AuditAction.DOWNLOAD, user=user, participant_id=sensitive.pk,
        detail="talent profile PDF",
    ).exists()  # fmt: skip


def test_a_consultant_downloads_only_profiles_of_their_own_participants(
    client, consultant, make_user, municipality
):
    stranger = ParticipantFactory(municipality=municipality, consultant=make_user(Role.CONSULTANT))
    client.force_login(consultant)
    response = client.get(reverse("employers:talent_profile_pdf", args=[stranger.pk]))
    assert response.status_code == 404


# The cost of the board


def fill_board(opportunity, make_participant, count):
    stages = list(MatchStage)
    for index in range(count):
        participant = make_participant(certificates=[Certificate.VCA], skills="heftruck", hours=24)
        match = match_in(opportunity, participant, stages[index % len(stages)])
        if match.stage == MatchStage.HIRED:
            Placement.objects.create(match=match, start_date=datetime.date(2026, 9, 1),
                                     contract="temporary", hours_per_week=24)  # fmt: skip
        make_participant(profile=index % 2 == 0)  # a suggestion


# Session, user, second-factor device, municipality, opportunity, matches, suggestions.
BOARD_QUERIES = 7


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.WSP, Role.EMPLOYER])
def test_the_board_costs_the_same_for_3_and_for_30_matches(
    client, role, consultant, employer_user, make_user, opportunity, make_participant,
    django_assert_max_num_queries,
):  # fmt: skip
    user = {Role.CONSULTANT: consultant, Role.EMPLOYER: employer_user}.get(role) or make_user(role)
    client.force_login(user)
    url = reverse("employers:board", args=[opportunity.pk])
    fill_board(opportunity, make_participant, 3)
    with django_assert_max_num_queries(BOARD_QUERIES):
        small = client.get(url)
    fill_board(opportunity, make_participant, 27)
    with django_assert_max_num_queries(BOARD_QUERIES):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert large.content.decode().count('data-testid="match"') > small.content.decode().count(
        'data-testid="match"'
    )

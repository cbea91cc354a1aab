"""A participant with one of every kind of record VAKwerk can hold about them, every free
text marked with a tag, so that tests of the inzage export and the anonymisation can look
for the tag everywhere."""

import datetime
from decimal import Decimal

from django.utils import timezone

from consultants import services as consultant_services
from employers.models import Match, MatchStage, Placement
from evaluation.questionnaires.models import (
    Answer,
    Audience,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Wave,
)
from funding import services as funding_services
from participants import services
from participants.models import CohortMeeting, OutcomeMeasurement, Status, TalentProfile
from tests.employers.factories import OpportunityFactory
from tests.funding.factories import funded
from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.models import FieldChange


def fill_everything(participant, consultant, manager, cohort, tag):
    """Returns the participant after giving them a status change, intake, ladder rung,
    group with attendance, follow-up, talent profile, coaching session, matches (one
    rejected with a reason, one hired with a placement and its handover), commitments
    (one approved and spent, one rejected with a reason), a questionnaire invitation with
    a response of a number, a choice and an open answer, a field change and an audit
    entry."""
    municipality = participant.municipality
    services.change_status(consultant, participant, Status.INTAKE, note=f"status note {tag}")
    services.record_intake(
        consultant,
        participant,
        rung=2,
        held_on=datetime.date(2026, 1, 12),
        development_potential="high",
        passion_inventory=f"passion {tag}",
        knowledge=f"knowledge {tag}",
        skills=f"skills {tag}",
        behaviour=f"behaviour {tag}",
        notes=f"intake notes {tag}",
        selection_motivation=f"selection motivation {tag}",
    )
    services.enrol(consultant, cohort, participant, enrolled_on=datetime.date(2026, 1, 20))
    meeting, _created = CohortMeeting.objects.get_or_create(
        cohort=cohort, held_on=datetime.date(2026, 2, 9), topic="Kennismaking"
    )
    cohort.trainers.add(consultant)
    present = set(meeting.attendance.filter(present=True).values_list("participant_id", flat=True))
    services.record_attendance(consultant, meeting, present | {participant.pk})
    TalentProfile.objects.create(
        participant=participant,
        skills=f"talent {tag}",
        experience=f"experience {tag}",
        education=f"education {tag}",
        passions=f"passions {tag}",
        availability=f"availability {tag}",
    )
    consultant_services.log_coaching_session(
        consultant,
        participant,
        held_on=datetime.date(2026, 3, 3),
        minutes=45,
        themes=["cv"],
        notes=f"session notes {tag}",
        agreed_actions=f"actions {tag}",
    )
    outcome = OutcomeMeasurement.objects.get(participant=participant, follow_up=3)
    services.record_outcome(
        consultant,
        outcome,
        measured_on=datetime.date(2026, 7, 24),
        employment="full_time",
        hours_per_week=36,
        contract="permanent",
        benefit_status="none",
        benefit_end_reason="work",
        source="participant",
    )
    # Network measurements at the intake and the follow-up.
    for moment, day, contacts in ((0, datetime.date(2026, 1, 12), 3), (3, outcome.measured_on, 6)):
        services.record_network_measurement(
            consultant, participant, moment=moment, measured_on=day, work_contacts=contacts,
            employer_contacts=1, self_rating=3,
        )  # fmt: skip

    # A completed training with a certificate; its name and provider are free text.
    services.add_training(
        consultant, participant, name=f"training name {tag}", provider=f"provider {tag}",
        kind="roc", start_date=datetime.date(2026, 2, 2), end_date=datetime.date(2026, 5, 29),
        hours=120, result="completed", certificate="vca",
    )  # fmt: skip

    # Employers: a rejected match with its reason, a hired one with a placement.
    Match.objects.create(
        participant=participant,
        opportunity=OpportunityFactory(employer__municipality=municipality),
        stage=MatchStage.REJECTED,
        score=40,
        rejection_reason=f"match reason {tag}",
    )
    hired = Match.objects.create(
        participant=participant,
        opportunity=OpportunityFactory(employer__municipality=municipality),
        stage=MatchStage.HIRED,
        score=80,
    )
    Placement.objects.create(
        match=hired,
        start_date=datetime.date(2026, 8, 1),
        contract="temporary",
        hours_per_week=32,
        handover=f"handover {tag}",
    )

    # Funding: one commitment approved and partly spent, one rejected with its reason.
    fund = funded(manager, amount="5000.00")
    spent = funding_services.request_commitment(
        consultant, fund, participant, Decimal("750.00"), f"commitment purpose {tag}"
    )
    funding_services.approve_commitment(manager, spent)
    funding_services.book_expenditure(
        manager, fund, Decimal("500.00"), "Factuur opleider", commitment=spent
    )
    refused = funding_services.request_commitment(
        consultant, fund, participant, Decimal("120.00"), f"refused purpose {tag}"
    )
    funding_services.reject_commitment(manager, refused, f"commitment reason {tag}")

    # Evaluation: an answered questionnaire.
    questionnaire = Questionnaire.objects.create(
        programme=cohort.programme,
        title="Startmeting",
        audience=Audience.PARTICIPANTS,
        wave=Wave.BASELINE,
    )
    number = Question.objects.create(
        questionnaire=questionnaire, position=1, text="Uren per week", kind=QuestionKind.NUMBER
    )
    choice = Question.objects.create(
        questionnaire=questionnaire,
        position=2,
        text="Wat hielp het meest?",
        kind=QuestionKind.CHOICE,
        choices=["Netwerk", "Training"],
    )
    open_question = Question.objects.create(
        questionnaire=questionnaire, position=3, text="Toelichting", kind=QuestionKind.TEXT
    )
    invitation = Invitation.objects.create(
        questionnaire=questionnaire,
        token_hash=f"{participant.pk:064d}",
        email=f"{tag.lower()}@post.example",
        participant=participant,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        used_at=timezone.now(),
    )
    response = Response.objects.create(invitation=invitation, questionnaire=questionnaire)
    Answer.objects.create(response=response, question=number, number=Decimal("12.50"))
    Answer.objects.create(response=response, question=choice, choice="Netwerk")
    Answer.objects.create(response=response, question=open_question, text=f"open answer {tag}")

    FieldChange.objects.create(
        changed_by=consultant,
        object_type="participant",
        object_id=str(participant.pk),
        participant_id=participant.pk,
        field="postcode",
        field_label="postcode",
        old_value=f"old postcode {tag}",
        new_value=f"new postcode {tag}",
    )
    audit.record(consultant, AuditAction.VIEW, obj=participant, participant_id=participant.pk)
    return participant

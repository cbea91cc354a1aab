"""Demo stakeholders and questionnaires for Demo Zwolle: the steering group (municipality
and Windesheim), employers with influence, an employment agency kept informed; and a
baseline and a final questionnaire for consultants and for participants, with answered,
open and expired invitations and answers that improve from baseline to final.

Called by vakwerk.demo; does nothing for a programme that has questionnaires already. The
demo writes its rows directly: it must not send e-mail, and its links are never used, so
only hashes of throw-away tokens are stored."""

import datetime
import secrets
from decimal import Decimal

from django.utils import timezone

from evaluation.questionnaires.models import (
    Answer,
    Audience,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Stakeholder,
    StakeholderKind,
    StakeholderRole,
    Wave,
)
from evaluation.questionnaires.selectors import hash_token
from participants.models import Participant
from vakwerk.roles import Role

from . import evaluation_sessions

LIKERT, CHOICE, NUMBER, TEXT = (
    QuestionKind.LIKERT,
    QuestionKind.CHOICE,
    QuestionKind.NUMBER,
    QuestionKind.TEXT,
)

STAKEHOLDERS = [
    # name, kind, role, steering group, contact, e-mail
    ("Gemeente Zwolle, team Werk en Inkomen", StakeholderKind.MUNICIPALITY,
     StakeholderRole.INTERVENTION, True, "Projectleider VAK", "vak@zwolle.example"),
    ("Hogeschool Windesheim", StakeholderKind.EDUCATION, StakeholderRole.INTERVENTION, True,
     "Lector Arbeidsmarkt en Participatie", "arbeidsmarkt@windesheim.example"),
    ("Uitzendbureau IJsselwerk", StakeholderKind.AGENCY, StakeholderRole.INFORMATION, False,
     "Vestigingsmanager", "zwolle@ijsselwerk.example"),
]  # fmt: skip
EMPLOYER_STAKEHOLDERS = 3

CONSULTANT_QUESTIONS = [
    (LIKERT, "Ik heb voldoende tijd voor de begeleiding van mijn deelnemers.", []),
    (LIKERT, "Ik werk oplossingsgericht met mijn deelnemers.", []),
    (LIKERT, "De samenwerking met het Werkgevers Service Punt verloopt goed.", []),
    (CHOICE, "Hoe vaak heeft u contact met werkgevers?",
     ["Minder dan maandelijks", "Maandelijks", "Wekelijks"]),
    (NUMBER, "Hoeveel deelnemers begeleidt u op dit moment?", []),
    (TEXT, "Wat zou u helpen om deelnemers sneller naar werk te begeleiden?", []),
]  # fmt: skip
PARTICIPANT_QUESTIONS = [
    (LIKERT, "Ik heb er vertrouwen in dat ik (weer) betaald werk vind.", []),
    (LIKERT, "Ik weet welk werk bij mij past.", []),
    (LIKERT, "Ik voel me gesteund door mijn consulent.", []),
    (CHOICE, "Hoe zoekt u vooral naar werk?",
     ["Via vacaturesites", "Via mijn netwerk", "Via de gemeente of het WSP", "Ik zoek nu niet"]),
    (NUMBER, "Hoeveel uur per week besteedt u aan werk zoeken of leren?", []),
    (TEXT, "Wat heeft u het meest geholpen?", []),
]  # fmt: skip

# Answers cycle through these, so baseline and final differ visibly but not uniformly.
LIKERT_ANSWERS = {Wave.BASELINE: [2, 3, 2, 1, 3, 2, 4, 2, 3, 2, 3],
                  Wave.FINAL: [4, 4, 5, 3, 4, 5, 4, 4, 3, 5, 4]}  # fmt: skip
CHOICE_ANSWERS = {Wave.BASELINE: [0, 0, 3, 0, 1, 0, 2, 3], Wave.FINAL: [2, 1, 2, 0, 1, 2, 2, 1]}
NUMBER_ANSWERS = {
    Audience.CONSULTANTS: {Wave.BASELINE: [38, 42, 35], Wave.FINAL: [24, 22, 26]},
    Audience.PARTICIPANTS: {Wave.BASELINE: [2, 4, 0, 3, 5, 2, 1],
                            Wave.FINAL: [10, 12, 8, 16, 9, 14, 11]},
}  # fmt: skip
TEXT_ANSWERS = {
    Wave.BASELINE: ["Meer tijd per deelnemer.", "", "Duidelijker zicht op vacatures.",
                    "Weet ik nog niet.", ""],
    Wave.FINAL: ["De groepsbijeenkomsten en het oefenen van gesprekken.", "",
                 "Het contact met werkgevers via het WSP.", "Dat mijn consulent in mij geloofde.",
                 "De leerwerkplek."],
}  # fmt: skip


def seed(spec, users):
    if not spec.domain.startswith("zwolle"):
        return
    programme = spec.programme
    _seed_stakeholders(spec, programme)
    # Evaluation sessions need the stakeholders as attendees.
    evaluation_sessions.seed(spec, users)
    if Questionnaire.objects.filter(programme=programme).exists():
        return
    now = timezone.now()
    manager = users[Role.MANAGER]
    consultants = [users[Role.CONSULTANT], users["consultant2"], users["consultant3"]]
    participants = Participant.objects.filter(programme=programme, anonymised_at__isnull=True)
    participants = list(participants.order_by("pk")[:30])
    baseline_sent = _aware(programme.start_date + datetime.timedelta(days=21))
    final_sent = now - datetime.timedelta(days=10)
    for wave, sent in ((Wave.BASELINE, baseline_sent), (Wave.FINAL, final_sent)):
        label = "nulmeting" if wave == Wave.BASELINE else "eindmeting"
        consultant_form = _questionnaire(
            programme, manager, f"Consulenten VAK Zwolle — {label}", Audience.CONSULTANTS, wave,
            CONSULTANT_QUESTIONS, sent,
        )  # fmt: skip
        # Baseline: two answered, one expired; final: two answered, one still open.
        states = ["answered", "answered", "expired"] if wave == Wave.BASELINE else [
            "answered", "open", "answered"]  # fmt: skip
        _invite(
            consultant_form,
            [{"email": c.email, "user": c} for c in consultants],
            states, sent, now,
        )  # fmt: skip
        participant_form = _questionnaire(
            programme, manager, f"Deelnemers VAK Zwolle — {label}", Audience.PARTICIPANTS, wave,
            PARTICIPANT_QUESTIONS, sent,
        )  # fmt: skip
        if wave == Wave.BASELINE:
            states = ["answered"] * 24 + ["expired"] * 6
        else:
            states = ["answered"] * 20 + ["open"] * 6 + ["expired"] * 4
        recipients = [
            {"email": f"deelnemer{index + 1:02d}@post.example", "participant": participant}
            for index, participant in enumerate(participants)
        ]
        _invite(participant_form, recipients, states, sent, now)


def _aware(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _seed_stakeholders(spec, programme):
    rows = list(STAKEHOLDERS)
    for name, _kvk, sector, _stage in spec.employers[:EMPLOYER_STAKEHOLDERS]:
        slug = name.split()[0].lower()
        rows.append((name, StakeholderKind.BUSINESS, StakeholderRole.INFLUENCE, False,
                     f"HR-adviseur ({sector})", f"hr@{slug}.example"))  # fmt: skip
    for name, kind, role, steering, contact, email in rows:
        Stakeholder.objects.update_or_create(
            programme=programme,
            name=name,
            defaults={
                "kind": kind,
                "role": role,
                "steering_group": steering,
                "contact_name": contact,
                "contact_email": email,
            },
        )


def _questionnaire(programme, manager, title, audience, wave, questions, sent):
    questionnaire = Questionnaire.objects.create(
        programme=programme,
        title=title,
        audience=audience,
        wave=wave,
        introduction="Deze vragenlijst hoort bij de evaluatie van VAK Zwolle. Uw antwoorden "
        "worden alleen gebruikt om het programma te verbeteren.",
        created_by=manager,
        created_at=sent - datetime.timedelta(days=3),
    )
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            position=position,
            text=text,
            kind=kind,
            choices=choices,
            required=kind != TEXT,
        )
        for position, (kind, text, choices) in enumerate(questions, 1)
    )
    return questionnaire


def _invite(questionnaire, recipients, states, sent, now):
    invitations = []
    for index, (recipient, state) in enumerate(zip(recipients, states, strict=False)):
        expires = sent + datetime.timedelta(days=21)
        if state == "expired" and expires > now:
            # An expired invitation of the running wave: sent in an earlier round.
            expires = now - datetime.timedelta(days=2)
        invitations.append(
            Invitation(
                questionnaire=questionnaire,
                token_hash=hash_token(secrets.token_urlsafe(32)),
                sent_at=min(sent, expires - datetime.timedelta(days=21)),
                expires_at=expires,
                used_at=sent + datetime.timedelta(days=1 + index % 9, hours=index % 7)
                if state == "answered"
                else None,
                **recipient,
            )
        )
    Invitation.objects.bulk_create(invitations)
    answered = [invitation for invitation in invitations if invitation.used_at]
    responses = Response.objects.bulk_create(
        Response(invitation=i, questionnaire=questionnaire, submitted_at=i.used_at)
        for i in answered
    )
    questions = list(questionnaire.questions.all())
    Answer.objects.bulk_create(
        answer
        for number, response in enumerate(responses)
        for position, question in enumerate(questions)
        if (answer := _answer(questionnaire, response, question, number, position))
    )


def _answer(questionnaire, response, question, number, position):
    wave = questionnaire.wave
    if question.kind == LIKERT:
        pool = LIKERT_ANSWERS[wave]
        return Answer(response=response, question=question,
                      number=Decimal(pool[(number * 3 + position) % len(pool)]))  # fmt: skip
    if question.kind == CHOICE:
        pool = CHOICE_ANSWERS[wave]
        option = question.choices[pool[number % len(pool)] % len(question.choices)]
        return Answer(response=response, question=question, choice=option)
    if question.kind == NUMBER:
        pool = NUMBER_ANSWERS[questionnaire.audience][wave]
        return Answer(
            response=response, question=question, number=Decimal(pool[number % len(pool)])
        )
    text = TEXT_ANSWERS[wave][number % len(TEXT_ANSWERS[wave])]
    return Answer(response=response, question=question, text=text) if text else None

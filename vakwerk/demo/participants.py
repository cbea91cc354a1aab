"""Demo participants: Demo Zwolle is shaped like the Zwolle trial (72 participants in 6
groups, half WW and half bijstand; 34 of the 71 reached at 3 months in work = 48%, 41 of
72 off benefit at 6 months = 57%, 14 of them off bijstand). Demo Kampen has one running
group. Called by vakwerk.demo; does nothing for a municipality that has participants."""

import datetime
import random

from django.utils import timezone

from consultants.models import CoachingSession, SessionKind, Theme
from participants.models import (
    Attendance,
    BenefitEndReason,
    BenefitStatus,
    BenefitType,
    Certificate,
    Cohort,
    CohortMeeting,
    Contract,
    DevelopmentPotential,
    Employment,
    Enrolment,
    FollowUp,
    Intake,
    LadderMoment,
    LadderRung,
    NetworkMoment,
    OutcomeMeasurement,
    Participant,
    Source,
    Status,
    StatusChange,
    TrainingKind,
    TrainingResult,
)
from participants.services import (
    add_training,
    follow_up_due_date,
    record_network_measurement,
    save_talent_profile,
    schedule_follow_ups,
)
from vakwerk.bsn import bsn_from_number

FIRST_NAMES = [
    "Anouk", "Bas", "Chantal", "Dirk", "Esra", "Fleur", "Gerrit", "Hanna", "Ilse", "Jeroen",
    "Kim", "Lars", "Mohamed", "Noor", "Olga", "Pieter", "Rachid", "Sanne", "Tim", "Yara",
    "Wouter", "Fatima", "Henk", "Ingrid", "Joost", "Lotte", "Mehmet", "Nadia", "Ruud", "Tessa",
]  # fmt: skip
LAST_NAMES = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Yilmaz", "El Amrani",
    "Kok", "Brouwer", "Dekker", "van der Linden", "Koster", "Prins", "Huisman", "Post",
]  # fmt: skip
NOTES = [
    "Gesprek over motivatie; wil graag in de zorg werken. Twijfelt over reistijd.",
    "Sollicitatiebrief samen doorgenomen. Zelfvertrouwen groeit zichtbaar.",
    "Heeft netwerkgesprek gehad bij een bouwbedrijf; positief over de sfeer.",
    "Lastige week thuis; afspraak verplaatst. Blijft gemotiveerd.",
    "Oefengesprek gedaan; let op oogcontact en concreet antwoorden.",
    "Cv bijgewerkt met vrijwilligerswerk en het certificaat Goed Werknemer.",
]
ACTIONS = [
    "Twee vacatures uitzoeken en bespreken.",
    "Cv afmaken en mailen vóór vrijdag.",
    "Contact opnemen met de WSP-accountmanager.",
    "Aanmelden voor de workshop digitale vaardigheden.",
]
TOPICS = [
    "Kennismaking en ontwikkelpotentie",
    "Passie-inventarisatie",
    "Werknemersvaardigheden",
    "Sollicitatietraining",
    "Netwerken met werkgevers",
    "Presentatie en afsluiting",
]


def _aware(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _birth_date(rng, index, on_date):
    low, high = ((19, 24), (27, 48), (50, 61))[index % 3]
    age = rng.randint(low, high)
    return on_date - datetime.timedelta(days=age * 365 + rng.randint(30, 330))


def seed(spec, users, today=None):
    municipality = spec.municipality
    if Participant.objects.filter(municipality=municipality).exists():
        return
    today = today or spec.calendar.today
    rng = random.Random(spec.cbs_code)
    consultants = [users["consultant"], users["consultant2"], users["consultant3"]]
    if spec.domain.startswith("zwolle"):
        _seed_zwolle(spec, consultants, rng, today)
    else:
        _seed_kampen(spec, consultants, rng, today)


def _make_participants(spec, consultants, rng, count, enrolled_on, benefit_for, first=0):
    participants = []
    for index in range(first, first + count):
        participant = Participant(
            municipality=spec.municipality,
            programme=spec.programme,
            bsn=bsn_from_number(int(spec.cbs_code) * 100_000 + index * 7919),
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            birth_date=_birth_date(rng, index, enrolled_on),
            postcode=f"{8000 + rng.randint(11, 99)} {rng.choice('ABCDEGHJKL')}{rng.choice('ABCDEGHJKL')}",
            benefit_type=benefit_for(index),
            benefit_start=enrolled_on - datetime.timedelta(days=rng.randint(120, 900)),
            consultant=consultants[index % len(consultants)],
            consent_research=rng.random() < 0.85,
            consent_share_profile=rng.random() < 0.8,
            enrolled_on=enrolled_on,
        )
        participant.monthly_benefit = (
            1232 if participant.benefit_type == BenefitType.BIJSTAND else 1650
        ) + rng.randint(0, 300)
        participant.save()  # save() derives the target group
        participants.append(participant)
    return participants


def _history(participant, steps, user):
    return [
        StatusChange(
            participant=participant,
            from_status=previous or "",
            to_status=status,
            changed_at=_aware(day),
            changed_by=user,
        )
        for (previous, (status, day)) in zip([None] + [s for s, _d in steps], steps, strict=False)
    ]


# Selection requires a motivation (services.selection_refusal); one per potential, so the
# seed draws nothing extra from its random generator and its figures stay the same.
MOTIVATIONS = {
    DevelopmentPotential.HIGH: "Leert snel en weet wat ze wil; past goed in de groep.",
    DevelopmentPotential.MEDIUM: "Gemotiveerd; groeit met begeleiding en oefening in de groep.",
    DevelopmentPotential.LOW: "Weinig werkervaring, wel gemotiveerd: de groep geeft houvast.",
}


def _intake(participant, day, rng, user):
    potential = rng.choice(list(DevelopmentPotential))
    Intake.objects.create(
        participant=participant,
        held_on=day,
        held_by=user,
        development_potential=potential,
        selection_motivation=MOTIVATIONS[potential],
        passion_inventory=rng.choice(
            ["Werken met mensen, zorg.", "Techniek en bouwen.", "Logistiek en orde.", "Koken."]
        ),
        knowledge="Mbo-2 afgerond." if rng.random() < 0.5 else "Geen startkwalificatie.",
        skills="Praktisch, handig, betrouwbaar.",
        behaviour="Op tijd, open houding in de groep.",
    )
    rung = rng.choice([2, 3, 3, 4])
    LadderRung.objects.create(
        participant=participant,
        recorded_on=day,
        moment=LadderMoment.INTAKE,
        rung=rung,
        recorded_by=user,
    )
    # Through the page's own service, so the demo's profiles carry history like real ones.
    save_talent_profile(
        user,
        participant,
        skills=rng.choice(
            [
                "Klantvriendelijk, samenwerken, zorg",
                "Heftruck, nauwkeurig, magazijn",
                "Handig, bouwplaats, betrouwbaar",
                "Koken, samenwerken, klantvriendelijk",
            ]
        ),
        experience=rng.choice(["Vrijwilliger in buurthuis", "Magazijnwerk (2 jaar)"]),
        education=rng.choice(["Mbo-2 Zorg en welzijn", "Vmbo-kader", "Mbo-1 Entree"]),
        passions=rng.choice(["Zorg", "Techniek", "Koken", "Groen"]),
        availability=rng.choice(["Fulltime", "24 uur per week", "Ochtenden"]),
        certificates=rng.sample(
            [
                Certificate.GOED_WERKNEMER,
                Certificate.VOCATIONAL_COURSE,
                Certificate.DRIVING_LICENCE,
            ],
            k=rng.randint(0, 2),
        ),
        hours_available=rng.choice([24, 32, 36, 40]),
        when=_aware(day),
    )


def _sessions(participant, consultant, start, end, rng, count):
    span = max((end - start).days, 1)
    days = sorted(start + datetime.timedelta(days=rng.randint(0, span)) for _ in range(count))
    return [
        CoachingSession(
            consultant=consultant,
            participant=participant,
            held_on=day,
            minutes=rng.choice([30, 45, 45, 60]),
            kind=rng.choice(
                [
                    SessionKind.INDIVIDUAL,
                    SessionKind.INDIVIDUAL,
                    SessionKind.REMOTE,
                    SessionKind.WORKPLACE,
                ]
            ),  # fmt: skip
            themes=rng.sample(Theme.values, k=rng.randint(1, 3)),
            notes=rng.choice(NOTES),
            agreed_actions=rng.choice(ACTIONS),
        )
        for day in days
    ]


def _seed_zwolle(spec, consultants, rng, today):
    programme = spec.programme
    cohorts = []
    for number in range(6):
        start = spec.calendar.on(datetime.date(2025, 2, 3)) + datetime.timedelta(weeks=7 * number)
        cohort = Cohort.objects.create(
            programme=programme,
            name=f"Groep {number + 1}",
            start_date=start,
            end_date=start + datetime.timedelta(weeks=12),
            capacity=12,
        )
        cohort.trainers.set([consultants[number // 2]])
        cohorts.append(cohort)

    participants = []
    for number, cohort in enumerate(cohorts):
        participants += _make_participants(
            spec,
            consultants,
            rng,
            12,
            cohort.start_date - datetime.timedelta(days=21),
            lambda index: BenefitType.WW if index % 2 == 0 else BenefitType.BIJSTAND,
            first=12 * number,
        )
    # Who is off benefit at 6 months: 27 of the 36 on WW and 14 of the 36 on bijstand.
    ww = [p for p in participants if p.benefit_type == BenefitType.WW]
    bijstand = [p for p in participants if p.benefit_type == BenefitType.BIJSTAND]
    off_at_6 = set(rng.sample(ww, 27) + rng.sample(bijstand, 14))
    in_work_at_3 = set(rng.sample(sorted(off_at_6, key=lambda p: p.pk), 34))
    not_reached_at_3 = rng.choice([p for p in participants if p not in off_at_6])
    others = [p for p in participants if p not in off_at_6]
    rng.shuffle(others)
    final_status = {p: Status.OFF_BENEFIT for p in off_at_6}
    for p, status in zip(
        others,
        [Status.PLACED] * 6 + [Status.MATCHED] * 7 + [Status.IN_PROGRAMME] * 12
        + [Status.DROPPED_OUT] * 6,
        strict=True,
    ):  # fmt: skip
        final_status[p] = status

    history, sessions, outcomes, enrolments = [], [], [], []
    for index, participant in enumerate(participants):
        cohort = cohorts[index // 12]
        consultant = participant.consultant
        enrolments.append(
            Enrolment(cohort=cohort, participant=participant, enrolled_on=participant.enrolled_on)
        )
        _intake(participant, participant.enrolled_on + datetime.timedelta(days=3), rng, consultant)
        steps = [
            (Status.REGISTERED, participant.enrolled_on - datetime.timedelta(days=14)),
            (Status.INTAKE, participant.enrolled_on),
            (Status.SELECTED, participant.enrolled_on + datetime.timedelta(days=7)),
            (Status.IN_PROGRAMME, cohort.start_date),
        ]
        status = final_status[participant]
        after = cohort.end_date
        if status == Status.DROPPED_OUT:
            steps.append((Status.DROPPED_OUT, cohort.start_date + datetime.timedelta(weeks=5)))
        if status in (Status.MATCHED, Status.PLACED, Status.OFF_BENEFIT):
            steps.append((Status.MATCHED, after + datetime.timedelta(days=10)))
        if status in (Status.PLACED, Status.OFF_BENEFIT):
            steps.append((Status.PLACED, after + datetime.timedelta(days=30)))
        if status == Status.OFF_BENEFIT:
            steps.append((Status.OFF_BENEFIT, after + datetime.timedelta(days=75)))
        history += _history(participant, steps, consultant)
        participant.status = status
        sessions += _sessions(participant, consultant, cohort.start_date, after, rng, 5)
        if status in (Status.IN_PROGRAMME, Status.MATCHED, Status.PLACED):
            # Still being coached: recent contact for most, a few slipping out of sight.
            recent_end = today - datetime.timedelta(days=45 if index % 5 == 0 else 2)
            sessions += _sessions(
                participant, consultant, recent_end - datetime.timedelta(days=60), recent_end,
                rng, 2,
            )  # fmt: skip
            if index % 3 == 0:
                sessions[-1].next_appointment = _aware(
                    today + datetime.timedelta(days=1 + index % 10), 9 + index % 7
                )
        for months in FollowUp.values:
            due = follow_up_due_date(cohort.end_date, months)
            outcome = OutcomeMeasurement(
                participant=participant, cohort=cohort, follow_up=months, due_on=due
            )
            reachable = not (months == 3 and participant == not_reached_at_3)
            # Calendar months are not a whole-day shift: which follow-ups are measured, and
            # when, is decided in the story's calendar, so the figures (and the days since
            # each outflow, which realised savings count) are the same on every day.
            story_due = follow_up_due_date(cohort.end_date - spec.calendar.shift, months)
            if spec.calendar.is_past(story_due, margin_days=10) and reachable:
                # Three days' slack: a shifted due date moves up to three days against a
                # shifted measurement, and a follow-up is never measured before it is due.
                outcome.measured_on = spec.calendar.on(story_due) + datetime.timedelta(
                    days=3 + rng.randint(0, 9)
                )
                _fill_outcome(outcome, participant, months, in_work_at_3, off_at_6, rng)
            outcomes.append(outcome)
    Participant.objects.bulk_update(participants, ["status"])
    Enrolment.objects.bulk_create(enrolments)
    StatusChange.objects.bulk_create(history)
    CoachingSession.objects.bulk_create(sessions)
    OutcomeMeasurement.objects.bulk_create(outcomes)
    measured = {}
    for outcome in outcomes:
        if outcome.measured_on is not None:
            measured.setdefault(outcome.participant_id, []).append(
                (NetworkMoment(outcome.follow_up), outcome.measured_on)
            )
    for participant in participants:
        intake = (NetworkMoment.INTAKE, participant.enrolled_on + datetime.timedelta(days=3))
        _network(participant, [intake, *measured.get(participant.pk, [])], participant in off_at_6)
    for index, participant in enumerate(participants):
        # The story's group start, as the loop above creates the groups.
        story_start = datetime.date(2025, 2, 3) + datetime.timedelta(weeks=7 * (index // 12))
        _zwolle_training(spec, participant, story_start)
    for cohort in cohorts:
        _meetings(cohort, rng, today)


# Courses a participant follows beside the group (the plan's "vakopleiding"): name,
# provider, kind, hours, and the certificate a completed one gives (or none).
COURSES = [
    ("Heftruckcursus", "Logistiek Opleidingscentrum Zwolle", TrainingKind.ONLINE, 16,
     Certificate.VOCATIONAL_COURSE),
    ("VCA Basisveiligheid", "Veiligheidsinstituut Oost", TrainingKind.WORKSHOP, 8,
     Certificate.VCA),
    ("Mbo-2 Logistiek (bbl)", "ROC Deltion", TrainingKind.ROC, 320,
     Certificate.VOCATIONAL_COURSE),
    ("Nederlands op de werkvloer", "Taalhuis Zwolle", TrainingKind.ONLINE, 40,
     Certificate.DUTCH_B1),
    ("Inwerktraject zorgassistent", "Zorggroep Noordoost", TrainingKind.EMPLOYER, 60, ""),
    ("Rijlessen (rijbewijs B)", "Rijschool Vechtdal", TrainingKind.WORKSHOP, 30,
     Certificate.DRIVING_LICENCE),
]  # fmt: skip


def _course(rng):
    name, provider, kind, hours, certificate = rng.choice(COURSES)
    return {"name": name, "provider": provider, "kind": kind, "hours": hours}, certificate


def _zwolle_training(spec, participant, story_start):
    """About half of Zwolle's participants followed a course during or after their group,
    through the consultant's service. Its own generator, seeded by the BSN, so the story's
    generator and every figure it decides stay the same. Every date is a story date moved
    by the calendar; the groups ended long before the reference day, so the courses are
    done: completed (most with their certificate) or stopped."""
    rng = random.Random(int(participant.bsn) * 7 + 1)
    if rng.random() >= 0.5:
        return
    fields, certificate = _course(rng)
    start = story_start + datetime.timedelta(days=14 + rng.randint(0, 70))
    end = start + datetime.timedelta(days=14 + fields["hours"] // 4 + rng.randint(0, 30))
    stopped = participant.status == Status.DROPPED_OUT or rng.random() < 0.15
    add_training(
        participant.consultant,
        participant,
        **fields,
        start_date=spec.calendar.on(start),
        end_date=spec.calendar.on(end),
        result=TrainingResult.STOPPED if stopped else TrainingResult.COMPLETED,
        certificate="" if stopped else certificate,
    )


def _kampen_training(spec, participant, number):
    """Kampen's group is running: some members follow a course now, one finished one
    with a certificate, one has one planned after the group (story dates, moved)."""
    rng = random.Random(int(participant.bsn) * 7 + 1)
    fields, certificate = _course(rng)
    if number == 0:
        start, end = datetime.date(2026, 9, 21), datetime.date(2026, 11, 13)
        result = TrainingResult.COMPLETED
    elif number == 3:
        start, end = datetime.date(2027, 1, 11), None
        result, certificate = TrainingResult.PLANNED, ""
    else:
        start, end = datetime.date(2026, 10, 5), datetime.date(2026, 12, 11)
        result, certificate = TrainingResult.IN_PROGRESS, ""
    add_training(
        participant.consultant,
        participant,
        **fields,
        start_date=spec.calendar.on(start),
        end_date=spec.calendar.on(end) if end else None,
        result=result,
        certificate=certificate or "",
    )


def _network(participant, measured, thriving):
    """The network instrument at the intake and at each measured follow-up (`measured`:
    (moment, date) pairs), through the consultant's service. Its own generator, seeded
    by the BSN, so the story's generator and every figure it decides stay the same; the
    network of those who found work grows most, as the plan of approach expects."""
    rng = random.Random(int(participant.bsn))
    contacts, employers, rating = rng.randint(1, 6), rng.randint(0, 1), rng.randint(1, 3)
    for step, (moment, day) in enumerate(measured):
        if step:
            contacts += rng.randint(1, 4) if thriving else rng.randint(0, 2)
            employers = rng.randint(1, 4) if thriving else rng.randint(0, 2)
            rating = min(5, rating + (1 if thriving or rng.random() < 0.4 else 0))
        record_network_measurement(
            participant.consultant,
            participant,
            moment=moment,
            measured_on=day,
            work_contacts=contacts,
            employer_contacts=employers,
            self_rating=rating,
        )


def _fill_outcome(outcome, participant, months, in_work_at_3, off_at_6, rng):
    if months == 3:
        working = participant in in_work_at_3
        off = False
    else:
        working = off = participant in off_at_6
    outcome.source = rng.choice([Source.PARTICIPANT, Source.BENEFIT_SYSTEM, Source.EMPLOYER])
    outcome.recorded_by = participant.consultant
    if working:
        outcome.employment = rng.choice(
            [Employment.FULL_TIME, Employment.PART_TIME, Employment.LEARNING_WORK]
        )
        outcome.hours_per_week = 36 if outcome.employment == Employment.FULL_TIME else 24
        outcome.contract = rng.choice([Contract.TEMPORARY, Contract.TEMPORARY, Contract.PERMANENT])
    else:
        outcome.employment = Employment.NONE
        outcome.contract = Contract.NONE
    if off:
        outcome.benefit_status = BenefitStatus.NONE
        # By the BSN, not the primary key: a database's sequences go on after a rolled-back
        # seed, and the benchmark figures tell work from education on any day.
        number = int(participant.bsn)
        outcome.benefit_end_reason = (
            BenefitEndReason.EDUCATION
            if number % 13 == 0
            else BenefitEndReason.OWN_BUSINESS
            if number % 17 == 0
            else BenefitEndReason.WORK
        )
    else:
        outcome.benefit_status = BenefitStatus.PARTIAL if working else BenefitStatus.FULL


def _meetings(cohort, rng, today):
    enrolled = list(cohort.enrolments.values_list("participant_id", flat=True))
    for week, topic in enumerate(TOPICS):
        meeting = CohortMeeting.objects.create(
            cohort=cohort,
            held_on=cohort.start_date + datetime.timedelta(weeks=2 * week),
            topic=topic,
        )
        if meeting.held_on > today:
            continue
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, participant_id=pk, present=rng.random() < 0.88)
            for pk in enrolled
        )


def _seed_kampen(spec, consultants, rng, today):
    start = spec.calendar.on(datetime.date(2026, 9, 7))
    cohort = Cohort.objects.create(
        programme=spec.programme,
        name="Groep 1",
        start_date=start,
        end_date=spec.calendar.on(datetime.date(2026, 12, 18)),
    )
    cohort.trainers.set([consultants[0]])
    participants = _make_participants(
        spec,
        consultants,
        rng,
        24,
        start - datetime.timedelta(days=28),
        lambda index: (BenefitType.BIJSTAND, BenefitType.WW, BenefitType.BOTH)[index % 3],
    )
    history, sessions = [], []
    trained = 0
    plan = [Status.IN_PROGRAMME] * 10 + [Status.SELECTED] * 6 + [Status.INTAKE] * 4
    plan += [Status.REGISTERED] * 4
    flow = [Status.REGISTERED, Status.INTAKE, Status.SELECTED, Status.IN_PROGRAMME]
    for participant, status in zip(participants, plan, strict=True):
        steps = [
            (step, participant.enrolled_on + datetime.timedelta(days=7 * position))
            for position, step in enumerate(flow[: flow.index(status) + 1])
        ]
        history += _history(participant, steps, participant.consultant)
        participant.status = status
        if status == Status.IN_PROGRAMME:
            Enrolment.objects.create(cohort=cohort, participant=participant, enrolled_on=start)
            schedule_follow_ups(participant, cohort)
            _intake(participant, participant.enrolled_on + datetime.timedelta(days=3), rng,
                    participant.consultant)  # fmt: skip
            intake_day = participant.enrolled_on + datetime.timedelta(days=3)
            _network(participant, [(NetworkMoment.INTAKE, intake_day)], thriving=False)
            if trained < 4:
                _kampen_training(spec, participant, trained)
                trained += 1
            sessions += _sessions(
                participant, participant.consultant, start, today - datetime.timedelta(days=1),
                rng, 4,
            )  # fmt: skip
        elif status == Status.SELECTED:
            # Selected on their intake, as the app requires; no random draw (see MOTIVATIONS).
            potential = list(DevelopmentPotential)[int(participant.bsn) % 3]
            Intake.objects.create(
                participant=participant,
                held_on=participant.enrolled_on + datetime.timedelta(days=3),
                held_by=participant.consultant,
                development_potential=potential,
                selection_motivation=MOTIVATIONS[potential],
            )
    Participant.objects.bulk_update(participants, ["status"])
    StatusChange.objects.bulk_create(history)
    CoachingSession.objects.bulk_create(sessions)
    _meetings(cohort, rng, today)

"""A generated municipality whose true net effect is known, loaded as the app stores it.

Each seed makes a municipality whose benefit population leaves benefit for work with a
probability that depends on its stratum (benefit type, target group, benefit duration),
and whose participants leave with exactly ten percentage points more in every stratum.
The participants' make-up differs from the population's (younger, shorter on benefit),
so an unweighted comparison would be off. The register is loaded through the snapshot
import, the participants and their follow-ups as the app stores them.
`independent_estimate` computes the estimate and its interval in plain Python from the
generated lists (not from the database). Used by the net effect's, the stored pools', the
savings' and the research export's tests.
"""

import datetime
import math
import random

from dateutil.relativedelta import relativedelta
from django.db import connection

from participants.models import (
    BenefitEndReason,
    BenefitStatus,
    Employment,
    OutcomeMeasurement,
    Participant,
    target_group_for,
)
from participants.register import selectors, services
from tests.participants.factories import CohortFactory
from tests.vakwerk.factories import MunicipalityFactory, ProgrammeFactory, UserFactory
from vakwerk.bsn import bsn_from_number
from vakwerk.roles import Role

TRUE_EFFECT = 0.10
ENROLLED_ON = datetime.date(2025, 1, 6)
GROUP_END = datetime.date(2025, 3, 31)
DUE_ON = GROUP_END + relativedelta(months=6)  # the 6-month follow-up
FIRST_SNAPSHOT = datetime.date(2024, 12, 31)
SECOND_SNAPSHOT = datetime.date(2025, 10, 31)
AS_OF = datetime.date(2025, 11, 30)
POPULATION = 700
PARTICIPANTS = 120
SEEDS = range(20)
BASE_RATE = {"youth": 0.30, "workers": 0.22, "older": 0.12}
DURATION_PENALTY = {"lt1": 0.0, "1to2": 0.04, "2to5": 0.08, "5plus": 0.10}
TYPE_BONUS = {"ww": 0.10, "bijstand": 0.0}


def stratum_of(person):
    group = target_group_for(datetime.date(person["birth_year"], 7, 1), ENROLLED_ON)
    band = selectors.DurationBand.of(person["start"], ENROLLED_ON)
    return (person["type"], str(group), band)


def base_rate(stratum):
    benefit_type, group, band = stratum
    return BASE_RATE[group] - DURATION_PENALTY[band] + TYPE_BONUS[benefit_type]


def make_person(rng, participant):
    """Participants are younger and shorter on benefit than the population."""
    if participant:
        age = rng.choice([19, 21, 23, 27, 30, 34, 38, 44, 52])
        years_on_benefit = rng.choice([0.3, 0.6, 0.8, 1.5, 3.0])
    else:
        age = rng.randint(18, 66)
        years_on_benefit = rng.choice([0.3, 0.7, 1.2, 1.7, 2.5, 3.5, 4.5, 6.0, 9.0])
    return {
        "birth_year": ENROLLED_ON.year - age - 1,  # born 1 July: turned `age` last July
        "type": rng.choice(["bijstand", "bijstand", "ww"]),
        "start": ENROLLED_ON - datetime.timedelta(days=int(years_on_benefit * 365.25)),
    }


def generate(seed):
    """The people of one seed, each with their outcome decided here, not by the app."""
    rng = random.Random(seed)
    people = []
    for index in range(POPULATION + PARTICIPANTS):
        participant = index >= POPULATION
        person = make_person(rng, participant)
        person["bsn"] = bsn_from_number(20_000_000 + seed * 100_000 + index * 13)
        person["participant"] = participant
        person["stratum"] = stratum_of(person)
        rate = base_rate(person["stratum"]) + (TRUE_EFFECT if participant else 0)
        person["off"] = rng.random() < rate
        # Exits that do not count: moving away before the follow-up, leaving for work only
        # after it, vanishing from the export without a reason.
        person["exit"] = None
        if not person["off"]:
            person["exit"] = rng.choices(["moved", "late", "unseen", None], weights=[5, 8, 3, 84])[
                0
            ]
        people.append(person)
    # Noise the pool must leave out: on benefit only after the enrolment, or ended before.
    for index in range(60):
        person = make_person(rng, False)
        person["bsn"] = bsn_from_number(20_000_000 + seed * 100_000 + 90_000 + index * 13)
        person["participant"] = False
        person["stratum"] = None
        if index % 2:
            person["start"] = ENROLLED_ON + datetime.timedelta(days=20)
            person["off"], person["exit"] = rng.random() < 0.9, None
        else:
            person["start"] = ENROLLED_ON - datetime.timedelta(days=400)
            person["ended_before"] = True
            person["off"], person["exit"] = False, None
        people.append(person)
    return people


def snapshot_rows(people, taken_on):
    rows = []
    for number, person in enumerate(people, start=2):
        if person["start"] > taken_on:
            continue
        end, reason = None, None
        if person.get("ended_before"):
            end, reason = ENROLLED_ON - datetime.timedelta(days=30), "werk"
        elif taken_on == SECOND_SNAPSHOT and not person["participant"]:
            if person["off"]:
                end, reason = DUE_ON - datetime.timedelta(days=40), "werk"
            elif person["exit"] == "moved":
                end, reason = DUE_ON - datetime.timedelta(days=60), "verhuizing"
            elif person["exit"] == "late":
                end, reason = DUE_ON + datetime.timedelta(days=10), "werk"
            elif person["exit"] == "unseen":
                continue
        if end is not None and end > taken_on:
            end, reason = None, None
        rows.append({
            "row": number,
            "bsn": person["bsn"],
            "birth_year": person["birth_year"],
            "benefit_type": person["type"],
            "benefit_start": person["start"],
            "benefit_end": end,
            "end_reason": reason,
        })  # fmt: skip
    return rows


def load(seed, people):
    municipality = MunicipalityFactory(name=f"Gemeente seed {seed}", cbs_code=f"{7000 + seed}")
    manager = UserFactory(role=Role.MANAGER, municipality=municipality)
    programme = ProgrammeFactory(municipality=municipality, start_date=ENROLLED_ON)
    cohort = CohortFactory(programme=programme, start_date=ENROLLED_ON, end_date=GROUP_END)
    participants = Participant.objects.bulk_create(
        Participant(
            municipality=municipality,
            programme=programme,
            bsn=person["bsn"],
            first_name="Test",
            last_name="Deelnemer",
            birth_date=datetime.date(person["birth_year"], 7, 1),
            benefit_type=person["type"],
            benefit_start=person["start"],
            enrolled_on=ENROLLED_ON,
            target_group=target_group_for(datetime.date(person["birth_year"], 7, 1), ENROLLED_ON),
        )
        for person in people
        if person["participant"]
    )
    measured = DUE_ON + datetime.timedelta(days=3)
    OutcomeMeasurement.objects.bulk_create(
        OutcomeMeasurement(
            participant=participant,
            cohort=cohort,
            follow_up=6,
            due_on=DUE_ON,
            measured_on=measured,
            employment=Employment.FULL_TIME if person["off"] else Employment.NONE,
            benefit_status=BenefitStatus.NONE if person["off"] else BenefitStatus.FULL,
            benefit_end_reason=BenefitEndReason.WORK if person["off"] else "",
        )
        for participant, person in zip(
            participants, [p for p in people if p["participant"]], strict=True
        )
    )
    services.import_snapshot(manager, FIRST_SNAPSHOT, snapshot_rows(people, FIRST_SNAPSHOT))
    services.import_snapshot(manager, SECOND_SNAPSHOT, snapshot_rows(people, SECOND_SNAPSHOT))
    analyze_register()
    return municipality


def analyze_register():
    """Row counts for the planner, from the rows this test's transaction just made. An
    autovacuum after earlier tests' rolled-back rows can leave these tables at pages but
    0 rows; the pools query is then planned for empty tables and runs nested loops over
    thousands of rows for minutes (seen on the CI's moved-clock run)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE benefit_register_registerperson, benefit_register_benefitspell, "
            "benefit_register_registersnapshot, participants_participant, "
            "participants_outcomemeasurement, participants_cohort"
        )


def arms(people):
    """({stratum: (participants, of whom off for work)}, the same for the register's
    people): the two sides of the matching, from the generated lists alone."""
    treated, pool = {}, {}
    for person in people:
        if person["stratum"] is None:
            continue
        arm = treated if person["participant"] else pool
        n, x = arm.get(person["stratum"], (0, 0))
        arm[person["stratum"]] = (n + 1, x + person["off"])
    return treated, pool


def independent_estimate(people):
    """Coarsened exact matching and the interval, from the generated lists alone."""
    treated, pool = arms(people)
    matched = {s: t for s, t in treated.items() if s in pool}
    n = sum(count for count, _x in matched.values())
    x = sum(successes for _n, successes in matched.values())
    p_t = x / n

    def plus_two(successes, count):
        return (successes + 1) / (count + 2)

    p_c = sum(count / n * pool[s][1] / pool[s][0] for s, (count, _x) in matched.items())
    variance = plus_two(x, n) * (1 - plus_two(x, n)) / n
    for s, (count, _x) in matched.items():
        m, c = pool[s]
        variance += (count / n) ** 2 * plus_two(c, m) * (1 - plus_two(c, m)) / m
    half = 1.959963984540054 * math.sqrt(variance)
    unmatched = sum(count for s, (count, _x) in treated.items() if s not in pool)
    difference = p_t - p_c
    return {
        "matched": n,
        "unmatched": unmatched,
        "p_t": p_t,
        "p_c": p_c,
        "difference": difference,
        "low": difference - half,
        "high": difference + half,
    }

"""Demo benefit register: Demo Zwolle's benefit population in quarterly snapshots, from
before the first group enrolled until just before the story's day, so that its net-effect
page compares the participants with a matched comparison group (issue 20).

The snapshots go through the register's own import service, as a manager's upload would:
the participants are recognised by their BSN and linked, not registered twice. The pool
is drawn for every group's enrolment date, benefit, target group and benefit duration,
and leaves benefit at a plausible, lower rate than the participants (WW faster than
bijstand, the long-term and the older slower). Its own generator, so the story's other
figures stay the same.

Every date is a story date moved by the calendar (see story.py). The follow-ups' due dates
are calendar months after a moved group end and so may stand up to three days from their
story date; ends, starts and birth years are therefore kept clear of every date a match
compares them with, so that the demo shows the same net effect on any day.

Called by vakwerk.demo after the participants. Does nothing for a municipality that has a
snapshot already: seeding again (on any later day) adds nothing."""

import datetime
import random

from dateutil.relativedelta import relativedelta

from participants.models import BenefitEndReason, BenefitStatus, BenefitType, Participant
from participants.register import services as register_services
from participants.register.models import RegisterSnapshot
from participants.services import follow_up_due_date
from vakwerk.bsn import bsn_from_number
from vakwerk.roles import Role

REGISTER_FOR = "0193"  # Demo Zwolle: the municipality whose groups have been measured

# Story dates: a quarterly export, the last a few days before the story's day.
SNAPSHOTS = [
    datetime.date(2024, 12, 31), datetime.date(2025, 3, 31), datetime.date(2025, 6, 30),
    datetime.date(2025, 9, 30), datetime.date(2025, 12, 31), datetime.date(2026, 3, 31),
    datetime.date(2026, 6, 30), datetime.date(2026, 9, 30), datetime.date(2026, 11, 25),
]  # fmt: skip
# The groups as the participants' demo makes them (story dates): start, enrolment 21 days
# before, end twelve weeks after.
GROUP_STARTS = [datetime.date(2025, 2, 3) + datetime.timedelta(weeks=7 * n) for n in range(6)]
FOLLOW_UPS = (3, 6, 12, 18)
PEOPLE_PER_STRATUM = 6
# Ages well inside each target group (under 25, 25 to 49, 50 and over): a group's members
# keep their target group whatever day the enrolment dates are moved to.
AGES = (21, 37, 57)
YEARS_ON_BENEFIT = (0.5, 1.5, 3.2)
# Who of the pool leaves benefit within two years, and when: from half a year after the
# enrolment date on, mostly in the months after it. The participants leave sooner and more
# (75 % on WW, 39 % on bijstand off benefit at 6 months, then no more); the pool follows
# more slowly: 28 % off benefit for work at 6 months, about half at 12.
LEAVES = {BenefitType.WW: 1.1, BenefitType.BIJSTAND: 0.7}
FIRST_MONTH, MEAN_MONTHS = 6.5, 3.0
DURATION_FACTOR = {0.5: 1.0, 1.5: 0.85, 3.2: 0.65}
AGE_FACTOR = {21: 1.1, 37: 1.0, 57: 0.6}
# Why the pool's leavers left; "" is an end date without a reason in the file.
REASONS = [
    (BenefitEndReason.WORK, 70), (BenefitEndReason.EDUCATION, 6),
    (BenefitEndReason.OWN_BUSINESS, 4), (BenefitEndReason.MOVED_AWAY, 8),
    (BenefitEndReason.WORKING_PARTNER, 6), ("", 6),
]  # fmt: skip
REASON_TEXT = {
    BenefitEndReason.WORK: "werk",
    BenefitEndReason.EDUCATION: "opleiding",
    BenefitEndReason.OWN_BUSINESS: "eigen bedrijf",
    BenefitEndReason.MOVED_AWAY: "verhuizing",
    BenefitEndReason.WORKING_PARTNER: "werkende partner",
    BenefitEndReason.OTHER: "overig",
    "": "",
}
TYPE_TEXT = {BenefitType.WW: "WW", BenefitType.BIJSTAND: "Bijstand"}
CLEARANCE = 5  # days a generated date keeps from every date a match compares it with

# Newcomers in the year before the story's day, so that the dashboard's Divosa benchmark
# figures (participants/register/benchmark.py) show inflow as a real municipality has it:
# on benefit only after every group's enrolment, so in no comparison pool and the net
# effect stays as it was. (story start, months on benefit or None, reason) per newcomer,
# kept well inside the twelve months before the story's day and before its last snapshot.
NEWCOMERS_FROM, NEWCOMERS_UNTIL = datetime.date(2025, 12, 15), datetime.date(2026, 10, 15)
NEWCOMERS = {BenefitType.BIJSTAND: 36, BenefitType.WW: 8}
# Apart from the pool's numbers (0 to 5.2 million) and the participants' (CBS code × 100,000).
NEWCOMER_BSN_BASE = 60_000_000
NEWCOMER_REASONS = [
    (BenefitEndReason.WORK, 60), (BenefitEndReason.OWN_BUSINESS, 5),
    (BenefitEndReason.EDUCATION, 10), (BenefitEndReason.MOVED_AWAY, 15),
    (BenefitEndReason.OTHER, 10),
]  # fmt: skip


def _enrolments():
    return [start - datetime.timedelta(days=21) for start in GROUP_STARTS]


def _sensitive_ends():
    """Story dates an end is compared with: enrolments (on benefit then?) and due dates
    (off benefit then?)."""
    days = set(_enrolments())
    for start in GROUP_STARTS:
        end = start + datetime.timedelta(weeks=12)
        days.update(follow_up_due_date(end, months) for months in FOLLOW_UPS)
    return sorted(days)


def _sensitive_starts():
    """Story dates a start is compared with: the duration bands' bounds of each enrolment."""
    days = set()
    for enrolled_on in _enrolments():
        days.add(enrolled_on)
        days.update(enrolled_on - relativedelta(years=years) for years in (1, 2, 5))
    return sorted(days)


def _clear(day, sensitive):
    while any(abs((day - other).days) < CLEARANCE for other in sensitive):
        day += datetime.timedelta(days=1)
    return day


def _pool(rng):
    """(number, birth year offset, benefit, story start, story end, reason) per pool person;
    the birth year is given as an age at the enrolment, turned into a year on the moved
    calendar by the caller."""
    ends, starts = _sensitive_ends(), _sensitive_starts()
    people = []
    for enrolled_on in _enrolments():
        for benefit_type in (BenefitType.WW, BenefitType.BIJSTAND):
            for age in AGES:
                for years in YEARS_ON_BENEFIT:
                    leaves = LEAVES[benefit_type] * DURATION_FACTOR[years] * AGE_FACTOR[age]
                    for _ in range(PEOPLE_PER_STRATUM):
                        days_on = int(years * 365.25) + rng.randint(-60, 60)
                        start = _clear(enrolled_on - datetime.timedelta(days=days_on), starts)
                        leaver = rng.random() < leaves
                        months = FIRST_MONTH + rng.expovariate(1 / MEAN_MONTHS)
                        end = None
                        if leaver:
                            end = _clear(
                                enrolled_on + datetime.timedelta(days=int(months * 30.44)), ends
                            )
                        reason = rng.choices([r for r, _w in REASONS], [w for _r, w in REASONS])[0]
                        people.append((enrolled_on, age, benefit_type, start, end, reason))
    return people


def seed(spec, users):
    if spec.cbs_code != REGISTER_FOR:
        return
    municipality = spec.municipality
    if RegisterSnapshot.objects.filter(municipality=municipality).exists():
        return
    calendar = spec.calendar
    rng = random.Random(f"register-{spec.cbs_code}")
    rows = []  # (bsn, birth year, benefit, start, end or None, reason): moved dates
    for number, (enrolled_on, age, benefit_type, start, end, reason) in enumerate(_pool(rng)):
        moved_enrolment = calendar.on(enrolled_on)
        # Born on 1 July (the register knows the year only), `age` at the moved enrolment.
        birth_year = moved_enrolment.year - age - (1 if moved_enrolment.month < 7 else 0)
        rows.append((
            bsn_from_number(700_000_000 + number * 7907), birth_year, benefit_type,
            calendar.on(start), calendar.on(end) if end else None, reason,
        ))  # fmt: skip
    rows += _newcomer_rows(calendar)
    rows += _participant_rows(spec)
    manager = users[Role.MANAGER]
    previous = None
    for story_day in SNAPSHOTS:
        taken_on = calendar.on(story_day)
        file_rows = []
        for bsn, birth_year, benefit_type, start, end, reason in rows:
            if start > taken_on or (end is not None and previous is not None and end <= previous):
                continue
            if end is not None and previous is None and end < taken_on:
                continue  # left before the register begins
            ended = end is not None and end <= taken_on
            file_rows.append({
                "row": len(file_rows) + 2,
                "bsn": bsn,
                "birth_year": birth_year,
                "benefit_type": TYPE_TEXT[benefit_type],
                "benefit_start": start,
                "benefit_end": end if ended else None,
                "end_reason": REASON_TEXT[reason] if ended else "",
            })  # fmt: skip
        register_services.import_snapshot(manager, taken_on, file_rows)
        previous = taken_on


def _newcomer_rows(calendar):
    """Bijstand and WW newcomers of the last year, a third of them off benefit again within
    months, and one who left for work and came back: rows as `seed` reads them. Their own
    generator, so the pool above stays the same."""
    rng = random.Random("register-newcomers")
    span = (NEWCOMERS_UNTIL - NEWCOMERS_FROM).days
    rows, number = [], 0
    for benefit_type, count in NEWCOMERS.items():
        for _ in range(count):
            start = NEWCOMERS_FROM + datetime.timedelta(days=rng.randint(0, span))
            end, reason = None, ""
            if rng.random() < 0.35:
                end = start + datetime.timedelta(days=rng.randint(45, 150))
                if end > NEWCOMERS_UNTIL + datetime.timedelta(days=20):
                    end = None
                else:
                    weights = [weight for _reason, weight in NEWCOMER_REASONS]
                    reason = rng.choices([r for r, _w in NEWCOMER_REASONS], weights)[0]
            age = rng.randint(19, 60)
            moved_start = calendar.on(start)
            rows.append((bsn_from_number(NEWCOMER_BSN_BASE + number * 7919), moved_start.year - age,
                         benefit_type, moved_start, calendar.on(end) if end else None,
                         reason))  # fmt: skip
            number += 1
    # Left bijstand for work in March and back on it in June: two spells, outflow and
    # inflow both.
    back = bsn_from_number(NEWCOMER_BSN_BASE + number * 7919)
    rows.append((back, 1990, BenefitType.BIJSTAND, calendar.on(datetime.date(2026, 1, 12)),
                 calendar.on(datetime.date(2026, 3, 6)), BenefitEndReason.WORK))  # fmt: skip
    rows.append((back, 1990, BenefitType.BIJSTAND, calendar.on(datetime.date(2026, 6, 8)),
                 None, ""))  # fmt: skip
    return rows


def _participant_rows(spec):
    """The participants as the benefit system knows them: their benefit since its start;
    who was off benefit at the 6-month follow-up left it four months after the group, for
    the reason the follow-up recorded."""
    rows = []
    participants = (
        Participant.objects.filter(municipality=spec.municipality, in_comparison_group=False)
        .exclude(benefit_start=None)
        .prefetch_related("outcomes__cohort")
        .order_by("pk")
    )
    ends = _sensitive_ends()
    for participant in participants:
        six = next((o for o in participant.outcomes.all() if o.follow_up == 6), None)
        end, reason = None, ""
        if six is not None and six.benefit_status == BenefitStatus.NONE:
            story_end = six.cohort.end_date - spec.calendar.shift + relativedelta(months=4)
            end = spec.calendar.on(_clear(story_end, ends))
            reason = six.benefit_end_reason or ""
        if participant.benefit_type not in TYPE_TEXT:
            continue
        rows.append((
            participant.bsn, participant.birth_date.year, participant.benefit_type,
            participant.benefit_start, end, reason,
        ))  # fmt: skip
    return rows

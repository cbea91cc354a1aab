"""Reads for the consultant's caseload and task list: pages that combine participants
with the coaching sessions logged with them (last contact, appointments), so they live
here, above participants. Scoped through Participant.objects.for_user."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from participants.models import (
    ACTIVE_STATUSES,
    Cohort,
    CohortMeeting,
    DevelopmentPotential,
    OutcomeMeasurement,
    Participant,
)
from participants.selectors import trained_members
from vakwerk import prepared

from .models import CoachingSession

NO_CONTACT_DAYS = 30
FOLLOW_UP_HORIZON_DAYS = 14
CASELOAD_SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "-name": ("-last_name", "-first_name", "-pk"),
    "status": ("status", "last_name", "pk"),
    "last_contact": ("last_contact", "last_name", "pk"),
    "-last_contact": ("-last_contact", "last_name", "pk"),
    "enrolled": ("enrolled_on", "pk"),
    "-enrolled": ("-enrolled_on", "-pk"),
    # Without an intake there is no potential: last either way.
    "potential": (F("potential_rank").asc(nulls_last=True), "last_name", "pk"),
    "-potential": (F("potential_rank").desc(nulls_last=True), "last_name", "pk"),
}
# Which of a consultant's participants the caseload lists: those they coach, or the
# members of the groups they train (whoever coaches them).
OWN, GROUPS = "own", "groups"
NO_INTAKE = "none"
POTENTIAL_RANK = Case(
    When(intake__development_potential=DevelopmentPotential.LOW, then=Value(1)),
    When(intake__development_potential=DevelopmentPotential.MEDIUM, then=Value(2)),
    When(intake__development_potential=DevelopmentPotential.HIGH, then=Value(3)),
    output_field=IntegerField(),
)


def with_last_contact(queryset):
    last_session = (
        CoachingSession.objects.filter(participant=OuterRef("pk"))
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    return queryset.annotate(last_contact=Subquery(last_session))


def caseload_sections(user):
    """For a consultant: how many participants they coach and how many members their
    groups have, in one query; None for a manager (they see the whole municipality)."""
    if user.role != "consultant":
        return None
    found = prepared.rows(
        "caseload_sections",
        lambda user: prepared.totals(
            Participant.objects.for_user(user),
            own=Count("pk", filter=Q(consultant=user)),
            groups=Count("pk", filter=Q(pk__in=trained_members(user))),
        ),
        user=user,
    )
    return found[0] if found else {"own": 0, "groups": 0}


def filter_cohorts(user, since, chosen=None):
    """The groups the caseload's filter offers: running ones and those that ended on or
    after `since` (a region has hundreds of groups, and a list of all of them helps nobody
    pick one), and a group chosen before however old it is (a link from its page)."""
    offered = Q(end_date__gte=since)
    if chosen is not None:
        offered |= Q(pk=chosen)
    return Cohort.objects.for_user(user).filter(offered).order_by("name")


def filter_cohort_options(user, since, chosen=None):
    """`filter_cohorts` as a list, compiled once per role and day (`prepared`): on every
    caseload page its scoped queryset cost more to build than to run."""
    values = {} if chosen is None else {"chosen": chosen}
    return prepared.rows(
        ("filter_cohorts", since, chosen is not None),
        lambda user, chosen=None: filter_cohorts(user, since, chosen),
        user=user,
        **values,
    )


def caseload(user, *, sort="name", **filters):
    """The caseload's list: `caseload_members` with what its rows show, sorted."""
    participants = with_last_contact(
        caseload_members(user, **filters)
        .select_related("consultant", "intake")
        .annotate(potential_rank=POTENTIAL_RANK)
    )
    return participants.order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS["name"]))


def caseload_members(user, *, status="", target_group="", benefit_type="", cohort=None,
                     search="", potential="", members=OWN):  # fmt: skip
    """Whom the caseload lists with these filters (what its count counts)."""
    participants = Participant.objects.for_user(user)
    if user.role == "consultant":
        # A consultant who trains groups sees their members too (`for_user`), but their
        # caseload is whom they coach: the group members are a section of their own.
        if members == GROUPS:
            participants = participants.filter(pk__in=trained_members(user))
        else:
            participants = participants.filter(consultant=user)
    if potential == NO_INTAKE:
        participants = participants.filter(intake__isnull=True)
    elif potential:
        participants = participants.filter(intake__development_potential=potential)
    if status:
        participants = participants.filter(status=status)
    if target_group:
        participants = participants.filter(target_group=target_group)
    if benefit_type:
        participants = participants.filter(benefit_type=benefit_type)
    if cohort:
        participants = participants.filter(enrolments__cohort=cohort)
    for word in search.split():
        participants = participants.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
    return participants


def caseload_pages(user, **filters):
    """`caseload(user, **filters)` for the caseload's paginator, compiled once per role,
    filter and page (`vakwerk.prepared`): the list, its count and the sections cost more
    to build and compile than to run. A search is not kept: its words are names, and
    each search is a shape of its own that would not come back."""
    if filters.get("search"):
        return caseload(user, **filters)
    key = (
        "caseload",
        *sorted((name, getattr(value, "pk", value)) for name, value in filters.items()),
    )
    members = {name: value for name, value in filters.items() if name != "sort"}
    return prepared.Pages(
        key,
        user,
        lambda user: caseload(user, **filters),
        count=lambda user: caseload_members(user, **members),
    )


@dataclass
class TaskList:
    follow_ups: list
    appointments: list
    without_contact: list

    @property
    def total(self):
        return len(self.follow_ups) + len(self.appointments) + len(self.without_contact)


def own_participants(user):
    """Whose tasks a user has: a consultant's own caseload (not their groups' members),
    a manager's whole municipality."""
    mine = Participant.objects.for_user(user)
    if user.role == "consultant":
        mine = mine.filter(consultant=user)
    return mine


# The three kinds of task, one definition each: the task list, the caseload's counters and
# the weekly reminder mail (consultants/reminders.py) all read them from here.


def follow_up_horizon(today):
    return today + datetime.timedelta(FOLLOW_UP_HORIZON_DAYS)


def no_contact_cutoff(today):
    return today - datetime.timedelta(days=NO_CONTACT_DAYS)


def follow_ups_due(participants, today):
    """Follow-ups not measured yet, due within two weeks or overdue."""
    return OutcomeMeasurement.objects.pending().filter(
        participant__in=participants, due_on__lte=follow_up_horizon(today)
    )


def appointments_between(participants, start, end):
    """Coaching sessions whose next appointment lies from `start` up to (not including)
    `end`."""
    return CoachingSession.objects.filter(
        participant__in=participants, next_appointment__gte=start, next_appointment__lt=end
    )


def without_contact(participants, today):
    """Active participants without a coaching session in the last 30 days, or never."""
    return with_last_contact(participants.filter(status__in=ACTIVE_STATUSES)).filter(
        Q(last_contact__lt=no_contact_cutoff(today)) | Q(last_contact__isnull=True)
    )


def group_meetings_between(user, first_day, last_day):
    """Meetings of the groups the user leads (as trainer) from `first_day` up to and
    including `last_day`: the other planned appointments, beside coaching sessions."""
    return CohortMeeting.objects.filter(
        cohort__in=Cohort.objects.led_by(user), held_on__gte=first_day, held_on__lte=last_day
    )


# The same definitions for all consultants of a municipality at once (the weekly mail): a
# few queries for the whole municipality instead of a few per consultant.


def own_participants_of(municipality_id, consultant_ids):
    """Each consultant's `own_participants`, for several consultants of one municipality:
    the participants of that municipality whom they coach (`consultant_id` says whose)."""
    return Participant.objects.filter(
        municipality_id=municipality_id, consultant_id__in=consultant_ids
    )


def group_meetings_led_by(municipality_id, trainer_ids, first_day, last_day):
    """Each consultant's `group_meetings_between`, for several consultants of one
    municipality: a meeting once for every one of them who leads its group, with that
    consultant as `trainer_id`."""
    return (
        CohortMeeting.objects.filter(
            cohort__programme__municipality_id=municipality_id,
            held_on__gte=first_day,
            held_on__lte=last_day,
        )
        .annotate(trainer_id=F("cohort__trainers"))
        .filter(trainer_id__in=trainer_ids)
    )


def _task_querysets(user, today):
    """The three kinds of task, unevaluated, so the list page can fetch them and the
    caseload's counters can count them without loading rows."""
    mine = own_participants(user)
    now = timezone.now()
    return (
        follow_ups_due(mine, today),
        appointments_between(mine, now, now + datetime.timedelta(days=FOLLOW_UP_HORIZON_DAYS)),
        without_contact(mine, today),
    )


def task_list(user, today=None, limit=50):
    """What a consultant should act on: follow-ups due within two weeks or overdue, the
    next appointments, and active participants nobody spoke to for 30 days."""
    follow_ups, appointments, silent = _task_querysets(user, today or timezone.localdate())
    return TaskList(
        list(follow_ups.select_related("participant", "cohort").order_by("due_on", "pk")[:limit]),
        list(appointments.select_related("participant").order_by("next_appointment")[:limit]),
        list(silent.order_by("last_contact", "last_name", "pk")[:limit]),
    )


def task_counts(user, today=None):
    """How many of each kind of task the user has (the caseload's counters). Each count is
    compiled once per role and day (`prepared`): building the three scoped querysets cost
    as long as running them. The key holds the dates their SQL holds; the window of
    appointments from now is put in."""
    today = today or timezone.localdate()
    key = ("task_counts", follow_up_horizon(today), no_contact_cutoff(today))
    now = timezone.now()

    def count(kind, build, **values):
        found = prepared.rows(
            (*key, kind),
            lambda user, **values: prepared.totals(build(user, **values), count=Count("pk")),
            user=user,
            **values,
        )
        return found[0]["count"] if found else 0

    return {
        "follow_ups": count(
            "follow_ups", lambda user: follow_ups_due(own_participants(user), today)
        ),
        "appointments": count(
            "appointments",
            lambda user, start, end: appointments_between(own_participants(user), start, end),
            start=now,
            end=now + datetime.timedelta(days=FOLLOW_UP_HORIZON_DAYS),
        ),
        "without_contact": count(
            "without_contact", lambda user: without_contact(own_participants(user), today)
        ),
    }

"""Reads of the provisions register and the SRG deliveries."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from participants.models import Participant
from participants.selectors import records_of
from vakwerk.roles import Role

from . import spec, validation
from .models import Provision, SrgDelivery


def provisions_of(user, participant):
    return records_of(participant, Provision, "kind", user=user)


def provisions_for_month(municipality, month):
    """Everything in the SRG selection period of `month` (A5) for participants who are not
    in the comparison group and were not anonymised, ordered for a stable file."""
    first, last = spec.month_bounds(month)
    return list(
        Provision.objects.filter(
            municipality=municipality,
            participant__in_comparison_group=False,
            participant__anonymised_at__isnull=True,
        )
        .in_period(first, last)
        .select_related("kind", "participant")
        .order_by("participant_id", "start_date", "pk")
    )


@dataclass
class Warning:
    provision: Provision
    other: Provision
    message: str


def warnings(provisions):
    """Overlaps the guideline forbids (two provisions of one kind for one person at the
    same time, A9) and same-kind provisions that follow on the next day, which are one
    provision broken in two. `provisions` belong to one participant."""
    found = []
    for provision, other, overlaps in validation.same_kind_conflicts(provisions):
        if overlaps:
            message = _("overlaps with another provision of the same kind")
        else:
            message = _(
                "starts the day after another of the same kind ends: record them as one provision"
            )
        found.append(Warning(provision, other, message))
    return found


def deliveries_for(user):
    return SrgDelivery.objects.for_user(user).select_related("built_by")


def participant_for(user, pk):
    """A participant whose provisions `user` may see: consultants and managers as on the
    participant page; the municipality's admin any of the municipality's participants, to
    correct what the SRG validation found."""
    if user.role == Role.ADMIN:
        participants = Participant.objects.for_access_request(user)
    else:
        participants = Participant.objects.for_user(user)
    return participants.get(pk=pk)


def errors_by_participant(delivery):
    """The delivery's errors grouped per participant, with the participant's name (one
    query), in the order of the file."""
    ids = {error["participant_id"] for error in delivery.errors}
    names = {
        participant.pk: str(participant)
        for participant in Participant.objects.filter(
            pk__in=ids, municipality_id=delivery.municipality_id
        ).only("pk", "first_name", "last_name")
    }
    grouped = {}
    for error in delivery.errors:
        grouped.setdefault(error["participant_id"], []).append(error["message"])
    return [
        {"participant_id": pk, "name": names.get(pk, "—"), "messages": messages}
        for pk, messages in grouped.items()
    ]

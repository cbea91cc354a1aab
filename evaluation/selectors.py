from django.db.models import Count, Q

from participants.models import Participant, Status
from vakwerk.models import Programme


def status_counts(user):
    """Participants per status for the user's municipality, counted in one query."""
    rows = (
        Participant.objects.for_user(user).values("status").annotate(total=Count("pk")).order_by()
    )
    counts = {row["status"]: row["total"] for row in rows}
    return [(status, counts.get(status.value, 0)) for status in Status]


def programmes_with_goals(user):
    return (
        Programme.objects.for_user(user)
        .annotate(open_activities=Count("activities", filter=Q(activities__done_on__isnull=True)))
        .prefetch_related("goals")
        .order_by("-start_date", "name")
    )

"""Writes of the consultants app, each taking the acting user."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from vakwerk.roles import Role

from .models import CoachingSession


@transaction.atomic
def log_coaching_session(user, participant, **fields):
    """A consultant logs a session with a participant of their municipality."""
    if user.role != Role.CONSULTANT or participant.municipality_id != user.municipality_id:
        raise PermissionDenied
    session = CoachingSession(consultant=user, participant=participant, **fields)
    session.full_clean()
    session.save()
    return session


def usual_session_minutes(user, default=45):
    """The duration a consultant most often logs, to pre-fill the form."""
    last = (
        CoachingSession.objects.filter(consultant=user)
        .order_by("-created_at")
        .values_list("minutes", flat=True)
        .first()
    )
    return last or default

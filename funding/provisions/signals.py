"""Provisions follow from what consultants record: whenever an enrolment, a placement or
a training is saved or deleted, the participant's derived provisions are brought up to
date (services.sync_provisions is idempotent). Signals, because the apps that write those
rows sit below this one and may not call it."""

from django.db.models.signals import post_delete, post_save

from employers.models import Placement
from participants.models import Cohort, Enrolment, Training

from . import services
from .models import Source


def _participant_of(instance):
    if isinstance(instance, Placement):
        return instance.match.participant
    return instance.participant


def _saved(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    services.sync_provisions(_participant_of(instance))


def _deleted(sender, instance, **kwargs):
    # Only the provision of the deleted row: the participant may be being deleted too,
    # and a full sync would then write rows for someone who is about to be gone.
    services.forget_source(SOURCES[sender], instance.pk)


SOURCES = {Enrolment: Source.ENROLMENT, Placement: Source.PLACEMENT, Training: Source.TRAINING}


def _cohort_saved(sender, instance, **kwargs):
    # A group's dates are its members' trajectory dates.
    if not kwargs.get("raw") and not kwargs.get("created"):
        services.sync_cohort(instance)


def connect():
    post_save.connect(_cohort_saved, sender=Cohort, dispatch_uid="provisions-Cohort")
    for model in (Enrolment, Placement, Training):
        post_save.connect(_saved, sender=model, dispatch_uid=f"provisions-{model.__name__}")
        post_delete.connect(
            _deleted, sender=model, dispatch_uid=f"provisions-del-{model.__name__}"
        )

"""A model's `get_<field>_display()` (vakwerk.choice_labels) names each value as Django's
own does, in the language of the request, and shows an unknown value as itself."""

import pytest
from django.db import models
from django.utils import translation

from consultants.models import CoachingSession
from funding.models import LedgerEntry
from participants.models import Participant, Status


def django_display(instance, name):
    return models.Model._get_FIELD_display(instance, instance._meta.get_field(name))


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (Participant, "status"),
        (Participant, "target_group"),
        (CoachingSession, "kind"),
        (LedgerEntry, "kind"),
    ],
)
def test_every_value_named_as_django_names_it(model, name):
    field = model._meta.get_field(name)
    for language in ("nl", "en"):
        with translation.override(language):
            for value, _label in field.flatchoices:
                instance = model(**{field.attname: value})
                shown = getattr(instance, f"get_{name}_display")()
                assert shown == django_display(instance, name)


def test_the_label_follows_the_language_of_each_request():
    participant = Participant(status=Status.REGISTERED)
    with translation.override("nl"):
        dutch = participant.get_status_display()
    with translation.override("en"):
        english = participant.get_status_display()
    with translation.override("nl"):
        again = participant.get_status_display()
    assert (dutch, english, again) == ("Aangemeld", "Registered", "Aangemeld")


def test_an_unknown_value_is_shown_as_itself():
    assert Participant(status="gone").get_status_display() == "gone"

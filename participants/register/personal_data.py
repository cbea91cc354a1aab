"""What the benefit register holds about a participant (format: participants/personal_data.py).

A participant found in a snapshot is linked to their register person; people in the
register who are not participants are known by the keyed hash of their BSN only, and the
register's own retention run (services.anonymise_expired_people) removes that hash when
their benefit ended longer ago than the municipality's retention period. For a
participant, their own retention does the same through the declarations below: the hash
goes, the birth year and benefit spells stay as figures, so past net effects do not
change.
"""

from django.utils.translation import gettext_lazy as _

from vakwerk.privacy_declarations import Holds

DECLARATIONS = [
    Holds(
        "benefit_register.RegisterPerson",
        path="participant",
        section="benefit_register_person",
        label=_("Benefit register"),
        blank={"bsn_hash": None},
        keep=("id", "municipality", "birth_year", "participant", "anonymised_at"),
    ),
    Holds(
        "benefit_register.BenefitSpell",
        path="person__participant",
        section="benefit_register_spells",
        label=_("Benefit spells in the register"),
        order_by=("started_on", "pk"),
        keep=(
            "id",
            "municipality",
            "person",
            "benefit_type",
            "started_on",
            "ended_on",
            "end_reason",
            "ended_unseen",
            "first_seen_on",
            "last_seen_on",
            "end_recorded_on",
        ),
    ),
]

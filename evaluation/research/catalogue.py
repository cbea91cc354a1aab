"""The tables an export offers, in the order they are written and shown."""

from .comparison import COMPARISON_GROUP
from .tables import (
    ANSWERS,
    COACHING_SESSIONS,
    LADDER,
    MATCHES,
    NETWORK,
    OUTCOMES,
    PARTICIPANTS,
    TRAININGS,
)

TABLES = {
    table.name: table
    for table in (
        PARTICIPANTS,
        COACHING_SESSIONS,
        OUTCOMES,
        LADDER,
        NETWORK,
        TRAININGS,
        MATCHES,
        ANSWERS,
        COMPARISON_GROUP,
    )
}


def table_choices():
    return [(table.name, table.title) for table in TABLES.values()]


def selected_tables(names):
    """The tables in their fixed order; unknown names are ignored."""
    return [table for name, table in TABLES.items() if name in set(names)]

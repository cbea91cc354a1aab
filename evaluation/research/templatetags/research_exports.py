from django import template

from evaluation.research.catalogue import TABLES

register = template.Library()


@register.filter
def table_titles(export):
    """The export's tables as the export builder names them, in the reader's language; a
    table that no longer exists keeps its code name. (A filter, not a model property: the
    tables are declared in tables.py, which reads the models.)"""
    return [str(TABLES[name].title) if name in TABLES else name for name in export.tables]

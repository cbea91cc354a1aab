"""`get_<field>_display()` without rebuilding the field's choices on every call.

Django's `Model._get_FIELD_display` flattens the field's choices and builds a dict of them
each time it is called: some 30 µs, against 3 for a look-up. A caseload page calls it 150
times (status, target group, development potential of fifty rows), the ledger 50 times,
a participant's timeline once or more per entry. The field's choices are fixed when its
class is made, so their dict is built once per field; the labels in it stay lazy
translations, worded once per language.
"""

import functools

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@functools.cache
def _labels(field):
    return dict(make_hashable(field.flatchoices))


@functools.lru_cache(maxsize=4096)
def _worded(language, field, value):
    """A label in `language` (the active one: the cache's key says which). Wording a lazy
    label looks the translation up again on every call, a timeline's fifty entries have
    some three hundred."""
    # As Django's: an unknown value is shown as itself.
    return force_str(_labels(field).get(value, value), strings_only=True)


class ChoiceLabels:
    """Mixin for a model, before models.Model in its bases: Django binds each
    `get_<field>_display` to the class's `_get_FIELD_display` when the class is made."""

    def _get_FIELD_display(self, field):
        value = make_hashable(getattr(self, field.attname))
        return _worded(get_language(), field, value)

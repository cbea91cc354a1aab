"""Words for the audit keys the benefit register writes (see vakwerk/audit_text.py)."""

from django.utils.translation import pgettext_lazy

FIXED = {
    "benefit register import requested": pgettext_lazy(
        "audit", "benefit register import requested"
    ),
    "benefit register import confirmed": pgettext_lazy(
        "audit", "benefit register import confirmed"
    ),
}

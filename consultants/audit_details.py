"""Words for the audit keys the consultants app writes (see vakwerk/audit_text.py)."""

from django.utils.translation import pgettext_lazy

FIXED = {
    "coaching session": pgettext_lazy("audit", "coaching session"),
    "calendar feed link renewed": pgettext_lazy("audit", "calendar feed link renewed"),
    "calendar feed link revoked": pgettext_lazy("audit", "calendar feed link revoked"),
}

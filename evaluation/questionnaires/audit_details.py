"""Words for the audit keys questionnaires write (see vakwerk/audit_text.py)."""

from django.utils.translation import pgettext_lazy

FIXED = {
    "questionnaire answered": pgettext_lazy("audit", "questionnaire answered"),
    "questionnaire invitation": pgettext_lazy("audit", "questionnaire invitation"),
}

"""Keeps the BSN out of log lines and error reports. No code logs a BSN on purpose; these
filters catch the accidents: a database error that quotes the row it refused, a form's
cleaned data in a traceback, a number someone typed into the wrong field."""

import logging
import re

from django.template.defaultfilters import pprint
from django.views import debug

from .bsn import is_valid_bsn, mask_bsn

# Eight digits too: older BSNs are often written without their leading zero. Only numbers
# that pass the 11-proef are masked, so amounts, ids and phone numbers stay readable
# (about one in eleven other 8- or 9-digit numbers passes it too and is masked as well).
CANDIDATE = re.compile(r"(?<!\d)\d{8,9}(?!\d)")
BSN_NAME = re.compile("bsn", re.IGNORECASE)


def _mask_match(match):
    number = match.group()
    return mask_bsn(number) if is_valid_bsn(number) else number


def mask_bsns(text):
    """`text` with every number that could be a BSN masked (`*****2333`)."""
    return CANDIDATE.sub(_mask_match, text)


class MaskBSNFilter(logging.Filter):
    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:
            # A broken format string is the handler's to report; a filter must not raise
            # into the code that logged.
            return True
        masked = mask_bsns(message)
        if masked != message:
            # The formatted text replaces msg and args together: masking one argument
            # would break a "%d" that expects a number.
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_bsns(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_bsns(record.stack_info)
        return True


class _Formatted:
    """A variable already formatted for the report: shown as is, without extra quotes."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


class SafeExceptionReporterFilter(debug.SafeExceptionReporterFilter):
    """Django's filter hides what a view marked with @sensitive_variables or
    @sensitive_post_parameters; this one also hides every setting, POST field and variable
    named like "bsn" and masks BSN-looking numbers in all other values, so a view that
    forgot the decorator does not put a BSN in an error report."""

    hidden_settings = re.compile(
        debug.SafeExceptionReporterFilter.hidden_settings.pattern + "|BSN", re.IGNORECASE
    )

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        return mask_bsns(cleansed) if isinstance(cleansed, str) else cleansed

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        return self._cleanse_fields(super().get_cleansed_multivaluedict(request, multivaluedict))

    def get_post_parameters(self, request):
        return self._cleanse_fields(super().get_post_parameters(request))

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self._cleanse_variable(name, value)) for name, value in variables]

    def _cleanse_fields(self, fields):
        if not fields:
            return fields
        cleansed = fields.copy()
        for key in list(cleansed):
            if self.hidden_settings.search(key):
                cleansed.setlist(key, [self.cleansed_substitute])
            else:
                values = cleansed.getlist(key)
                cleansed.setlist(key, [mask_bsns(v) if isinstance(v, str) else v for v in values])
        return cleansed

    def _cleanse_variable(self, name, value):
        if BSN_NAME.search(name):
            return self.cleansed_substitute
        # Formatted here, once, as the reporter would: a BSN can hide anywhere in a dict,
        # a list or an object's repr, and formatting twice would run a queryset twice.
        return _Formatted(mask_bsns(pprint(value)))

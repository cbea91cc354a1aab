"""One-time keys for create forms, so that a repeated POST never makes a second row.

Every create form renders a fresh signed key (`{% one_time_key %}`, a template builtin).
`@idempotent` on the view stores the key in the SAME transaction as what the view writes,
under a unique (user, key) constraint:

* back to back, the second POST finds the stored key and is sent where the first one went,
  with a message, and the view does not run again;
* at the same moment, the second INSERT of the key waits on the unique index until the first
  transaction ends, then fails, and the second POST is answered as above.

A key is kept only when the view succeeded (it redirected without queuing an error message);
a form with errors can be corrected and sent again with the same key.

A POST without a key (a tab opened before this existed) still works. Every decorated POST,
with or without a key, runs in one transaction, and a unique constraint violated by a create
that raced another user's answers with a message instead of a 500.
"""

import functools
import logging
import secrets
from datetime import timedelta

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SubmittedForm
from .redirects import safe_target

logger = logging.getLogger(__name__)

FIELD_NAME = "one_time_key"
# A form left open longer than this is treated as one without a key (it still works);
# stored keys older than this can be pruned.
KEY_MAX_AGE = timedelta(days=7)
UNIQUE_VIOLATION = "23505"


def _signer(user):
    # Salted with the user: a key copied into another account's POST does not verify.
    return signing.TimestampSigner(salt=f"vakwerk.idempotency.user.{user.pk}")


def new_key(user):
    """A fresh key for one rendered form. Makes no query."""
    return _signer(user).sign(secrets.token_urlsafe(18))


def key_from(request):
    """The verified key of this POST, or None (no key, tampered, or expired)."""
    value = request.POST.get(FIELD_NAME, "")
    if not value:
        return None
    try:
        return _signer(request.user).unsign(value, max_age=KEY_MAX_AGE)
    except signing.BadSignature:
        logger.info("Form key refused on %s", request.path)
        return None


def is_unique_violation(error):
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code:
        return code == UNIQUE_VIOLATION
    return "UNIQUE constraint failed" in str(error)  # SQLite, for a quick local run


def _constraint_of(error):
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or "a unique constraint"


def _queued_errors(request):
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return sum(1 for message in queued if message.level >= messages.ERROR)


def _back(request):
    return safe_target(request, request.headers.get("referer", ""), reverse("home"))


def _replay(request, submitted):
    messages.info(request, _("This form had already been sent; nothing was saved twice."))
    if submitted is not None and submitted.result_url:
        return redirect(submitted.result_url)
    return redirect(_back(request))


def _once(view, request, key, args, kwargs):
    try:
        with transaction.atomic():
            record = SubmittedForm.objects.create(
                user=request.user, key=key, path=request.path[:500]
            )
    except IntegrityError:
        # Another POST with this key committed while this one waited on the unique index.
        return _replay(request, SubmittedForm.objects.filter(user=request.user, key=key).first())
    errors_before = _queued_errors(request)
    response = view(request, *args, **kwargs)
    succeeded = (
        response.status_code in (301, 302, 303) and _queued_errors(request) == errors_before
    )
    if succeeded:
        record.result_url = response["Location"][:2000]
        record.save(update_fields=["result_url"])
    else:
        record.delete()
    return response


def idempotent(view):
    """For a view that creates something on POST: see the module docstring. Put it under
    the role decorator, so that a refused user never reaches the key table."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST" or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = key_from(request)
        if key is not None:
            # The common repeat (a second click, a reload) answered without a transaction.
            done = SubmittedForm.objects.filter(user=request.user, key=key).first()
            if done is not None:
                return _replay(request, done)
        try:
            with transaction.atomic():
                if key is None:
                    return view(request, *args, **kwargs)
                return _once(view, request, key, args, kwargs)
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            # The constraint's name only: the database's message quotes the values (a BSN).
            logger.warning(
                "Concurrent create refused on %s by %s", request.path, _constraint_of(error)
            )
            messages.error(
                request,
                _(
                    "This was saved at the same moment by another request; nothing was saved "
                    "twice. Check the page and try again if needed."
                ),
            )
            return redirect(_back(request))

    return wrapper


def prune(now=None):
    """Forgets keys too old to be accepted again; returns how many."""
    cutoff = (now or timezone.now()) - KEY_MAX_AGE
    deleted, _rows = SubmittedForm.objects.filter(submitted_at__lt=cutoff).delete()
    return deleted

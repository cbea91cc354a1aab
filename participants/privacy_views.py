"""Pages for the privacy duties: the data-subject access request (admin) and the
retention overview (manager, admin). The work itself is in privacy.py."""

import json

from dateutil.relativedelta import relativedelta
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.bsn import is_valid_bsn, normalise_bsn
from vakwerk.downloads import attachment
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import privacy
from .forms import BsnSearchForm
from .models import Participant
from .validators import BSNValidator


def _participant(request, pk):
    # Admins answer requests of their own municipality only; anyone else's is a 404.
    try:
        return Participant.objects.for_access_request(request.user).get(pk=pk)
    except Participant.DoesNotExist as exc:
        raise Http404 from exc


@never_cache
@sensitive_post_parameters("bsn")  # error reports must not carry the BSN
@role_required(Role.ADMIN)
def subject_access(request):
    # POST only for the BSN: it must never be in a URL, a browser history or an access log.
    form = BsnSearchForm(request.POST or None)
    form.fields["bsn"].widget.attrs.update({"autocomplete": "off", "inputmode": "numeric"})
    if request.method == "POST" and form.is_valid():
        bsn = normalise_bsn(form.cleaned_data["bsn"])
        if not is_valid_bsn(bsn):
            form.add_error("bsn", BSNValidator.message)
        elif (participant := privacy.find_by_bsn(request.user, bsn)) is None:
            form.add_error("bsn", _("No participant in your municipality has this BSN."))
        else:
            data = privacy.subject_access_data(request.user, participant)
            audit.record(
                request.user,
                AuditAction.SEARCH,
                obj=participant,
                participant_id=participant.pk,
                detail="data-subject access",
                purpose=privacy.SUBJECT_ACCESS_PURPOSE,
            )
            context = {
                "participant": participant,
                "summary": privacy.subject_access_summary(data),
            }
            return render(request, "participants/privacy/subject_access_result.html", context)
    return render(request, "participants/privacy/subject_access.html", {"form": form})


@never_cache
@role_required(Role.ADMIN)
@require_POST  # a deliberate act, not a link a browser may prefetch
def subject_access_json(request, pk):
    participant = _participant(request, pk)
    data = privacy.subject_access_data(request.user, participant)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        obj=participant,
        participant_id=participant.pk,
        detail="data-subject access JSON",
        purpose=privacy.SUBJECT_ACCESS_PURPOSE,
    )
    content = json.dumps(data, ensure_ascii=False, indent=2)
    filename = f"inzage-{participant.pk}-{timezone.localdate():%Y%m%d}.json"
    return attachment(content, "application/json; charset=utf-8", filename)


@never_cache
@role_required(Role.ADMIN)
@require_POST
def subject_access_pdf(request, pk):
    participant = _participant(request, pk)
    data = privacy.subject_access_data(request.user, participant)
    pdf = privacy.subject_access_pdf(data, request.user.municipality)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        obj=participant,
        participant_id=participant.pk,
        detail="data-subject access PDF",
        purpose=privacy.SUBJECT_ACCESS_PURPOSE,
    )
    filename = f"inzage-{participant.pk}-{timezone.localdate():%Y%m%d}.pdf"
    return attachment(pdf, "application/pdf", filename)


@role_required(Role.MANAGER, Role.ADMIN)
def retention_overview(request):
    municipality = request.user.municipality
    today = timezone.localdate()
    horizon = today + relativedelta(months=1)
    due = list(privacy.anonymisation_due(municipality, horizon))
    for participant in due:
        participant.anonymised_from = privacy.anonymisation_date(
            municipality, participant.programme_ended_on
        )
    context = {
        "due": due,
        "horizon": horizon,
        "today": today,
        "retention_years": municipality.retention_years,
    }
    return render(request, "participants/privacy/retention_overview.html", context)

"""Matching: the board of one opportunity with ranked suggestions, proposing a participant,
moving a match through its stages, the candidate's talent profile and that profile as PDF.

Employers see only the candidates introduced to their own opportunities, under a label
that carries their name only with the participant's consent; everything identifying stays
with the municipality."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from participants.models import Participant
from participants.selectors import held_certificates, profile_trainings
from vakwerk import audit, pdf
from vakwerk.audit import AuditAction
from vakwerk.downloads import attachment
from vakwerk.idempotency import idempotent
from vakwerk.permissions import role_required
from vakwerk.redirects import safe_target
from vakwerk.roles import Role
from vakwerk.theme import text_colour_on_white

from . import selectors, services
from .matching_forms import (
    STAGE_ACTIONS,
    STAGES_WITH_DETAILS,
    MoveForm,
    PlacementForm,
    ProposeForm,
    allowed_stages,
)
from .models import Match, MatchStage, OpportunityStatus
from .views import BOARD_ROLES, scoped_opportunity

PROPOSERS = (Role.CONSULTANT, Role.WSP)
MOVERS = (Role.CONSULTANT, Role.WSP, Role.EMPLOYER)
# Who reads a participant's talent profile by participant (not through a match).
PROFILE_READERS = (Role.CONSULTANT, Role.WSP, Role.MANAGER)
# Who opens the participant's own page from the board (the WSP has no case access).
CASE_READERS = (Role.CONSULTANT, Role.MANAGER)
# Proposed and withdrawn candidates never reach the employer (Match.objects.for_user).
EMPLOYER_COLUMNS = (MatchStage.INTRODUCED, MatchStage.INTERVIEW, MatchStage.HIRED,
                    MatchStage.REJECTED)  # fmt: skip


def _match(request, pk):
    queryset = Match.objects.for_user(request.user).select_related(
        "participant__talent_profile", "opportunity__employer", "placement"
    )
    return get_object_or_404(queryset, pk=pk)


def _errors_to_messages(request, error):
    for message in error.messages:
        messages.error(request, message)


def _candidate_name(user, match):
    # Staff know the participant; the employer gets the consent-aware label.
    return match.candidate_label if user.role == Role.EMPLOYER else str(match.participant)


def _certificate_labels(participant, held=None):
    """What the participant holds (`held_certificates`: profile and completed trainings)."""
    return [item.label for item in (held_certificates(participant) if held is None else held)]


@role_required(*BOARD_ROLES)
def board(request, pk):
    user = request.user
    opportunity = scoped_opportunity(request, pk)
    columns = selectors.board(user, opportunity)
    is_employer = user.role == Role.EMPLOYER
    for matches in columns.values():
        for match in matches:
            match.label = _candidate_name(user, match)
            match.actions = [
                (stage, STAGE_ACTIONS[stage], stage in STAGES_WITH_DETAILS)
                for stage in allowed_stages(user, match.stage)
            ]
    stages = EMPLOYER_COLUMNS if is_employer else tuple(MatchStage)
    context = {
        "opportunity": opportunity,
        "columns": [(stage.value, stage.label, columns[stage]) for stage in stages],
        "is_employer": is_employer,
        # Suggestions rank people by name and fit: the municipality's side only.
        "suggestions": [] if is_employer else selectors.suggest_candidates(user, opportunity),
        "may_propose": user.role in PROPOSERS
        and opportunity.status == OpportunityStatus.CONFIRMED,
        "may_read_profiles": user.role in PROFILE_READERS,
        "may_open_participant": user.role in CASE_READERS,
    }
    return render(request, "employers/board.html", context)


@role_required(*PROPOSERS)
@require_POST
@idempotent
def propose(request, pk):
    opportunity = scoped_opportunity(request, pk)
    form = ProposeForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("employers:board", pk=opportunity.pk)
    participant = form.cleaned_data["participant"]
    # The score is kept on the match, so that the board ranks what was proposed.
    fit = selectors.score_candidate(opportunity, participant)
    try:
        services.propose_match(request.user, opportunity, participant, score=fit.score)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(
            request, _("%(name)s has been proposed for this opportunity.") % {"name": participant}
        )
    return redirect("employers:board", pk=opportunity.pk)


def _next_url(request, match):
    fallback = reverse("employers:candidate", args=[match.pk])
    return safe_target(request, request.POST.get("next", ""), fallback)


@role_required(*MOVERS)
@require_POST
def move(request, pk):
    user = request.user
    match = _match(request, pk)
    form = MoveForm(request.POST, user=user, match=match)
    placement_form = PlacementForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return _render_candidate(request, match, move_form=form)
    stage = form.cleaned_data["stage"]
    placement = None
    if stage == MatchStage.HIRED:
        if not placement_form.is_valid():
            # Shown again with what was typed, the errors at the fields.
            messages.error(request, _("Fill in the start date, contract and hours."))
            return _render_candidate(request, match, placement_form=placement_form)
        placement = placement_form.placement()
    try:
        services.move_match(
            user, match, stage, reason=form.cleaned_data["reason"], placement=placement
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(
            request,
            _("%(candidate)s: %(stage)s.")
            % {"candidate": _candidate_name(user, match), "stage": MatchStage(stage).label},
        )
    return redirect(_next_url(request, match))


@role_required(*BOARD_ROLES)
def candidate(request, pk):
    match = _match(request, pk)
    audit.record(
        request.user,
        AuditAction.VIEW,
        obj=match,
        participant_id=match.participant_id,
        detail="talent profile",
    )
    return _render_candidate(request, match)


def _render_candidate(request, match, move_form=None, placement_form=None):
    user = request.user
    participant = match.participant
    is_employer = user.role == Role.EMPLOYER
    # Consent can be withdrawn after the introduction: from then on the employer keeps
    # deciding on the match but no longer reads the profile.
    shows_profile = not is_employer or participant.consent_share_profile
    profile = getattr(participant, "talent_profile", None) if shows_profile else None
    held = held_certificates(participant) if shows_profile else []
    move_form = move_form or MoveForm(user=user, match=match)
    stages = [stage for stage, _label in move_form.fields["stage"].choices]
    context = {
        "match": match,
        "opportunity": match.opportunity,
        "candidate_name": _candidate_name(user, match),
        "is_employer": is_employer,
        "shows_profile": shows_profile,
        "profile": profile,
        "certificates": _certificate_labels(participant, held) if shows_profile else [],
        "trainings": profile_trainings(participant) if profile else [],
        "fit": None
        if is_employer
        else selectors.score_candidate(match.opportunity, participant, held=held),
        "simple_actions": [
            (stage, STAGE_ACTIONS[stage]) for stage in stages if stage not in STAGES_WITH_DETAILS
        ],
        "can_reject": MatchStage.REJECTED in stages,
        "can_hire": MatchStage.HIRED in stages,
        "move_form": move_form,
        "placement_form": placement_form or PlacementForm(opportunity=match.opportunity),
        "employer_pdf": participant.consent_share_profile,
        "may_read_profiles": user.role in PROFILE_READERS,
        "may_open_participant": user.role in CASE_READERS,
    }
    return render(request, "employers/candidate.html", context)


# PDF


def _pdf(request, *, name, participant, opportunity=None, consents=None):
    municipality = request.user.municipality
    # Headings are set in this colour on white paper: theme keeps them readable.
    colour = text_colour_on_white(municipality.colour)
    return pdf.render_template_pdf(
        "employers/talent_profile_pdf.html",
        {
            "name": name,
            "profile": getattr(participant, "talent_profile", None),
            "certificates": _certificate_labels(participant),
            "trainings": profile_trainings(participant),
            "opportunity": opportunity,
            "consents": consents,
            "municipality": municipality,
            "colour": colour,
            "today": timezone.localdate(),
        },
    )


@never_cache
@role_required(*BOARD_ROLES)
def candidate_pdf(request, pk):
    """The talent profile as an employer receives it: the consent-aware label, and only
    while the participant consents to sharing the profile."""
    match = _match(request, pk)
    participant = match.participant
    if not participant.consent_share_profile:
        raise Http404
    content = _pdf(
        request,
        name=match.candidate_label,
        participant=participant,
        opportunity=match.opportunity,
    )
    audit.record(request.user, AuditAction.DOWNLOAD, obj=match, participant_id=participant.pk,
                 detail="talent profile PDF")  # fmt: skip
    return attachment(content, "application/pdf", f"talentprofiel-kandidaat-{match.pk}.pdf")


@never_cache
@role_required(*PROFILE_READERS)
def talent_profile_pdf(request, participant_pk):
    """The municipality's copy, with the name and the consents, so that whoever forwards
    it can see what the participant allowed."""
    queryset = Participant.objects.for_matching(request.user).select_related("talent_profile")
    participant = get_object_or_404(queryset, pk=participant_pk)
    content = _pdf(
        request,
        name=str(participant),
        participant=participant,
        consents=participant,
    )
    audit.record(request.user, AuditAction.DOWNLOAD, obj=participant,
                 participant_id=participant.pk, detail="talent profile PDF")  # fmt: skip
    return attachment(content, "application/pdf", f"talentprofiel-{participant.pk}.pdf")

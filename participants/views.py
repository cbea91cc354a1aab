from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.idempotency import idempotent
from vakwerk.pages import form_page
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import page, selectors, services
from .forms import (
    AttendanceForm,
    BsnSearchForm,
    CohortForm,
    EnrolForm,
    IntakeForm,
    LadderRungForm,
    MeetingForm,
    OutcomeForm,
    ParticipantForm,
    StatusChangeForm,
    TalentProfileForm,
    register_key,
    register_name,
)
from .models import Cohort, CohortMeeting, OutcomeMeasurement, Participant

STAFF = (Role.CONSULTANT, Role.MANAGER)


def scoped_participant(request, pk, **options):
    try:
        return selectors.participant_for_page(request.user, pk, **options)
    except Participant.DoesNotExist as exc:
        raise Http404 from exc


def participant_url(participant):
    return reverse("participants:detail", args=[participant.pk])


def _cohort(request, pk, lead=False):
    """A group the user sees, or with `lead` one they may change (`Cohort.led_by`)."""
    groups = Cohort.objects.led_by(request.user) if lead else Cohort.objects.for_user(request.user)
    return get_object_or_404(groups.select_related("programme"), pk=pk)


def _form_errors_to_messages(request, error):
    for message in error.messages:
        messages.error(request, message)


@role_required(Role.CONSULTANT)
@require_POST
@sensitive_post_parameters("bsn")
def bsn_search(request):
    # POST only: a BSN must never end up in a URL, a browser history or an access log.
    form = BsnSearchForm(request.POST)
    participant = form.is_valid() and selectors.find_by_bsn(request.user, form.cleaned_data["bsn"])
    audit.record(
        request.user,
        AuditAction.SEARCH,
        participant_id=participant.pk if participant else None,
        detail="BSN search: found" if participant else "BSN search: not found",
    )
    if not participant:
        messages.warning(request, _("No participant in your caseload has this BSN."))
        return redirect("participants:caseload")
    return redirect("participants:detail", participant.pk)


@role_required(*STAFF)
@sensitive_post_parameters("bsn")
@idempotent
def participant_create(request):
    form = ParticipantForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.register_participant(request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s has been registered.") % {"name": participant})
            return redirect("participants:detail", participant.pk)
    return form_page(request, form, _("New participant"), reverse("participants:caseload"))


@role_required(*STAFF)
@sensitive_post_parameters("bsn")
def participant_edit(request, pk):
    participant = scoped_participant(request, pk)
    if request.method == "GET":
        audit.record(
            request.user, AuditAction.VIEW, obj=participant, participant_id=pk,
            detail="edit form with BSN",
        )  # fmt: skip
    form = ParticipantForm(request.POST or None, instance=participant, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_participant(request.user, participant, **form.cleaned_data)
        messages.success(request, _("The changes have been saved."))
        return redirect("participants:detail", participant.pk)
    return form_page(
        request, form, _("Edit details"), participant_url(participant), participant=participant
    )


@role_required(*STAFF)
def participant_detail(request, pk):
    participant = scoped_participant(request, pk, network=True, certificates=True)
    timeline = selectors.timeline(request.user, participant)
    reads = [(AuditAction.VIEW, {"obj": participant, "participant_id": pk, "detail": "page"})]
    if any(entry.kind == "session" and entry.obj.notes for entry in timeline):
        reads.append((AuditAction.VIEW, {"participant_id": pk, "detail": "case notes"}))
    audit.record_many(request.user, reads)
    context = {
        "participant": participant,
        "timeline": timeline,
        "status_form": StatusChangeForm(participant=participant),
        "ladder_form": LadderRungForm(),
        "network": selectors.network_summary(request.user, participant),
        "trainings": [entry.obj for entry in timeline if entry.kind == "training"],
        "held_certificates": selectors.held_certificates(participant),
        "pending_outcomes": selectors.pending_outcomes(participant),
        # The higher apps' parts (consultants: the coaching-session form).
        **page.context_for(request, participant),
    }
    return render(request, "participants/participant_detail.html", context)


@role_required(*STAFF)
@require_POST
def participant_status(request, pk):
    participant = scoped_participant(request, pk)
    form = StatusChangeForm(request.POST, participant=participant)
    if form.is_valid():
        try:
            services.change_status(
                request.user, participant, form.cleaned_data["status"], form.cleaned_data["note"]
            )
            messages.success(request, _("The status has been changed."))
        except ValidationError as error:
            _form_errors_to_messages(request, error)
    elif form.has_error("status", "selection_without_intake"):
        for message in form.errors["status"]:
            messages.error(request, message)
    else:
        messages.error(request, _("Choose a status this participant can move to."))
    return redirect("participants:detail", participant.pk)


@role_required(*STAFF)
def intake_edit(request, pk):
    participant = scoped_participant(request, pk)
    intake = getattr(participant, "intake", None)
    if intake is not None and request.method == "GET":
        audit.record(
            request.user, AuditAction.VIEW, obj=intake, participant_id=pk, detail="intake"
        )
    initial = {}
    if intake is None:
        initial = {"held_on": timezone.localdate()}
    else:
        rung = participant.ladder.filter(moment="intake").first()
        initial = {"rung": rung.rung if rung else None}
    form = IntakeForm(request.POST or None, instance=intake, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.record_intake(request.user, participant, rung=data.pop("rung"), **data)
        messages.success(request, _("The intake has been saved."))
        return redirect("participants:detail", participant.pk)
    network = reverse("participants:network", args=[pk])
    return form_page(request, form, _("Intake of %(name)s") % {"name": participant},
                      participant_url(participant),
                      template="participants/form_with_network.html",
                      network_url=f"{network}?moment=0")  # fmt: skip


@role_required(*STAFF)
def talent_profile_edit(request, pk):
    """The talent profile the matching and the employer read, kept by the consultant."""
    participant = scoped_participant(request, pk, certificates=True)
    profile = getattr(participant, "talent_profile", None)
    if profile is not None and request.method == "GET":
        audit.record(
            request.user, AuditAction.VIEW, obj=profile, participant_id=pk,
            detail="talent profile",
        )  # fmt: skip
    initial = TalentProfileForm.initial_for(profile, getattr(participant, "intake", None))
    form = TalentProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_talent_profile(request.user, participant, **form.profile_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The talent profile has been saved."))
            return redirect(f"{participant_url(participant)}#talent-profile")
    return form_page(
        request,
        form,
        _("Talent profile of %(name)s") % {"name": participant},
        participant_url(participant),
        template="participants/talent_profile_form.html",
        participant=participant,
        training_certificates=[
            held for held in selectors.held_certificates(participant) if held.from_training
        ],
    )


@role_required(*STAFF)
@require_POST
@idempotent
def ladder_add(request, pk):
    participant = scoped_participant(request, pk)
    form = LadderRungForm(request.POST)
    if form.is_valid():
        services.record_ladder_rung(request.user, participant, **form.cleaned_data)
        messages.success(request, _("The participation ladder has been updated."))
    else:
        messages.error(request, _("Choose a date and a rung."))
    return redirect("participants:detail", participant.pk)


@role_required(*STAFF)
@idempotent
def outcome_edit(request, pk):
    outcome = get_object_or_404(
        OutcomeMeasurement.objects.filter(
            participant__in=Participant.objects.for_user(request.user)
        ).select_related("participant", "cohort"),
        pk=pk,
    )
    form = OutcomeForm(request.POST or None, instance=outcome)
    if request.method == "POST" and form.is_valid():
        services.record_outcome(request.user, outcome, **form.cleaned_data)
        messages.success(request, _("The follow-up has been recorded."))
        return redirect("participants:detail", outcome.participant_id)
    title = _("Follow-up after %(months)s of %(name)s") % {
        "months": outcome.get_follow_up_display(),
        "name": outcome.participant,
    }
    network = reverse("participants:network", args=[outcome.participant_id])
    return form_page(
        request, form, title, participant_url(outcome.participant),
        template="participants/form_with_network.html",
        network_url=f"{network}?moment={outcome.follow_up}",
    )  # fmt: skip


@role_required(*STAFF)
def cohort_list(request):
    return render(
        request, "participants/cohort_list.html", {"cohorts": selectors.cohorts_for(request.user)}
    )


@role_required(*STAFF)
@idempotent
def cohort_form(request, pk=None):
    cohort = _cohort(request, pk, lead=True) if pk else None
    form = CohortForm(request.POST or None, instance=cohort, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if cohort is None:
            cohort = services.create_cohort(request.user, **data)
        else:
            services.update_cohort(request.user, cohort, **data)
        if not Cohort.objects.for_user(request.user).filter(pk=cohort.pk).exists():
            # A consultant may set up a group for colleagues; its page is theirs, not a 404.
            messages.success(
                request,
                _("The group has been saved. You do not train it, so its trainers find it "
                  "in their list of groups."),
            )  # fmt: skip
            return redirect("participants:cohort_list")
        messages.success(request, _("The group has been saved."))
        return redirect("participants:cohort_detail", cohort.pk)
    cancel = (
        reverse("participants:cohort_detail", args=[cohort.pk])
        if cohort
        else reverse("participants:cohort_list")
    )
    return form_page(request, form, str(cohort) if cohort else _("New group"), cancel)


@role_required(*STAFF)
def cohort_detail(request, pk):
    cohort = _cohort(request, pk)
    # A consultant who sees the group through their own participant sees only their own
    # there; trainers and managers see every member (their `for_user` holds them all).
    enrolments = (
        cohort.enrolments.filter(participant__in=Participant.objects.for_user(request.user))
        .select_related("participant")
        .order_by("participant__last_name", "participant__first_name")
    )
    context = {
        "cohort": cohort,
        "leads": Cohort.objects.led_by(request.user).filter(pk=cohort.pk).exists(),
        "enrolled": cohort.enrolments.count(),
        "enrolments": enrolments,
        "meetings": cohort.meetings.all(),
        "trainers": cohort.trainers.all(),
        "enrol_form": EnrolForm(user=request.user, cohort=cohort),
        "meeting_form": MeetingForm(),
    }
    return render(request, "participants/cohort_detail.html", context)


@role_required(*STAFF)
@require_POST
@idempotent
def cohort_enrol(request, pk):
    cohort = _cohort(request, pk)
    form = EnrolForm(request.POST, user=request.user, cohort=cohort)
    if form.is_valid():
        try:
            services.enrol(request.user, cohort, form.cleaned_data["participant"])
            messages.success(request, _("The participant has been added to the group."))
        except ValidationError as error:
            _form_errors_to_messages(request, error)
    else:
        messages.error(request, _("Choose a participant."))
    return redirect("participants:cohort_detail", cohort.pk)


@role_required(*STAFF)
@require_POST
@idempotent
def meeting_create(request, pk):
    cohort = _cohort(request, pk, lead=True)
    form = MeetingForm(request.POST, cohort=cohort)
    if form.is_valid():
        try:
            meeting = services.add_meeting(request.user, cohort, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_to_messages(request, error)
        else:
            return redirect("participants:meeting_attendance", meeting.pk)
    elif form.has_error("held_on", "meeting_outside_period"):
        for message in form.errors["held_on"]:
            messages.error(request, message)
    else:
        messages.error(request, _("Give the meeting a date and a topic."))
    return redirect("participants:cohort_detail", cohort.pk)


@role_required(*STAFF)
def meeting_attendance(request, pk):
    meeting = get_object_or_404(
        CohortMeeting.objects.filter(cohort__in=Cohort.objects.led_by(request.user)),
        pk=pk,
    )
    enrolled = sorted(
        (e.participant for e in meeting.cohort.enrolments.select_related("participant")),
        key=register_key,
    )
    recorded = dict(meeting.attendance.values_list("participant_id", "present"))
    present = [pk for pk, was_present in recorded.items() if was_present]
    form = AttendanceForm(
        request.POST or None,
        enrolled=enrolled,
        initial={"present": [str(pk) for pk in present]},
    )
    if request.method == "POST" and form.is_valid():
        count = services.record_attendance(request.user, meeting, form.cleaned_data["present"])
        messages.success(
            request,
            _("Attendance saved: %(present)s of %(total)s present.")
            % {"present": count, "total": len(enrolled)},
        )
        return redirect("participants:cohort_detail", meeting.cohort_id)
    return form_page(
        request,
        form,
        _("Attendance"),
        reverse("participants:cohort_detail", args=[meeting.cohort_id]),
        template="participants/meeting_attendance.html",
        meeting=meeting,
        recorded=bool(recorded),
        recorded_present=[p for p in enrolled if recorded.get(p.pk)],
        recorded_absent=[
            register_name(p) for p in enrolled if p.pk in recorded and not recorded[p.pk]
        ],
    )

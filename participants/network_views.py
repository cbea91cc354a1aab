"""The network measurement (the plan's "groei sociaal kapitaal"): the consultant's form.
The participant page shows the measurements and their change (selectors.network_summary)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vakwerk.idempotency import idempotent
from vakwerk.pages import form_page
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import services
from .models import NetworkMeasurement, NetworkMoment, OutcomeMeasurement
from .network_forms import NetworkMeasurementForm, moment_from
from .views import participant_url, scoped_participant


def network_url(participant, moment=NetworkMoment.INTAKE):
    return f"{reverse('participants:network', args=[participant.pk])}?moment={int(moment)}"


def _default_date(participant, moment):
    """The day the moment's other record was made (the intake, the follow-up), so the
    consultant who measures in the same conversation need not type it; else today."""
    if moment == NetworkMoment.INTAKE:
        intake = getattr(participant, "intake", None)
        return intake.held_on if intake is not None else timezone.localdate()
    measured = (
        OutcomeMeasurement.objects.measured()
        .filter(participant=participant, follow_up=moment)
        .order_by("-measured_on")
        .values_list("measured_on", flat=True)
        .first()
    )
    return measured or timezone.localdate()


@role_required(Role.CONSULTANT)
@idempotent
def network_measurement(request, pk):
    """One page per moment (`?moment=0` intake, `3`, `6`, … follow-ups). Saving a moment
    that was measured before corrects it: one measurement per participant and moment."""
    participant = scoped_participant(request, pk)
    moment = moment_from(request.GET.get("moment")) or NetworkMoment.INTAKE
    existing = (
        NetworkMeasurement.objects.for_user(request.user)
        .filter(participant=participant, moment=moment)
        .first()
    )
    initial = NetworkMeasurementForm.initial_for(
        existing, moment, None if existing else _default_date(participant, moment)
    )
    form = NetworkMeasurementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.record_network_measurement(
                request.user, participant, moment=data.pop("moment"), **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The network measurement has been saved."))
            return redirect(f"{participant_url(participant)}#network")
    return form_page(
        request,
        form,
        _("Network measurement of %(name)s") % {"name": participant},
        participant_url(participant),
        template="participants/network_form.html",
        participant=participant,
        existing=existing,
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import Bounds, BoundsValidator, DateInput, PlausibleInput

from .models import MAX_TRAINING_HOURS, Training
from .services import TRAINING_FIELDS

TRAINING_HOURS = Bounds(
    lambda today: 1,
    lambda today: MAX_TRAINING_HOURS,
    _("Enter a number of hours from %(low)s up to and including %(high)s."),
    "number",
)


class TrainingForm(PlausibleInput, forms.ModelForm):
    """A participant's course or vocational training. The model's clean says what does
    not fit together (an end before the start, a certificate of a training not completed)."""

    field_kinds = {
        # Recorded afterwards or planned up to a year ahead; a course may run years.
        "start_date": "session_date",
        "end_date": "programme_date",
        # Obtained: not in the future.
        "certificate_on": "follow_up_date",
    }

    class Meta:
        model = Training
        fields = TRAINING_FIELDS
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "certificate_on": DateInput(),
        }
        help_texts = {
            "name": _("For example: forklift course, VCA basic, MBO-2 logistics."),
            "provider": _("The employer, the ROC or the organisation that gives it."),
            "end_date": _("Empty while it is not known yet."),
            "hours": _("Hours of teaching and practice in all."),
            "certificate": _(
                "Counts for the matching as a certificate the participant holds, once the "
                "training is completed."
            ),
            "certificate_on": _("Empty: the end date."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hours = self.fields["hours"]
        hours.validators = [v for v in hours.validators if not hasattr(v, "limit_value")]
        hours.validators.append(BoundsValidator(TRAINING_HOURS))
        hours.widget.attrs.pop("max", None)
        self.fields["certificate"].choices = [("", _("None"))] + [
            choice for choice in self.fields["certificate"].choices if choice[0]
        ]

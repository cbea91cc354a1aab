import datetime

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants import imports as participant_imports
from vakwerk.fields import PlausibleInput

from . import imports


class SnapshotUploadForm(PlausibleInput, forms.Form):
    taken_on = forms.DateField(
        label=_("Reference date of the export"),
        help_text=_("The date on which the file shows who is on benefit."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    file = forms.FileField(
        label=_("Export of the whole benefit population"),
        help_text=_(
            "A .csv (separated by semicolons or commas) or .xlsx file of at most 9 MB and "
            "100,000 rows: the whole benefit population in one file. The first row holds "
            "the column names: BSN, Geboortejaar, Uitkering and Uitkering sinds are "
            "required; Einddatum uitkering and Reden einde are optional (for people whose "
            "benefit ended)."
        ),
        validators=[FileExtensionValidator(allowed_extensions=participant_imports.EXTENSIONS)],
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_taken_on(self):
        taken_on = self.cleaned_data["taken_on"]
        if taken_on > timezone.localdate():
            raise forms.ValidationError(_("The reference date cannot lie in the future."))
        if taken_on < datetime.date(participant_imports.EARLIEST_BIRTH_YEAR, 1, 1):
            raise forms.ValidationError(_("This date cannot be right."))
        return taken_on

    def clean_file(self):
        # Only the size here: the rows are read and checked in the background job, a
        # whole municipality's register takes longer than a web request may.
        uploaded = self.cleaned_data["file"]
        participant_imports.check_size(uploaded, imports.SNAPSHOT_BOUNDS)
        return uploaded


class NetEffectFilterForm(forms.Form):
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=None, required=False, empty_label=_("All programmes")
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

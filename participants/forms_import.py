from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import PlausibleInput

from . import imports


class ImportUploadForm(PlausibleInput, forms.Form):
    file = forms.FileField(
        label=_("Export from the benefit system"),
        help_text=_(
            "A .csv (separated by semicolons or commas) or .xlsx file of at most 5 MB and "
            "5,000 rows. The first row holds the column names: BSN, Voornaam, Achternaam, "
            "Geboortedatum and Uitkering are required; Tussenvoegsel, Postcode, "
            "Uitkering sinds, Uitkeringsbedrag per maand and Consulent are optional."
        ),
        validators=[FileExtensionValidator(allowed_extensions=imports.EXTENSIONS)],
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        # Reading it here reports a file that cannot be imported at all (missing columns,
        # too large) on the form, before anything is stored.
        uploaded = self.cleaned_data["file"]
        self.rows = imports.read_rows(uploaded)
        return uploaded

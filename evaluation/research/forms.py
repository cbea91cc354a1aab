from django import forms
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import PlausibleInput

from . import catalogue
from .models import ExportFormat


class ResearchExportForm(PlausibleInput, forms.Form):
    """The export builder: which tables, in which format."""

    tables = forms.MultipleChoiceField(
        label=_("Tables"),
        choices=catalogue.table_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(catalogue.TABLES),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        widget=forms.RadioSelect,
        initial=ExportFormat.CSV,
    )

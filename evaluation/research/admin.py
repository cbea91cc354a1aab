from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .column_privacy import QUASI_IDENTIFIERS
from .models import ResearchExport, ResearchProject


def _quasi_identifier_choices():
    return [(qi.name, qi.label) for qi in QUASI_IDENTIFIERS.values()]


class ResearchProjectForm(forms.ModelForm):
    # Only names the export knows: a typo would otherwise silently allow nothing.
    detail_allowed = forms.TypedMultipleChoiceField(
        label=_("quasi-identifiers in full detail (per the agreement)"),
        choices=_quasi_identifier_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ResearchProject
        fields = [
            "municipality", "name", "institution", "agreement_reference", "valid_until",
            "programmes", "researchers", "export_retention_days", "k_threshold",
            "detail_allowed",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        municipality = data.get("municipality")
        foreign = [p for p in data.get("programmes") or () if p.municipality != municipality]
        if municipality and foreign:
            self.add_error(
                "programmes",
                _("These programmes belong to another municipality: %(names)s")
                % {"names": ", ".join(p.name for p in foreign)},
            )
        return data


@admin.register(ResearchProject)
class ResearchProjectAdmin(admin.ModelAdmin):
    form = ResearchProjectForm
    list_display = ["name", "institution", "municipality", "valid_until"]
    list_filter = ["municipality"]
    filter_horizontal = ["programmes", "researchers"]


@admin.register(ResearchExport)
class ResearchExportAdmin(admin.ModelAdmin):
    list_display = ["project", "format", "status", "rows", "requested_at", "expires_at"]
    list_filter = ["format", "status"]

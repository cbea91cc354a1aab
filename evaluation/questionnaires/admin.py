from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Answer,
    EvaluationAction,
    EvaluationSession,
    Invitation,
    Question,
    Questionnaire,
    Report,
    ResearchExport,
    ResearchProject,
    Response,
    Stakeholder,
)


def _quasi_identifier_choices():
    from .research import QUASI_IDENTIFIERS

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


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "kind", "role", "steering_group"]
    list_filter = ["kind", "role", "steering_group"]


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "audience", "wave", "closes_on"]
    inlines = [QuestionInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["questionnaire", "email", "sent_at", "expires_at", "used_at"]
    exclude = ["token_hash"]


for model in (Question, Response, Answer):
    admin.site.register(model)


class EvaluationActionInline(admin.TabularInline):
    model = EvaluationAction
    extra = 0


@admin.register(EvaluationSession)
class EvaluationSessionAdmin(admin.ModelAdmin):
    list_display = ["programme", "phase", "held_on"]
    list_filter = ["phase"]
    list_select_related = ["programme"]
    filter_horizontal = ["attendees"]
    inlines = [EvaluationActionInline]


@admin.register(EvaluationAction)
class EvaluationActionAdmin(admin.ModelAdmin):
    list_display = ["description", "session", "status"]
    list_filter = ["status"]
    list_select_related = ["session__programme"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["kind", "programme", "status", "requested_at", "finished_at"]
    list_filter = ["kind", "status"]


@admin.register(ResearchExport)
class ResearchExportAdmin(admin.ModelAdmin):
    list_display = ["project", "format", "status", "rows", "requested_at", "expires_at"]
    list_filter = ["format", "status"]

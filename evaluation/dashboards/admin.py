from django.contrib import admin

from .models import EvaluationAction, EvaluationSession


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

from django.contrib import admin

from vakwerk.admin_audit import AuditedAdminMixin

from .models import (
    CalendarFeedToken,
    CoachingSession,
    Competency,
    CompetencyAssessment,
    CompetencyScore,
    ConsultantProfile,
    IntervisionSession,
    TrainingRecord,
    WeeklyReminder,
)


@admin.register(CoachingSession)
class CoachingSessionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["held_on", "consultant", "participant", "kind", "minutes"]
    list_filter = ["kind", "held_on"]
    list_select_related = ["consultant", "participant"]
    raw_id_fields = ["consultant", "participant", "meeting"]
    date_hierarchy = "held_on"


@admin.register(ConsultantProfile)
class ConsultantProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_trainer", "may_become_trainer"]
    list_filter = ["is_trainer", "may_become_trainer", "user__municipality"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["consultant", "kind", "provider", "started_on", "ended_on", "completed"]
    list_filter = ["kind", "completed", "consultant__municipality"]
    list_select_related = ["consultant"]
    raw_id_fields = ["consultant", "recorded_by"]
    search_fields = ["consultant__last_name", "provider", "title"]


@admin.register(IntervisionSession)
class IntervisionSessionAdmin(admin.ModelAdmin):
    list_display = ["held_on", "municipality", "focus", "facilitator", "facilitator_name"]
    list_filter = ["municipality", "focus"]
    list_select_related = ["municipality", "facilitator"]
    raw_id_fields = ["facilitator", "recorded_by"]
    filter_horizontal = ["attendees"]
    date_hierarchy = "held_on"


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "position", "active"]
    list_filter = ["municipality", "active"]
    list_select_related = ["municipality"]
    search_fields = ["name"]


class CompetencyScoreInline(admin.TabularInline):
    model = CompetencyScore
    extra = 0
    raw_id_fields = ["competency"]


@admin.register(CompetencyAssessment)
class CompetencyAssessmentAdmin(admin.ModelAdmin):
    list_display = ["consultant", "assessed_on", "assessor"]
    list_filter = ["consultant__municipality"]
    list_select_related = ["consultant", "assessor"]
    raw_id_fields = ["consultant", "assessor"]
    inlines = [CompetencyScoreInline]


@admin.register(CompetencyScore)
class CompetencyScoreAdmin(admin.ModelAdmin):
    list_display = ["assessment", "competency", "score"]
    list_filter = ["score"]
    list_select_related = ["assessment__consultant", "competency"]
    raw_id_fields = ["assessment", "competency"]


# Reminders: an operator may see that a link or a sent week exists, and delete a link (which
# revokes it); the hash is no use to anyone, so it is not shown.
@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(WeeklyReminder)
class WeeklyReminderAdmin(admin.ModelAdmin):
    list_display = ["user", "week_start", "sent_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "week_start"

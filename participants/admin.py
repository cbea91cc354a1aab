from django.contrib import admin

from vakwerk.admin_audit import AuditedAdminMixin

from .models import (
    Attendance,
    Cohort,
    CohortMeeting,
    Enrolment,
    Intake,
    LadderRung,
    NetworkMeasurement,
    OutcomeMeasurement,
    Participant,
    StatusChange,
    TalentProfile,
    Training,
)


@admin.register(Participant)
class ParticipantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # The BSN is left out of the list and the search: it is shown on the edit form only.
    list_display = ["__str__", "municipality", "consultant", "status", "target_group"]
    list_filter = ["municipality", "status", "target_group", "benefit_type"]
    list_select_related = ["municipality", "consultant"]
    search_fields = ["last_name"]
    raw_id_fields = ["consultant", "programme"]


@admin.register(StatusChange)
class StatusChangeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "from_status", "to_status", "changed_at", "changed_by"]
    list_select_related = ["participant", "changed_by"]
    raw_id_fields = ["participant", "changed_by"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "start_date", "end_date", "capacity"]
    list_select_related = ["programme"]
    filter_horizontal = ["trainers"]


class SimpleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    raw_id_fields = ["participant"]


for model in (
    Intake,
    LadderRung,
    OutcomeMeasurement,
    TalentProfile,
    Enrolment,
    Attendance,
    Training,
    NetworkMeasurement,
):
    admin.site.register(model, SimpleAdmin)


@admin.register(CohortMeeting)
class CohortMeetingAdmin(admin.ModelAdmin):
    list_display = ["cohort", "held_on", "topic"]

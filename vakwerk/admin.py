from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    AuditEntry,
    FieldChange,
    Municipality,
    Programme,
    ProgrammeActivity,
    ProgrammeGoal,
    SubmittedForm,
    User,
    WorkerHeartbeat,
)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "cbs_code",
        "colour",
        "require_two_factor",
        "require_two_factor_employers",
    ]
    search_fields = ["name", "cbs_code"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "municipality", "is_active"]
    list_filter = ["role", "municipality", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    list_select_related = ["municipality"]
    # Domain apps add theirs in their admin module (the employers app: the employer).
    inlines = []
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (_("Role"), {"fields": ["role", "municipality"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "role", "municipality", "password1", "password2"],
            },
        )
    ]


class ActivityInline(admin.TabularInline):
    model = ProgrammeActivity
    extra = 0


class GoalInline(admin.TabularInline):
    model = ProgrammeGoal
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "phase", "start_date", "end_date"]
    list_filter = ["phase", "municipality"]
    search_fields = ["name"]
    inlines = [ActivityInline, GoalInline]


@admin.register(ProgrammeActivity)
class ProgrammeActivityAdmin(admin.ModelAdmin):
    list_display = ["what", "programme", "who", "due_date", "done_on"]
    list_select_related = ["programme"]


@admin.register(ProgrammeGoal)
class ProgrammeGoalAdmin(admin.ModelAdmin):
    list_display = ["programme", "metric", "target"]
    list_select_related = ["programme"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "last_seen"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, also for platform operators."""

    list_display = ["at", "user_email", "role", "municipality", "action", "object_type", "detail"]
    list_filter = ["action", "municipality"]
    search_fields = ["user_email", "participant_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FieldChange)
class FieldChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "changed_by", "object_type", "object_id", "field"]
    list_select_related = ["changed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SubmittedForm)
class SubmittedFormAdmin(admin.ModelAdmin):
    """Read-only: which create form was sent, by whom, and where its answer led; the keys
    are pruned every night once too old to be accepted (vakwerk/idempotency.py)."""

    list_display = ["submitted_at", "user", "path", "result_url"]
    list_select_related = ["user"]
    search_fields = ["path"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from vakwerk.admin import UserAdmin
from vakwerk.admin_audit import AuditedAdminMixin

from .models import (
    ContactLogEntry,
    Employer,
    EmployerContact,
    EmployerMembership,
    Match,
    Opportunity,
    Placement,
)


class EmployerMembershipInline(admin.StackedInline):
    model = EmployerMembership
    autocomplete_fields = ["employer"]
    can_delete = False
    extra = 0
    max_num = 1


# The core's user admin shows the employer without naming this app.
UserAdmin.inlines.append(EmployerMembershipInline)


@admin.register(EmployerMembership)
class EmployerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "employer"]
    list_select_related = ["user", "employer"]
    autocomplete_fields = ["user", "employer"]
    search_fields = ["user__email", "employer__name"]


class ContactInline(admin.TabularInline):
    model = EmployerContact
    extra = 0


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "kvk_number", "municipality", "stage", "size"]
    list_filter = ["municipality", "stage", "size"]
    search_fields = ["name", "kvk_number"]
    inlines = [ContactInline]


@admin.register(EmployerContact)
class EmployerContactAdmin(admin.ModelAdmin):
    list_display = ["name", "employer", "job_title", "email"]
    list_select_related = ["employer"]


@admin.register(ContactLogEntry)
class ContactLogEntryAdmin(admin.ModelAdmin):
    list_display = ["employer", "held_on", "kind", "logged_by"]
    list_select_related = ["employer", "logged_by"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["title", "employer", "kind", "status", "valid_until"]
    list_filter = ["kind", "status"]
    list_select_related = ["employer"]
    search_fields = ["title"]


@admin.register(Match)
class MatchAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["opportunity", "stage", "score", "updated_at"]
    list_filter = ["stage"]
    raw_id_fields = ["participant", "opportunity"]


@admin.register(Placement)
class PlacementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["match", "start_date", "contract", "hours_per_week"]
    raw_id_fields = ["match"]

    def _participant_id(self, obj):
        return obj.match.participant_id

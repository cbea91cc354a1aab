from django.contrib import admin

from .models import Employer, Opportunity


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "kvk_number", "municipality", "stage"]
    list_filter = ["municipality", "stage"]
    search_fields = ["name", "kvk_number"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["title", "employer", "kind", "status", "valid_until"]
    list_filter = ["kind", "status"]
    list_select_related = ["employer"]
    search_fields = ["title"]

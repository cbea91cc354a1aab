from django.contrib import admin

from .models import ProvisionKind


@admin.register(ProvisionKind)
class ProvisionKindAdmin(admin.ModelAdmin):
    list_display = ("srg_code", "name", "wage_subsidy")
    search_fields = ("name", "srg_code")

from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["kind", "programme", "status", "requested_at", "finished_at"]
    list_filter = ["kind", "status"]

from django.contrib import admin

from .models import ResearchProject


@admin.register(ResearchProject)
class ResearchProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "municipality", "valid_until"]
    list_filter = ["municipality"]
    filter_horizontal = ["programmes", "researchers"]

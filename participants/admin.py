from django.contrib import admin

from .models import Participant


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "municipality", "consultant", "status"]
    list_filter = ["municipality", "status"]
    list_select_related = ["municipality", "consultant"]
    search_fields = ["last_name"]

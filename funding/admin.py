from django.contrib import admin

from .models import Commitment, Fund, LedgerEntry, SavingsAssumptions, SocialImpactBond


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "kind", "starts_on", "ends_on", "ceiling"]
    list_filter = ["kind", "municipality"]


@admin.register(SocialImpactBond)
class SocialImpactBondAdmin(admin.ModelAdmin):
    list_display = ["fund", "investor", "principal", "agreed_return", "outcome_payment"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: the ledger is append-only, also here; a mistake gets a correction."""

    list_display = ["booked_at", "fund", "kind", "amount", "booked_by", "description"]
    list_filter = ["kind", "fund"]
    list_select_related = ["fund", "booked_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["purpose", "fund", "amount", "status", "requested_at"]
    list_filter = ["status", "fund"]
    raw_id_fields = ["participant", "match"]


@admin.register(SavingsAssumptions)
class SavingsAssumptionsAdmin(admin.ModelAdmin):
    list_display = ["municipality", "version", "created_at", "remaining_duration_years"]

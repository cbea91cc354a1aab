from django.contrib import admin

from .models import Commitment, Fund, LedgerEntry, SavingsAssumptions, SocialImpactBond


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to the platform operators, never changed here: money moves only through the
    services, which book it in the ledger (a commitment's amount or status changed here
    would leave the ledger behind), and an assumptions version is never edited (a change is
    a new version, so every report keeps naming what it assumed)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "kind", "starts_on", "ends_on", "ceiling"]
    list_filter = ["kind", "municipality"]


@admin.register(SocialImpactBond)
class SocialImpactBondAdmin(admin.ModelAdmin):
    list_display = ["fund", "investor", "principal", "agreed_return", "outcome_payment"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Read-only: the ledger is append-only, also here; a mistake gets a correction."""

    list_display = ["booked_at", "fund", "kind", "amount", "booked_by", "description"]
    list_filter = ["kind", "fund"]
    list_select_related = ["fund", "booked_by"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["purpose", "fund", "amount", "status", "requested_at"]
    list_filter = ["status", "fund"]
    list_select_related = ["fund"]
    raw_id_fields = ["participant", "match"]


@admin.register(SavingsAssumptions)
class SavingsAssumptionsAdmin(ReadOnlyAdmin):
    list_display = ["municipality", "version", "created_at", "remaining_duration_years"]
    list_select_related = ["municipality"]

# Funds, ledger, commitments and exports (filled by the ledger pages work).
urlpatterns = []

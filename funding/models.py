# Funds and the append-only ledger arrive with the funding issue.

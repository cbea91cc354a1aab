"""Django's PostgreSQL backend for connections through PgBouncer in transaction mode
(`for_transaction_pooling` in vakwerk/settings/base.py; README, "Connection pooling")."""

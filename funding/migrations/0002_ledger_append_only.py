from django.db import migrations

from vakwerk.db import append_only


class Migration(migrations.Migration):
    # Money booked stays booked: the database refuses to change or remove a ledger row.
    dependencies = [("funding", "0001_initial")]

    operations = [append_only("funding_ledgerentry")]

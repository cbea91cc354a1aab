from django.db import migrations

from vakwerk.db import append_only


class Migration(migrations.Migration):
    # The trail is what a privacy officer relies on: the database, not only the model,
    # refuses to change or remove it.
    dependencies = [("vakwerk", "0002_audit_trail")]

    operations = [append_only("vakwerk_auditentry")]

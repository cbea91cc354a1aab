from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from vakwerk.db import DatabaseRoleError, app_role_problems, grant_app_role


class Command(BaseCommand):
    help = (
        "Grants the app's database role what the running app needs and nothing that can "
        "undo the ledger or the audit trail. Run it as the owner after every migrate "
        "(docker/entrypoint.sh does). --check only tells whether the role is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the app connects as, e.g. vakwerk_app")
        parser.add_argument(
            "--check",
            action="store_true",
            help="grant nothing; fail when the role could undo the append-only tables",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role, check, database, **options):
        connection = connections[database]
        if check:
            if connection.vendor != "postgresql":
                raise CommandError(f"Database roles need PostgreSQL, not {connection.vendor}.")
            with connection.cursor() as cursor:
                problems = app_role_problems(cursor, role)
            if problems:
                raise CommandError(f"The role {role} is not safe: " + "; ".join(problems) + ".")
            self.stdout.write(f"The role {role} cannot undo the append-only tables.")
            return
        try:
            grant_app_role(connection, role)
        except DatabaseRoleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Granted the app's privileges to {role}.")

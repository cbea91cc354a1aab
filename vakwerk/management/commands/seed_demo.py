import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vakwerk import demo


class Command(BaseCommand):
    help = "Creates the demo municipalities Demo Zwolle and Demo Kampen with a user per role."

    def handle(self, *args, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError(
                "Demo data is switched off here (production settings): demo users have "
                "a known password."
            )
        password = os.environ.get("DEMO_PASSWORD") or "vakwerk-demo"
        emails = demo.seed(password)
        self.stdout.write("Demo users (password: DEMO_PASSWORD or 'vakwerk-demo'):")
        for email in emails:
            self.stdout.write(f"  {email}")

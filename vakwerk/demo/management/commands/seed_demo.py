import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vakwerk.demo import scale, story


class Command(BaseCommand):
    help = (
        "Creates the demo municipalities Demo Zwolle and Demo Kampen with a user per role; "
        "--scale large generates the ten-municipality benchmark dataset instead, "
        "--scale national the forty-municipality one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=("demo", "large", "national"),
            default="demo",
            help="demo: the two demo municipalities (default). large: ten municipalities "
            "with 100,000 participants and 2,000,000 coaching sessions (PostgreSQL only). "
            "national: forty municipalities of the same size, four times every count.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="large, national: the random seed (same seed, same data).",
        )
        parser.add_argument(
            "--factor",
            type=float,
            default=1.0,
            help="large, national: fraction of the full size, e.g. 0.01 for a quick run.",
        )

    def handle(self, *args, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError(
                "Demo data is switched off here (production settings): demo users have "
                "a known password."
            )
        if options["scale"] in ("large", "national"):
            self._scale(options["scale"], options["seed"], options["factor"])
            return
        password = os.environ.get("DEMO_PASSWORD") or "vakwerk-demo"
        emails = story.seed(password)
        self.stdout.write("Demo users (password: DEMO_PASSWORD or 'vakwerk-demo'):")
        for email in emails:
            self.stdout.write(f"  {email}")

    def _scale(self, size, seed, factor):
        if not 0 < factor <= 1:
            raise CommandError("--factor must be more than 0 and at most 1.")
        try:
            counts = scale.generate(seed=seed, factor=factor, out=self.stdout.write, scale=size)
        except scale.ScaleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{sum(counts.values()):,} rows in {len(counts)} tables.")
        self.stdout.write(
            "Users: consultant<N>@<municipality>.scale.example, manager@…, wsp@…, admin@…, "
            "researcher@… (password: DEMO_PASSWORD or 'vakwerk-demo')."
        )

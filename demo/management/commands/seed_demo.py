import argparse
import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from campaigns.models import Campaign
from demo.simulation import seed_demo
from leads.models import Lead


def anchor(value):
    """Parse --anchor: an ISO date (midnight in TIME_ZONE) or an ISO datetime."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = datetime.datetime.combine(day, datetime.time())
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Fill an empty database with weeks of demo work: the team, campaigns with spend, leads captured "
        "through the forms, hand-offs, calls, deals. Deterministic for a given --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=positive, default=5000, help="Leads to capture (default 5000).")
        parser.add_argument("--weeks", type=positive, default=12, help="Weeks of history up to today (default 12).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing, successfully, when the database already has data."
        )
        # Hidden: pins "now" so that two runs with one seed give identical data (tests).
        parser.add_argument("--anchor", type=anchor, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, leads, weeks, seed, if_empty, anchor, **options):
        if Lead.objects.exists() or Campaign.objects.exists():
            if if_empty:
                self.stdout.write("The database already has leads or campaigns; no demo data added.")
                return
            raise CommandError(
                "The database already has leads or campaigns. seed_demo fills an empty database only "
                "(use --if-empty to skip quietly)."
            )
        started = time.monotonic()
        summary = seed_demo(leads=leads, weeks=weeks, seed=seed, now=anchor)
        counts = summary.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {counts['leads']} leads from {counts['visits']} visits over {weeks} weeks, "
                f"{counts['campaigns']} campaigns, {counts['handoffs']} hand-offs ({counts['pending']} pending), "
                f"{counts['activities']} activities, {counts['won']} won deals, {counts['goals']} quarters of goals, "
                f"{counts['digest_weeks']} weeks of digests "
                f"in {time.monotonic() - started:.1f} s (seed {seed})."
            )
        )
        self.stdout.write("Demo logins:")
        self.stdout.write(summary.logins.rstrip())

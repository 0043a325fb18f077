"""import_leads PATH [--campaign SLUG]: the Import page's code, from the shell."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from leads import importing
from leads.models import ImportJob


class Command(BaseCommand):
    help = "Import leads from a CSV file (UTF-8 or Windows encodings, comma/semicolon/tab) and list the bad lines."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file; its first row names the columns and needs an e-mail column.")
        parser.add_argument("--campaign", metavar="SLUG", help="Attribute the imported touches to this campaign.")

    def handle(self, *args, path, campaign=None, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        target = None
        if campaign:
            target = Campaign.objects.filter(slug=campaign).first()
            if target is None:
                raise CommandError(f"No campaign with the slug {campaign!r}.")
        with source.open("rb") as handle:
            job = importing.import_job_create(
                file=File(handle, name=source.name), actor=None, campaign=target, run_in_background=False
            )
        job = importing.import_job_run(job=job)
        for error in job.errors:
            self.stdout.write(f"line {error['line']}: {error.get('email') or '(no e-mail)'}: {error['errors']}")
        if job.error_rows > len(job.errors):
            self.stdout.write(f"… and {job.error_rows - len(job.errors)} more refused rows (only the first are kept).")
        if job.state == ImportJob.State.FAILED:
            raise CommandError(f"Import #{job.pk} failed: {job.message}")
        self.stdout.write(self.style.SUCCESS(f"Import #{job.pk} of {job.original_name}: {job.message}"))

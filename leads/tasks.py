"""Celery tasks of leads: thin, ids in, a service call, retried on transient errors."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from leads import importing, services
from leads.models import ImportJob

logger = logging.getLogger(__name__)


@shared_task(name="leads.tasks.scores_recompute", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def scores_recompute():
    """Recompute every lead's score and fit after the rules or the profile changed."""
    return services.scores_recompute()


IMPORT_MAX_RETRIES = 5


@shared_task(bind=True, name="leads.tasks.import_run", acks_late=True, max_retries=IMPORT_MAX_RETRIES)
def import_run(self, job_id):
    """Run (or resume) a CSV import job; a rerun continues after the last committed row."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    try:
        job = importing.import_job_run(job=job)
    except SoftTimeLimitExceeded:
        # A long file: the open batch rolled back; continue in a fresh task from the committed rows.
        import_run.apply_async(args=[job_id])
        return "continued"
    except OperationalError as exc:
        if self.request.retries >= IMPORT_MAX_RETRIES:
            importing.import_job_fail(job_id=job_id, message="The import stopped: the database was unavailable.")
            raise
        raise self.retry(exc=exc, countdown=min(2 ** (self.request.retries + 1), 60)) from exc
    except Exception:
        logger.exception("Import job %s failed", job_id)
        importing.import_job_fail(job_id=job_id, message="The import stopped on an unexpected error; it was logged.")
        raise
    return job.state

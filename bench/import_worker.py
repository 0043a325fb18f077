"""Run one import of a CSV file the way the Celery task does, and print its figures as JSON.

Started by bench.imports in a fresh process, so its peak RSS is the import's alone.
"""

import json
import os
import resource
import sys
import time

import django


def main(path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.files import File

    from leads.importing import import_job_create, import_job_run

    with open(path, "rb") as handle:
        job = import_job_create(file=File(handle), actor=None, name=os.path.basename(path), run_in_background=False)
    started = time.perf_counter()
    job = import_job_run(job=job)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "state": job.state,
                "rows": job.processed_rows,
                "seconds": round(seconds, 2),
                "rows_per_s": round(job.processed_rows / seconds) if seconds else None,
                "created": job.created_leads,
                "updated": job.updated_leads,
                "errors": job.error_rows,
                "peak_rss_mb": round(peak_kb / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])

"""Run one import of a CSV file the way the Celery task does, and print its figures as JSON.

Started by bench.imports in a fresh process, so its peak RSS is the import's alone.
"""

import json
import os
import resource
import sys
import time

import django


def _backend_cpu_seconds(pid):
    """CPU seconds of a PostgreSQL backend on this machine (user + system), or None if not readable."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None  # another host, or no /proc
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_kb():
    """This process's peak resident memory. VmHWM belongs to the process's own memory map, made at
    exec; getrusage's ru_maxrss keeps the parent's high-water mark across fork and exec on Linux,
    so a worker started by a large bench process reported the bench's memory, not its own."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.files import File
    from django.db import connection

    from leads.importing import import_job_create, import_job_run

    with open(path, "rb") as handle:
        job = import_job_create(file=File(handle), actor=None, name=os.path.basename(path), run_in_background=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    backend_before = _backend_cpu_seconds(backend)
    cpu_before = time.process_time()
    writer_before = time.thread_time()  # this thread writes the batches; a reader thread prepares them
    started = time.perf_counter()
    job = import_job_run(job=job)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    writer_cpu = time.thread_time() - writer_before
    backend_after = _backend_cpu_seconds(backend)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        same_backend = cursor.fetchone()[0] == backend
    rows = job.processed_rows or 1
    # Where the time went, per row: this process's CPU (reader and writer threads) and its
    # PostgreSQL backend's. On a busy machine the rate falls while these stay put.
    readable = same_backend and None not in (backend_before, backend_after)
    backend_cpu = backend_after - backend_before if readable else None
    peak_kb = _peak_rss_kb()
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
                "python_cpu_us_per_row": round(cpu / rows * 1e6, 1),
                "writer_cpu_us_per_row": round(writer_cpu / rows * 1e6, 1),
                "postgres_cpu_us_per_row": round(backend_cpu / rows * 1e6, 1) if backend_cpu is not None else None,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])

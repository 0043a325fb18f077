"""PostgreSQL restarts in the middle of a CSV import: the task is retried, resumes after the
last committed batch, and the result holds every good row exactly once.

Runs against a private PostgreSQL cluster (initdb on a free port) and a private Redis, with a
real Celery worker in a subprocess; the shared PostgreSQL is never touched.
"""

import csv
import random

import psycopg2
import pytest

from tests.reliability.services import CeleryWorker, PrivatePostgres, app_env, manage, wait_for

pytestmark = [pytest.mark.slow]

# Fourteen batches of 1,000: the restart, made as soon as the first batch is committed, must land
# while the import still runs. With two batches a fast machine finished the second before the
# server went down (0.48 s), and no retry was needed to prove anything.
GOOD = 12_000  # distinct good e-mails
REPEATS = 1_500  # good rows naming an e-mail already in the file (a touch, not a lead)
BAD = 60  # rows without a valid e-mail


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres()
    try:
        cluster.init().start()
        cluster.create_database()
        yield cluster
    finally:
        cluster.cleanup()


def write_file(path):
    rng = random.Random(11)
    good = [f"person{n}@example.com" for n in range(GOOD)]
    rows = [(email, f"P{n}", "Acme") for n, email in enumerate(good)]
    rows += [(rng.choice(good).upper(), "Again", "Acme") for _ in range(REPEATS)]
    rows += [(f"broken-{n}-at-example.com", "Bad", "Acme") for n in range(BAD)]
    rng.shuffle(rows)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name", "company"])
        writer.writerows(rows)


def query(url, sql, *params):
    with psycopg2.connect(url, connect_timeout=2) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_a_postgresql_restart_mid_import_is_retried_and_keeps_every_good_row_once(
    private_postgres, private_redis, var_dir, tmp_path
):
    url = private_postgres.url()
    env = app_env(database_url=url, redis_url=private_redis.url, var_dir=var_dir, DB_CONN_MAX_AGE="60")
    manage("migrate", "--noinput", env=env)
    path = tmp_path / "leads.csv"
    write_file(path)
    queue = "import-restart"
    code = (
        "from django.core.files import File; from leads import importing, tasks\n"
        f"with open({str(path)!r}, 'rb') as f:\n"
        "    job = importing.import_job_create(file=File(f, name='leads.csv'), actor=None, run_in_background=False)\n"
        f"tasks.import_run.apply_async(args=[job.pk], queue={queue!r})\n"
        "print(job.pk)"
    )
    job_id = int(manage("shell", "--no-imports", "-c", code, env=env).stdout.split()[-1])
    worker = CeleryWorker(env, queue, pool="solo").start()
    try:

        def progress():
            try:
                return query(url, "SELECT processed_rows, state FROM leads_importjob WHERE id = %s", job_id)
            except psycopg2.OperationalError:
                return None

        # Restart as soon as the first batch is committed and while the import is still running.
        first = wait_for(
            lambda: (row := progress()) and row[0] > 0 and row,
            timeout=120,
            interval=0.02,
            what=f"the first committed batch\n{worker.output()}",
        )
        private_postgres.restart()
        assert first[1] == "running" and first[0] < GOOD + REPEATS + BAD, f"the import was not mid-way: {first}"
        wait_for(
            lambda: (row := progress()) and row[1] in ("done", "failed"),
            timeout=180,
            interval=0.2,
            what=f"the import to finish after the restart\n{worker.output()}",
        )
    finally:
        log = worker.output()
        worker.cleanup()

    state, processed, created, updated, errors, total = query(
        url,
        "SELECT state, processed_rows, created_leads, updated_leads, error_rows, total_rows "
        "FROM leads_importjob WHERE id = %s",
        job_id,
    )
    assert state == "done", log
    assert total == processed == GOOD + REPEATS + BAD
    assert (created, updated, errors) == (GOOD, REPEATS, BAD)
    # Every good row once: a lead per e-mail, a touch per good row, nothing from the rolled-back batch twice.
    assert query(url, "SELECT count(*) FROM leads_lead")[0] == GOOD
    assert query(url, "SELECT count(*) FROM leads_touchpoint WHERE kind = 'import'")[0] == GOOD + REPEATS
    assert query(url, "SELECT count(DISTINCT lower(email)) FROM leads_lead")[0] == GOOD
    # And it was the retry that finished it, not a lucky run between two batches.
    assert "Retry" in log or "retry" in log, log

"""The benchmark harness runs end to end on a tiny data set and prints every figure.

No timing is asserted here (speed is read from `make bench`, not from the suite): the test
proves the harness works, that each section prints its figures and the targets table, and
that the capture run found every accepted lead stored.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BASE_DIR = Path(__file__).resolve().parents[2]


def _database_url():
    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _drop_bench_databases(url, prefix):
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


@pytest.mark.django_db
def test_the_quick_bench_runs_and_prints_every_figure(tmp_path):
    url = _database_url()
    prefix = f"{connection.settings_dict['NAME']}_bench_"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS")}
    env["DATABASE_URL"] = url
    args = ["--quick", "--leads", "1500", "--runs", "1", "--import-rows", "400", "--capture-seconds", "0.5"]
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench", *args, "--reseed", "--output", str(tmp_path)],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        _drop_bench_databases(url, prefix)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads((tmp_path / "results.json").read_text())
    names = [figure["name"] for figure in results["figures"]]
    for expected in [
        "weekly report: raw SQL from the rows (floor)",
        "weekly report: raw SQL of the stored-week read",
        "weekly report API",
        "dashboard page",
        "weekly report API, nothing stored",
        "dashboard page, nothing stored",
        "admin changelist: default view (peer)",
        "lead list: default view",
        "lead list: filtered by status",
        "lead list: search",
        "lead detail (long timeline)",
        "hand-off inbox (rep)",
        "hand-off inbox (manager)",
        "digest build, all three audiences",
        "digest build, nothing stored",
        "import: COPY + INSERT ON CONFLICT (floor)",
        "CSV import, 400 rows (10% known)",
        "minimal insert view under gunicorn (peer)",
        "capture endpoint under gunicorn",
        "growth: dashboard, same week, 10× history (p95 ratio)",
    ]:
        assert expected in names, f"{expected!r} missing from {names}"
        assert expected in proc.stdout  # printed in the table, not only written
    imported = next(f for f in results["figures"] if f["name"].startswith("CSV import, 400"))
    assert imported["created"] + imported["updated"] == 400
    # Where the import's time went, read from this process and its PostgreSQL backend (local here).
    assert imported["python_cpu_us_per_row"] > 0
    assert 0 < imported["writer_cpu_us_per_row"] <= imported["python_cpu_us_per_row"]
    assert imported["postgres_cpu_us_per_row"] > 0
    captured = next(f for f in results["figures"] if f["name"] == "capture endpoint under gunicorn")
    assert captured["errors_other_than_429"] == 0
    assert captured["every_accepted_lead_stored"] is True
    import_target = next(row for row in results["targets"] if row["figure"] == imported["name"])
    assert "cores at these costs" in import_target["measured"]
    written = (tmp_path / "RESULTS.md").read_text()
    assert "| target |" in written
    assert "load average" in written  # whether the machine was busy while it measured
    assert "CPU gauge (a fixed Python loop, less is faster)" in written  # how fast the machine was, idle or not


def test_the_bench_refuses_sqlite_with_a_clear_message(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "make bench measures PostgreSQL and refuses SQLite" in proc.stderr
    assert "DATABASE_URL is sqlite:" in proc.stderr


def test_the_import_target_states_the_ceiling_the_cpu_cost_a_row_allows(monkeypatch):
    from bench.runner import check_targets

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    figure = {
        "name": "CSV import, 100,000 rows (10% known)",
        "median": 4451,
        "peak_rss_mb": 85.7,
        "vs_import_export_stock": 593.5,
        "vs_import_export_cached": 2.6,
        "floor_vs_import_export_cached": 11.6,
        "python_cpu_us_per_row": 126.2,
        "postgres_cpu_us_per_row": 106.9,
    }
    (row,) = check_targets([figure], leads=1_000_000)
    assert row["met"] is False
    # Two cores' 2,000,000 µs a second over 233.1 µs of work a row.
    assert "Python 126.2 µs, PostgreSQL 106.9 µs, so at most 8,580 rows/s on 2 cores" in row["measured"]

"""The CSV import: Tandem's job (in a subprocess, for its peak memory) against the floor
(COPY into a staging table + INSERT … ON CONFLICT DO NOTHING) and django-import-export."""

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
from django.db import connection, transaction

from bench.harness import Figure

BASE_DIR = Path(__file__).resolve().parents[1]
HEADER = [
    "E-mail",
    "First name",
    "Last name",
    "Company",
    "Job title",
    "Phone",
    "Country",
    "utm_source",
    "utm_medium",
    "utm_campaign",
]


def write_csv(path, *, rows, known_share=0.1, seed=11):
    """Write a CSV of ``rows`` leads, ``known_share`` of them with e-mails the database already has."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM leads_lead")
        max_id = cursor.fetchone()[0] or 0
    rng = random.Random(seed)
    known_ids = sorted(rng.sample(range(1, max_id + 1), min(max_id, int(rows * known_share))))
    known = []
    with connection.cursor() as cursor:
        for start in range(0, len(known_ids), 10_000):
            cursor.execute("SELECT email FROM leads_lead WHERE id = ANY(%s)", [known_ids[start : start + 10_000]])
            known += [row[0] for row in cursor.fetchall()]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            email = known[n // 10] if n % 10 == 0 and n // 10 < len(known) else f"import{seed}-{n}@prospects.example"
            writer.writerow(
                [
                    email.upper() if n % 7 == 0 else email,
                    rng.choice(["Ada", "Ben", "Cleo"]),
                    rng.choice(["Meyer", "Smith", "Rossi"]),
                    f"Prospect {n % 5000} GmbH",
                    rng.choice(["Head of IT", "Engineer", "VP Sales", "Analyst"]),
                    "+49 30 1234567" if n % 3 else "",
                    rng.choice(["DE", "US", "FR", "BR"]),
                    "google",
                    "cpc",
                    f"c{n % 40:05d}",
                ]
            )
    return path


def tandem_import(path):
    """Run Tandem's import of the file in a fresh process; return its figures (with peak RSS)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.import_worker", str(path)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"import worker failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def copy_floor(path):
    """COPY the file into a staging table and INSERT … ON CONFLICT DO NOTHING; roll back; return rows/s."""
    dsn = os.environ["DATABASE_URL"]
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "CREATE TEMP TABLE staging (email text, first_name text, last_name text, company text, title text, "
            "phone text, country text, utm_source text, utm_medium text, utm_campaign text)"
        )
        with open(path, encoding="utf-8") as handle:
            cursor.copy_expert("COPY staging FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        cursor.execute(
            "INSERT INTO leads_lead (first_name, last_name, email, phone, company, title, industry, country, source, "
            "status, score, fit, lost_reason, created_at, updated_at, status_changed_at, version) "
            "SELECT coalesce(first_name, ''), coalesce(last_name, ''), lower(email), coalesce(phone, ''), "
            "coalesce(company, ''), coalesce(title, ''), '', coalesce(country, ''), 'paid_search', 'new', 0, "
            "'poor', '', now(), now(), now(), 1 FROM staging ON CONFLICT DO NOTHING"
        )
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds


STOCK_PEER_ROWS = 200  # the stock loader scans the table once per row: about 10 rows/s at a million leads
CACHED_PEER_ROWS = 5000


def import_export_slice(path, rows=CACHED_PEER_ROWS, *, cached=True):
    """Import the first ``rows`` rows with django-import-export (use_bulk=True); roll back; return seconds.

    ``cached=False`` is the library as the issue names it: ``use_bulk = True`` and nothing else
    changed, so its default ModelInstanceLoader looks each row up by ``email = …``.
    ``cached=True`` is its tuned fast path: CachedInstanceLoader (the known rows in one query)
    and ``skip_diff``.
    """
    import tablib
    from import_export import fields, instance_loaders, resources

    from leads.models import Lead

    options = {
        "model": Lead,
        "import_id_fields": ("email",),
        "fields": ("email", "first_name", "last_name", "company", "title", "phone", "country"),
        "use_bulk": True,
    }
    if cached:
        # The tuned fast path: one query for the known rows instead of one per row (Tandem's
        # unique index is on lower(email), which the stock per-row lookup by email cannot use).
        options.update(instance_loader_class=instance_loaders.CachedInstanceLoader, skip_diff=True, batch_size=1000)

    class LeadResource(resources.ModelResource):
        email = fields.Field(attribute="email", column_name="E-mail")
        first_name = fields.Field(attribute="first_name", column_name="First name")
        last_name = fields.Field(attribute="last_name", column_name="Last name")
        company = fields.Field(attribute="company", column_name="Company")
        title = fields.Field(attribute="title", column_name="Job title")
        phone = fields.Field(attribute="phone", column_name="Phone")
        country = fields.Field(attribute="country", column_name="Country")

        Meta = type("Meta", (), options)

    with open(path, encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(rows + 1)]
    dataset = tablib.Dataset().load("".join(lines), format="csv")
    # The same dedupe key as Tandem's (both peers): without it an upper-cased known e-mail is
    # a new row that the lower(email) unique index refuses, and the bulk insert fails.
    emails = [value.strip().lower() for value in dataset["E-mail"]]
    del dataset["E-mail"]
    dataset.append_col(emails, header="E-mail")
    started = time.perf_counter()
    with transaction.atomic():
        result = LeadResource().import_data(dataset, dry_run=False, raise_errors=True)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    if result.has_errors():
        raise RuntimeError("django-import-export reported errors")
    return seconds


def _ratio(ours, theirs):
    return round(ours / theirs, 1) if theirs else None


def import_figures(*, rows, memory_rows=None, workdir=None):
    """Measure the import of a ``rows``-row file (and, for flat memory, of a ``memory_rows`` one)."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="tandem-bench-"))
    path = write_csv(workdir / f"leads-{rows}.csv", rows=rows)
    floor_seconds = copy_floor(path)
    floor = Figure(name="import: COPY + INSERT ON CONFLICT (floor)", unit="rows/s", value=round(rows / floor_seconds))
    peers = []
    for cached, wanted, label in (
        (True, CACHED_PEER_ROWS, "CachedInstanceLoader"),
        (False, STOCK_PEER_ROWS, "stock loader"),
    ):
        peer_rows = min(wanted, rows)
        peer_seconds = import_export_slice(path, rows=peer_rows, cached=cached)
        peers.append(
            Figure(
                name=f"import: django-import-export, use_bulk, {label} ({peer_rows:,} rows, peer)",
                unit="rows/s",
                value=round(peer_rows / peer_seconds, 1),
            )
        )
    cached_peer, stock_peer = peers
    result = tandem_import(path)
    ours = Figure(name=f"CSV import, {rows:,} rows (10% known)", unit="rows/s", value=result["rows_per_s"])
    ours.extra = {
        "peak_rss_mb": result["peak_rss_mb"],
        "seconds": result["seconds"],
        "created": result["created"],
        "updated": result["updated"],
        "errors": result["errors"],
        "python_cpu_us_per_row": result["python_cpu_us_per_row"],
        "writer_cpu_us_per_row": result["writer_cpu_us_per_row"],
        "postgres_cpu_us_per_row": result["postgres_cpu_us_per_row"],
        "vs_floor": round(ours.value / floor.value, 3) if floor.value else None,
        # The "≥ 20× django-import-export with use_bulk=True": the library as configured
        # there (stock loader), and its tuned fast path, with the floor's own ratio to that path
        # (no importer that writes the leads can beat the floor, so it bounds that ratio).
        "vs_import_export_stock": _ratio(ours.value, stock_peer.value),
        "vs_import_export_cached": _ratio(ours.value, cached_peer.value),
        "floor_vs_import_export_cached": _ratio(floor.value, cached_peer.value),
    }
    figures = [floor, cached_peer, stock_peer, ours]
    if memory_rows:
        estimate = memory_rows / max(result["rows_per_s"], 1)
        if estimate > 900:
            ours.extra["memory_check"] = (
                f"skipped the {memory_rows:,}-row run: it would take about {estimate / 60:.0f} min at this rate"
            )
        else:
            big = tandem_import(write_csv(workdir / f"leads-{memory_rows}.csv", rows=memory_rows, seed=12))
            figure = Figure(
                name=f"CSV import, {memory_rows:,} rows (flat memory)", unit="rows/s", value=big["rows_per_s"]
            )
            figure.extra = {
                "peak_rss_mb": big["peak_rss_mb"],
                "seconds": big["seconds"],
                "python_cpu_us_per_row": big["python_cpu_us_per_row"],
                "writer_cpu_us_per_row": big["writer_cpu_us_per_row"],
                "postgres_cpu_us_per_row": big["postgres_cpu_us_per_row"],
            }
            figures.append(figure)
    return figures

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


def import_export_slice(path, rows=5000):
    """Import the first ``rows`` rows with django-import-export (use_bulk=True); roll back; return seconds."""
    import tablib
    from import_export import fields, instance_loaders, resources

    from leads.models import Lead

    class LeadResource(resources.ModelResource):
        email = fields.Field(attribute="email", column_name="E-mail")
        first_name = fields.Field(attribute="first_name", column_name="First name")
        last_name = fields.Field(attribute="last_name", column_name="Last name")
        company = fields.Field(attribute="company", column_name="Company")
        title = fields.Field(attribute="title", column_name="Job title")
        phone = fields.Field(attribute="phone", column_name="Phone")
        country = fields.Field(attribute="country", column_name="Country")

        class Meta:
            model = Lead
            import_id_fields = ("email",)
            fields = ("email", "first_name", "last_name", "company", "title", "phone", "country")
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            # The library's fast path: known rows fetched in one query per import, not one per row
            # (Tandem's unique index is on lower(email), which a per-row lookup by email cannot use).
            instance_loader_class = instance_loaders.CachedInstanceLoader

    with open(path, encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(rows + 1)]
    dataset = tablib.Dataset().load("".join(lines), format="csv")
    # The same dedupe key as Tandem's, applied before the loader caches the known rows.
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


def import_figures(*, rows, memory_rows=None, workdir=None):
    """Measure the import of a ``rows``-row file (and, for flat memory, of a ``memory_rows`` one)."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="tandem-bench-"))
    path = write_csv(workdir / f"leads-{rows}.csv", rows=rows)
    floor_seconds = copy_floor(path)
    floor = Figure(name="import: COPY + INSERT ON CONFLICT (floor)", unit="rows/s", value=round(rows / floor_seconds))
    peer_rows = min(5000, rows)
    peer_seconds = import_export_slice(path, rows=peer_rows)
    peer = Figure(
        name=f"import: django-import-export, use_bulk ({peer_rows} rows, peer)",
        unit="rows/s",
        value=round(peer_rows / peer_seconds),
    )
    result = tandem_import(path)
    ours = Figure(name=f"CSV import, {rows:,} rows (10% known)", unit="rows/s", value=result["rows_per_s"])
    ours.extra = {
        "peak_rss_mb": result["peak_rss_mb"],
        "seconds": result["seconds"],
        "created": result["created"],
        "updated": result["updated"],
        "errors": result["errors"],
        "vs_floor": round(ours.value / floor.value, 3) if floor.value else None,
        "vs_import_export": round(ours.value / peer.value, 1) if peer.value else None,
    }
    figures = [floor, peer, ours]
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
            figure.extra = {"peak_rss_mb": big["peak_rss_mb"], "seconds": big["seconds"]}
            figures.append(figure)
    return figures

"""The pieces every measurement shares: databases per data set, timing, query counts."""

import contextlib
import os
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from bench import seed


def server_dsn(dbname):
    """Return DATABASE_URL with its database name replaced."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{dbname}"))


_BASE = {}


def base_name():
    """Return the database name of DATABASE_URL as it was first seen (use_database changes the variable)."""
    if "name" not in _BASE:
        _BASE["name"] = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") or "tandem"
    return _BASE["name"]


def _admin_connection():
    conn = psycopg2.connect(server_dsn("postgres"))
    conn.autocommit = True
    return conn


def use_database(name):
    """Point Django's default connection (and the subprocesses started later) at the database."""
    base_name()
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = name
    os.environ["DATABASE_URL"] = server_dsn(name)


def database_name(shape):
    return f"{base_name()}_bench_{shape.leads}_{shape.weeks}w_s{shape.seed}"


def _exists(name):
    conn = _admin_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def _admin(sql):
    conn = _admin_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def drop_database(name):
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(name, template=None):
    """Create ``name`` empty, or as a copy of ``template`` (for runs that write: imports, captures).

    A copy is made file by file (PostgreSQL 15's default, WAL_LOG, writes the whole template to the
    write-ahead log: gigabytes for a million leads, and the checkpoints they force ran on into the
    figures measured next)."""
    connections["default"].close()
    drop_database(name)
    sql = f'CREATE DATABASE "{name}"'
    if template:
        sql += f' TEMPLATE "{template}"'
        if _server_version() >= 150000:
            sql += " STRATEGY FILE_COPY"
    _admin(sql)


def _server_version():
    conn = _admin_connection()
    try:
        return conn.server_version
    finally:
        conn.close()


def settle(out=print):
    """Write the server's dirty pages out now (CHECKPOINT), not while the next figures are timed.

    Seeding a million leads leaves gigabytes to write; the checkpoint that PostgreSQL starts for
    them by itself spreads the writes over minutes, and figures timed meanwhile came out up to
    twice as slow (bench/NOTES.md). A user who may not checkpoint gets a warning, not a failure."""
    try:
        _admin("CHECKPOINT")
    except psycopg2.Error as error:
        out(f"  (CHECKPOINT refused, so figures may include a flush of earlier writes: {error.pgerror or error})")


@contextlib.contextmanager
def scratch_copy(name, *, keep=False):
    """Run the block on a copy of the database ``name``, then return to it (and drop the copy)."""
    scratch = f"{name}_scratch"
    create_database(scratch, template=name)  # a file copy checkpoints before and after by itself
    use_database(scratch)
    try:
        yield scratch
    finally:
        use_database(name)
        if not keep:
            drop_database(scratch)


def _meta(name):
    try:
        with psycopg2.connect(server_dsn(name)) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT value FROM bench_meta WHERE key = 'shape'")
            row = cursor.fetchone()
            return row[0] if row else None
    except psycopg2.Error:
        return None


def prepare(shape, *, reseed=False, out=print):
    """Return the name of a database holding the shape's data set, seeding it when needed.

    A seeded database is kept between runs (seeding a million leads takes minutes) and
    reused while its recorded shape and the week it was seeded in still match. Either way it is
    settled before it is returned: what is timed next does not share the disk with its writes.
    """
    name = database_name(shape)
    signature = f"{shape.label()} · week of {seed.anchor_week()}"
    if not reseed and _exists(name) and _meta(name) == signature:
        out(f"· reusing {name}: {signature}")
        use_database(name)
        call_command("migrate", verbosity=0, interactive=False)  # the code may have moved on since
        settle(out)
        return name
    out(f"· seeding {name}: {signature}")
    create_database(name)
    use_database(name)
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    written = seed.seed(shape, out=out)
    seconds = time.perf_counter() - started
    rows = sum(v for k, v in written.items() if isinstance(v, int) and k != "long_timeline_lead")
    out(f"  {rows:,} rows in {seconds:.0f} s ({rows / seconds:,.0f} rows/s): {written}")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value text)")
        cursor.execute("INSERT INTO bench_meta VALUES ('shape', %s)", [signature])
    settle(out)
    return name


@dataclass
class Figure:
    """One measured figure: timings in milliseconds, the query count, and a peer to compare with."""

    name: str
    samples: list = field(default_factory=list)
    queries: int | None = None
    unit: str = "ms"
    value: float | None = None  # for throughput figures (rows/s, requests/s)
    extra: dict = field(default_factory=dict)

    @property
    def median(self):
        return statistics.median(self.samples) if self.samples else self.value

    @property
    def p95(self):
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_dict(self):
        return {
            "name": self.name,
            "unit": self.unit,
            "median": _round(self.median),
            "p95": _round(self.p95),
            "queries": self.queries,
            "runs": len(self.samples) or None,
            **self.extra,
        }


def _round(value):
    return None if value is None else round(value, 2)


def measure(name, call, *, runs, warmup=2):
    """Time ``call`` ``runs`` times after ``warmup`` calls; count the queries of one call."""
    for _ in range(warmup):
        call()
    with CaptureQueriesContext(connection) as queries:
        call()
    figure = Figure(name=name, queries=len(queries.captured_queries))
    for _ in range(runs):
        started = time.perf_counter()
        call()
        figure.samples.append((time.perf_counter() - started) * 1000)
    return figure

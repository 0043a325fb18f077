"""Fixtures shared by the whole suite.

Services: a test marked ``postgres``, ``redis``, ``browser`` or ``worker`` needs that
service. Without it the test is skipped with the reason, unless REQUIRE_SERVICES=1
(CI), where a missing service is a failure.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def service_missing(reason):
    """Fail under REQUIRE_SERVICES=1, skip with the reason otherwise."""
    from django.conf import settings

    if settings.REQUIRE_SERVICES:
        pytest.fail(f"{reason} — REQUIRE_SERVICES=1, so this is a failure, not a skip.", pytrace=False)
    pytest.skip(reason)


def redis_available():
    from django.conf import settings

    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def pytest_runtest_setup(item):
    from django.db import connection

    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not redis_available():
        service_missing("needs Redis: set REDIS_URL=redis://… to a running server")
    if item.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        service_missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Run tasks in-process unless the test drives a real worker."""
    from crm.celery import app

    eager = request.node.get_closest_marker("worker") is None
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = eager
    yield
    app.conf.task_always_eager = False


def clear_cache():
    """Empty this test process's cache, and nothing else in its Redis database.

    With REDIS_URL the cache shares one Redis database with the Celery broker and with the
    other xdist processes' caches; cache.clear() would FLUSHDB it and drop the messages queued
    for a real worker that another test is waiting on. Only our key prefix is deleted.
    """
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Start every test with an empty cache (rate limits, roles)."""
    # A stopped Redis is some tests' subject; they check it themselves.
    with contextlib.suppress(Exception):
        clear_cache()


def commit_from_another_process(*statements):
    """Run SQL statements on a connection of their own to the test database and commit them, as
    another process would (PostgreSQL; the test needs ``transaction=True`` to see them)."""
    import psycopg2
    from django.db import connection

    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    try:
        with other, other.cursor() as cursor:
            for statement in statements:  # SQL, or (SQL, parameters)
                sql, params = statement if isinstance(statement, tuple) else (statement, None)
                cursor.execute(sql, params)
    finally:
        other.close()


@pytest.fixture
def make_user(db):
    """Return a factory of users in a role group."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    def make(username, role=None, **extra):
        user = get_user_model().objects.create_user(
            username=username, email=f"{username}@example.com", password="s3cret-Passw0rd", **extra
        )
        if role:
            # get_or_create: transactional tests flush the groups the data migration made.
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def users(make_user):
    """One user per role, a second sales rep, and a user with no role."""
    return {
        "marketing": make_user("mia", "marketing"),
        "sales": make_user("sid", "sales"),
        "sales2": make_user("sue", "sales"),
        "managers": make_user("max", "managers"),
        "norole": make_user("nora"),
    }


@pytest.fixture
def db_refuses(db):
    """Return a helper: whether the database refuses the row a factory writes past every service."""
    from django.db import IntegrityError, transaction

    def refuses(factory, **fields):
        try:
            with transaction.atomic():
                factory(**fields)
        except IntegrityError:
            return True
        return False

    return refuses


def _worker_env(queue):
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env["DEBUG"] = "1"
    env["TESTING"] = "1"
    return env


@pytest.fixture
def celery_worker_process(request, transactional_db):
    """Start a real Celery worker on the real broker, on a queue of this test's own.

    It reads the test database, so tests using it commit their data (transactional_db).
    Yields a handle with ``stop(kill=False)`` and ``start()`` for fault tests.
    """
    from crm.celery import app

    if request.node.get_closest_marker("worker") is None:
        pytest.fail("tests using celery_worker_process must be marked @pytest.mark.worker")
    from django.conf import settings

    if settings.REQUIRE_SERVICES and not redis_available():
        service_missing("needs Redis as the Celery broker")
    queue = f"tandem-test-{uuid.uuid4().hex[:8]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"

    class Worker:
        proc = None

        def start(self):
            self.proc = subprocess.Popen(
                [
                    celery,
                    "-A",
                    "crm",
                    "worker",
                    "--pool",
                    "solo",
                    "--loglevel",
                    "WARNING",
                    "-Q",
                    queue,
                    "-n",
                    f"{queue}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=BASE_DIR,
                env=_worker_env(queue),
            )
            # Ready when it has run a task end to end through the broker.
            from crm.tasks import ping

            result = ping.apply_async(queue=queue)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if result.ready():
                    return
                if self.proc.poll() is not None:
                    pytest.fail(f"the Celery worker exited with {self.proc.returncode}")
                time.sleep(0.2)
            pytest.fail("the Celery worker ran no task within 60 s")

        def stop(self, kill=False):
            if self.proc and self.proc.poll() is None:
                (self.proc.kill if kill else self.proc.terminate)()
                self.proc.wait(timeout=30)

    worker = Worker()
    worker.start()
    yield worker
    worker.stop()
    app.conf.task_default_queue = previous_queue


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        from django.conf import settings

        if settings.REQUIRE_SERVICES:
            pytest.fail(f"needs Chromium at {CHROMIUM} — REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls that tests
    # make around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab on the live server; JavaScript errors collect in page.js_errors."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.js_errors = []
    tab.on("console", lambda msg: tab.js_errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: tab.js_errors.append(str(exc)))
    yield tab
    context.close()


@pytest.fixture
def sign_in():
    """Return a helper that signs a user in through the real sign-in form."""

    def do(tab, username, password="s3cret-Passw0rd"):
        tab.goto("/accounts/login/")
        tab.fill("input[name=username]", username)
        tab.fill("input[name=password]", password)
        tab.click("button[type=submit]")
        tab.wait_for_load_state("networkidle")

    return do


@pytest.fixture
def role_groups(django_db_blocker):
    """Make sure the role groups exist, and put them back after a transactional test's flush.

    The data migration makes them once; a transactional test's flush deletes them for every
    test after it (and for the next --reuse-db session).
    """
    from django.contrib.auth.models import Group

    from crm.roles import ROLES

    def ensure():
        with django_db_blocker.unblock():
            for role in ROLES:
                Group.objects.get_or_create(name=role)

    ensure()
    yield
    ensure()


# --- Working hours (handoffs/clock.py) ---------------------------------------------------------


@pytest.fixture
def round_the_clock(db):
    """Make the team work every day, all day, so the service-level clocks run on wall time."""
    import datetime

    from handoffs.models import ServiceLevel

    level = ServiceLevel.current()
    level.working_days = "1234567"
    level.day_starts_at = level.day_ends_at = datetime.time(0)
    level.save(update_fields=["working_days", "day_starts_at", "day_ends_at"])
    return level

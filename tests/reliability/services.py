"""Private services for fault tests: a Redis, a PostgreSQL cluster, gunicorn and Celery workers,
each a subprocess of the test on a free loopback port, so that stopping one never touches the
PostgreSQL and Redis other people's tests are using.

Every wait is bounded; every process is stopped by its own pid when the test ends.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def missing(reason):
    """Fail under REQUIRE_SERVICES=1 (CI), skip otherwise."""
    from django.conf import settings

    if settings.REQUIRE_SERVICES:
        pytest.fail(f"{reason} — REQUIRE_SERVICES=1, so this is a failure, not a skip.", pytrace=False)
    pytest.skip(reason)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout, interval=0.1, what="the condition"):
    """Poll until predicate() is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def _port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(proc, *, kill=False, timeout=20):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


class PrivateRedis:
    """A throwaway redis-server on its own port: no persistence, gone when stopped."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            missing("needs redis-server (apt-get install redis-server) for private Redis instances")
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: _port_open(self.port), timeout=15, what=f"redis on port {self.port}")
        except BaseException:
            _stop(self.proc, kill=True)
            raise
        return self

    def stop(self, kill=True):
        _stop(self.proc, kill=kill)
        wait_for(lambda: not _port_open(self.port), timeout=10, what="redis to stop")


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb) owned by the postgres OS user when run as root."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            missing(f"needs PostgreSQL server binaries in {PG_BIN} (set PG_BIN) for a private cluster")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tandem-pg-"))
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args, timeout=120):
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)

    def url(self, name="tandem"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        return self

    def restart(self):
        """Stop fast (sessions cut, open transactions rolled back) and start again on the same port."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.start()

    def stop(self):
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)

    def create_database(self, name="tandem"):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def app_env(*, database_url, redis_url=None, var_dir, **extra):
    """The environment of a Tandem subprocess pointed at the given database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env.update(DEBUG="1", TESTING="1", DATABASE_URL=database_url, VAR_DIR=str(var_dir), LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


def current_database_url():
    """The URL of the database the test runs against (committed data needs transactional_db)."""
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def manage(*args, env, timeout=180, check=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


class Gunicorn:
    """gunicorn serving crm.wsgi on a loopback port."""

    def __init__(self, env, workers=2):
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.proc = None
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "crm.wsgi",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.proc.returncode}: {self.output()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/healthz/", timeout=2) as response:
                return response.status == 200
            return False

        try:
            wait_for(ready, timeout=60, interval=0.3, what="gunicorn to answer /healthz/")
        except BaseException:
            self.stop()  # never leave a server behind when the test fails here
            raise
        return self

    def output(self):
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self):
        _stop(self.proc)
        Path(self.log.name).unlink(missing_ok=True)


class CeleryWorker:
    """A Celery worker subprocess (prefork, one child) on the given broker and queue."""

    def __init__(self, env, queue, pool="prefork"):
        self.env, self.queue, self.pool = env, queue, pool
        self.proc = None
        self.log = tempfile.NamedTemporaryFile(prefix="celery-", suffix=".log", delete=False)  # noqa: SIM115

    def start(self):
        self.proc = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "crm",
                "worker",
                "--pool",
                self.pool,
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{free_port()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def children(self):
        """Return the pids of the pool's child processes (from /proc: no psutil needed)."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        with contextlib.suppress(OSError):
            return [int(pid) for pid in path.read_text().split()]
        return []

    def output(self):
        return Path(self.log.name).read_text(errors="replace")[-6000:]

    def stop(self, kill=False):
        children = self.children()
        _stop(self.proc, kill=kill)
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)

    def cleanup(self):
        self.stop()
        Path(self.log.name).unlink(missing_ok=True)

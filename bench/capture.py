"""The capture endpoint under gunicorn on 127.0.0.1, against a minimal insert view on the same settings.

The load comes from ``wrk`` (a native generator: the Debian package, ``apt-get install wrk``)
with bench/capture.lua, which posts a unique e-mail per request (a third of the endpoint's
repeat an e-mail already sent, so dedupe is exercised). The peer and the endpoint are measured
alternately in one run, several rounds each, so a machine that is busier in one minute than the
next slows both alike; the figure is the median of the rounds and the ratio the median of the
rounds' ratios, with their spread.

Every round is checked, and any mismatch fails the run (BenchCheckFailed): each answer must
be the expected status (201 from the minimal view; 201 or 200 from the endpoint, nothing
else: no redirect to the sign-in page, no 4xx/5xx, rate limits being off), every lead id
answered 201 must be a stored lead of the round's e-mails and distinct, and the rows stored
must be the requests answered 201 plus at most the requests wrk cut off in flight when the
round ended (sent but never answered: the server may have finished them).
"""

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.db import connection

from bench.harness import Figure

BASE_DIR = Path(__file__).resolve().parents[1]
LUA_SCRIPT = Path(__file__).resolve().parent / "capture.lua"
PEER_PATH = "/bench/minimal-capture/"
ENDPOINT_PATH = "/api/v1/capture/benchform/"


class BenchCheckFailed(RuntimeError):
    """A measured request did not answer or store what it should: the figure would be a lie."""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving bench.settings as the Procfile's web process does (sync workers), with
    persistent DB connections and the capture rate limits off."""

    def __init__(self, workers=2, worker_args=()):
        self.port = _free_port()
        self.workers = workers
        self.worker_args = list(worker_args)
        self.proc = None

    def __enter__(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DB_CONN_MAX_AGE": "600",
            # No rate limit gets in the way of the measurement (the reliability suite tests it).
            "CAPTURE_IP_RATE": "1000000/minute",
            "CAPTURE_FORM_RATE": "1000000/minute",
            "LOG_LEVEL": "WARNING",
        }
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "crm.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                *self.worker_args,
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz/", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


def _post(url, body, *, as_json):
    """One POST from Python (bench/alerts.py times single captures with it); return the status."""
    if as_json:
        data, content_type = json.dumps(body).encode(), "application/json"
    else:
        data, content_type = urlencode(body).encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return f"connection error: {error.__class__.__name__}"


def wrk_binary():
    found = shutil.which("wrk")
    if not found:
        raise BenchCheckFailed(
            "the capture section needs wrk (Debian: apt-get install wrk); see the README's Performance"
        )
    return found


@dataclass
class Round:
    """One wrk run against one URL, as its Lua script reported it."""

    prefix: str
    seconds: float = 0.0
    answered: int = 0
    sent: int = 0
    socket_errors: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    created_ids: list = field(default_factory=list)

    @property
    def rate(self):
        return self.answered / self.seconds if self.seconds else 0.0


def run_wrk(url, *, prefix, fmt, repeat_share, seconds, connections):
    """Load ``url`` for ``seconds`` with bench/capture.lua; return the Round it reported."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "wrk.out"
        command = [
            wrk_binary(),
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA_SCRIPT),
            url,
            "--",
            prefix,
            fmt,
            str(repeat_share),
        ]
        proc = subprocess.run(
            command,
            env={**os.environ, "BENCH_WRK_OUT": str(out)},
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        if proc.returncode != 0 or not out.exists():
            raise BenchCheckFailed(f"wrk failed ({proc.returncode}): {proc.stderr[-2000:]}")
        result = Round(prefix=prefix)
        for line in out.read_text().splitlines():
            key, *values = line.split()
            numbers = [int(v) for v in values]
            if key == "duration_us":
                result.seconds = numbers[0] / 1e6
            elif key == "answered":
                result.answered = numbers[0]
            elif key in ("p50_us", "p99_us"):
                setattr(result, key.replace("_us", "_ms"), numbers[0] / 1000)
            elif key == "socket_errors":
                result.socket_errors = numbers[0]
            elif key == "sent":
                result.sent += numbers[0]
            elif key == "status":
                result.statuses[numbers[0]] += numbers[1]
            elif key == "created":
                result.created_ids.append(numbers[0])
    return result


def _stored(prefix):
    """Return (lead ids, touchpoints) stored for the round's e-mails."""
    pattern = prefix.replace("_", r"\_") + "-%@visitors.example"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM leads_lead WHERE email LIKE %s", [pattern])
        ids = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM leads_touchpoint t JOIN leads_lead l ON l.id = t.lead_id WHERE l.email LIKE %s",
            [pattern],
        )
        touches = cursor.fetchone()[0]
    return ids, touches


def check_round(result, *, allowed, touchpoints):
    """Fail the run unless the round answered only ``allowed`` statuses and stored what it answered.

    Rows inserted = requests answered 201 (each 201's lead id a stored lead of the round, all
    distinct) plus at most the requests still in flight when wrk stopped (sent, never answered).
    With ``touchpoints``, every answered request is also a stored touchpoint.
    """
    problems = []
    unexpected = {status: n for status, n in result.statuses.items() if status not in allowed}
    if unexpected:
        problems.append(f"unexpected statuses {unexpected} (expected only {sorted(allowed)})")
    if result.socket_errors:
        problems.append(f"{result.socket_errors} socket errors or timeouts")
    if result.answered == 0:
        problems.append("no request answered")
    answered = sum(result.statuses.values())
    in_flight = result.sent - answered
    ids, touches = _stored(result.prefix)
    created = result.created_ids
    if len(created) != result.statuses.get(201, 0) or len(set(created)) != len(created):
        problems.append(f"{result.statuses.get(201, 0)} answers 201 carried {len(set(created))} distinct lead ids")
    missing = set(created) - ids
    if missing:
        problems.append(f"{len(missing)} leads answered 201 are not stored (e.g. id {min(missing)})")
    extra = len(ids - set(created))
    if extra > in_flight:
        problems.append(f"{extra} leads stored that no 201 announced, more than the {in_flight} requests in flight")
    if touchpoints and not answered <= touches <= answered + in_flight:
        problems.append(f"{touches} touchpoints stored for {answered} answered captures ({in_flight} in flight)")
    if problems:
        raise BenchCheckFailed(f"capture round {result.prefix}: " + "; ".join(problems))
    return {"leads_stored": len(ids), "touchpoints_stored": touches, "in_flight_at_stop": in_flight}


def _spread(values, digits=1):
    return f"{min(values):,.{digits}f}–{max(values):,.{digits}f}" if values else None


def _figure(name, rounds, checks):
    rates = [r.rate for r in rounds]
    statuses = sum((r.statuses for r in rounds), Counter())
    figure = Figure(name=name, unit="req/s")
    figure.value = round(statistics.median(rates), 1)
    figure.extra = {
        "rounds": len(rounds),
        "spread": _spread(rates),
        "requests": sum(r.answered for r in rounds),
        "p99_ms": round(statistics.median(r.p99_ms for r in rounds), 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "answered_201": statuses.get(201, 0),
        "leads_stored": sum(c["leads_stored"] for c in checks),
        "in_flight_at_stop": sum(c["in_flight_at_stop"] for c in checks),
    }
    return figure


def capture_figures(*, seconds, rounds=3, connections=8):
    """Measure Tandem's capture endpoint and the minimal view alternately; fail the run if a
    request answered or stored anything but what it should."""
    token = format(int(time.time()) % 100_000, "05d")
    peer_load = {"fmt": "form", "repeat_share": 0.0, "seconds": seconds, "connections": connections}
    ours_load = {"fmt": "json", "repeat_share": 0.3, "seconds": seconds, "connections": connections}
    peer_rounds, ours_rounds, peer_checks, ours_checks = [], [], [], []
    with Gunicorn() as server:
        peer_url, ours_url = server.url + PEER_PATH, server.url + ENDPOINT_PATH
        # Warm both workers' connections and caches before the clock starts (checked as well).
        warm = {"seconds": 1, "connections": connections}
        check_round(
            run_wrk(peer_url, prefix=f"warmmin{token}", fmt="form", repeat_share=0, **warm),
            allowed={201},
            touchpoints=False,
        )
        check_round(
            run_wrk(ours_url, prefix=f"warmcap{token}", fmt="json", repeat_share=0.3, **warm),
            allowed={200, 201},
            touchpoints=True,
        )
        for n in range(rounds):
            # Alternated, and which goes first alternates too.
            order = [("peer", peer_url), ("ours", ours_url)]
            for which, url in order if n % 2 == 0 else order[::-1]:
                if which == "peer":
                    result = run_wrk(url, prefix=f"min{token}r{n}", **peer_load)
                    peer_checks.append(check_round(result, allowed={201}, touchpoints=False))
                    peer_rounds.append(result)
                else:
                    result = run_wrk(url, prefix=f"cap{token}r{n}", **ours_load)
                    ours_checks.append(check_round(result, allowed={200, 201}, touchpoints=True))
                    ours_rounds.append(result)
    peer = _figure("minimal insert view under gunicorn (peer)", peer_rounds, peer_checks)
    ours = _figure("capture endpoint under gunicorn", ours_rounds, ours_checks)
    ratios = [o.rate / p.rate for o, p in zip(ours_rounds, peer_rounds, strict=True) if p.rate]
    ours.extra["vs"] = peer.name
    ours.extra["ratio"] = round(statistics.median(ratios), 2) if ratios else None
    ours.extra["ratio_spread"] = _spread(ratios, 2) if ratios else None
    ours.extra["touchpoints_stored"] = sum(c["touchpoints_stored"] for c in ours_checks)
    ours.extra["errors_other_than_429"] = 0  # any would have failed the run (BenchCheckFailed)
    ours.extra["every_accepted_lead_stored"] = True  # likewise checked round by round
    ours.extra["load"] = f"wrk -t1 -c{connections}, {rounds} rounds of {max(1, round(seconds))} s each, alternated"
    return [peer, ours]

"""The capture endpoint under gunicorn on 127.0.0.1, against a minimal insert view on the same settings.

A bounded load: ``clients`` threads post for ``seconds`` seconds (and at most ``max_requests``
each), a third of them with an e-mail already sent, so dedupe is exercised. Afterwards the
database is checked: every accepted capture is a touchpoint, every accepted e-mail one lead.
"""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.db import connection

from bench.harness import Figure

BASE_DIR = Path(__file__).resolve().parents[1]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving bench.settings with 2 sync workers and persistent DB connections."""

    def __init__(self, workers=2):
        self.port = _free_port()
        self.workers = workers
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
    if as_json:
        data, content_type = json.dumps(body).encode(), "application/json"
    else:
        from urllib.parse import urlencode

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


def hammer(url, *, prefix, seconds, clients, max_requests, as_json, repeat_share):
    """Post for a bounded time; return (statuses by e-mail, latencies in ms, wall seconds)."""
    results, latencies, lock = [], [], threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index):
        rng = random.Random(index)
        sent, mine, times = [], [], []
        for n in range(max_requests):
            if time.monotonic() > deadline:
                break
            if sent and rng.random() < repeat_share:
                email = rng.choice(sent)
            else:
                email = f"{prefix}-{index}-{n}@visitors.example"
                sent.append(email)
            body = {"email": email, "first_name": "Vi", "last_name": "Sitor", "company": "Loopback Ltd"}
            if as_json:
                body.update(utm_source="google", utm_medium="cpc", utm_campaign="c00001")
            started = time.perf_counter()
            status = _post(url, body, as_json=as_json)
            times.append((time.perf_counter() - started) * 1000)
            mine.append((email, status))
        with lock:
            results.extend(mine)
            latencies.extend(times)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    return results, latencies, time.perf_counter() - started


def _figure(name, results, latencies, wall):
    statuses = Counter(status for _, status in results)
    ordered = sorted(latencies)
    figure = Figure(name=name, unit="req/s")
    figure.value = round(len(results) / wall, 1) if wall else None
    figure.extra = {
        "requests": len(results),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1) if ordered else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
    }
    return figure


def capture_figures(*, seconds, clients, max_requests=2000):
    """Measure Tandem's capture endpoint and the minimal view; check that nothing was lost."""
    with Gunicorn() as server:
        # Warm both workers' connections and caches before the clock starts.
        for _ in range(8):
            _post(f"{server.url}/api/v1/capture/benchform/", {"email": "warm@visitors.example"}, as_json=True)
            _post(f"{server.url}/bench/minimal-capture/", {"email": "warm-min@visitors.example"}, as_json=False)
        load = {"seconds": seconds, "clients": clients, "max_requests": max_requests}
        # The minimal view cannot dedupe, so it gets only new e-mails.
        peer_results, peer_lat, peer_wall = hammer(
            f"{server.url}/bench/minimal-capture/", prefix="min", as_json=False, repeat_share=0.0, **load
        )
        results, latencies, wall = hammer(
            f"{server.url}/api/v1/capture/benchform/", prefix="cap", as_json=True, repeat_share=0.3, **load
        )
    peer = _figure("minimal insert view under gunicorn (peer)", peer_results, peer_lat, peer_wall)
    ours = _figure("capture endpoint under gunicorn", results, latencies, wall)
    ours.extra["vs"] = peer.name
    ours.extra["ratio"] = round(ours.value / peer.value, 2) if peer.value else None
    ours.extra.update(_check_stored(results))
    return [peer, ours]


def _check_stored(results):
    """Compare what the clients were told with what the database holds."""
    accepted = [email for email, status in results if status in (200, 201)]
    errors = sum(1 for _, status in results if status not in (200, 201, 429))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM leads_touchpoint t JOIN leads_lead l ON l.id = t.lead_id "
            "WHERE l.email LIKE 'cap-%%@visitors.example'"
        )
        touches = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM leads_lead WHERE email LIKE 'cap-%%@visitors.example'")
        leads = cursor.fetchone()[0]
    return {
        "errors_other_than_429": errors,
        "accepted": len(accepted),
        "touchpoints_stored": touches,
        "distinct_emails_accepted": len(set(accepted)),
        "leads_stored": leads,
        "every_accepted_lead_stored": touches == len(accepted) and leads == len(set(accepted)),
    }

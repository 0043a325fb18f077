"""Capture-to-alert latency: from a website's capture request to the rep's own webhook receiving the alert.

The whole real path, on a scratch copy of the data set: gunicorn answers the capture (the lead
scores as an MQL), a Celery worker on Redis makes the hand-off and assigns a rep, and the same
worker posts the "new hand-off" alert to the rep's personal webhook, a local HTTP receiver in
this process that notes when each alert arrives. Captures are sent one at a time with a pause
between them, so the figure is the latency a single lead sees, not a queue under load.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.capture import BASE_DIR, Gunicorn, _post
from bench.harness import Figure

FIGURE = "capture-to-alert latency (webhook, real worker on Redis)"
TARGET_P95_MS = 5000
# The alert names the lead: "New hand-off: Alert N00012 (…)"; the number ties it to its capture.
LEAD = re.compile(r"New hand-off: Alert N(\d+)")


class Receiver:
    """A Slack-compatible webhook on 127.0.0.1 that notes the arrival time of every alert by capture number."""

    def __init__(self):
        self.arrivals = {}
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                at = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.end_headers()
                match = LEAD.search(json.loads(body or b"{}").get("text", ""))
                if match:
                    with receiver.arrived:
                        receiver.arrivals.setdefault(int(match.group(1)), at)
                        receiver.arrived.notify_all()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def wait_for(self, numbers, timeout):
        with self.arrived:
            self.arrived.wait_for(lambda: set(numbers) <= self.arrivals.keys(), timeout=timeout)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Worker:
    """A Celery worker on the bench's Redis (2 prefork processes, like a small production worker)."""

    def __enter__(self):
        from crm.celery import app
        from crm.tasks import ping

        celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
        self.proc = subprocess.Popen(
            [
                celery,
                "-A",
                "crm",
                "worker",
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
                "-n",
                f"bench-{uuid.uuid4().hex[:6]}@%h",
            ]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", app.conf.task_default_queue],
            cwd=BASE_DIR,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,  # the start-up banner; errors still go to stderr
        )
        result = ping.delay()
        deadline = time.monotonic() + 60
        while not result.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("the Celery worker ran no task within 60 s")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


def _prepare(receiver):
    """Every capture is an MQL handed to a rep with room, alerted at any hour, each rep's webhook the receiver."""
    from django.contrib.auth import get_user_model

    from handoffs.models import AlertPreference, SalesRep, ServiceLevel
    from leads.models import IdealCustomerProfile

    IdealCustomerProfile.objects.filter(pk=IdealCustomerProfile.current().pk).update(mql_threshold=0)
    ServiceLevel.objects.filter(pk=ServiceLevel.current().pk).update(
        default_rep_capacity=10**6, alerts_outside_working_hours=True
    )
    SalesRep.objects.update(capacity=None, accepting=True)
    for user in get_user_model().objects.filter(groups__name="sales", is_active=True):
        AlertPreference.objects.update_or_create(
            user=user, defaults={"webhook_url": receiver.url(f"/{user.username}"), "enabled": True}
        )


def _capture(url, number):
    body = {"email": f"alert-{number}@visitors.example", "first_name": "Alert", "last_name": f"N{number:05d}"}
    return _post(url, body, as_json=True)


def alert_figures(*, captures, pause=0.3, timeout=30.0):
    """Measure capture-to-alert latency over ``captures`` single captures; return one figure."""
    if not os.environ.get("REDIS_URL"):
        print("  (skipped: the alert latency needs REDIS_URL, a real worker on Redis)", flush=True)
        return []
    os.environ["ALERT_WEBHOOK_ALLOW_PRIVATE"] = "1"  # the receiver is on 127.0.0.1; read by gunicorn and the worker
    receiver = Receiver()
    try:
        _prepare(receiver)
        with Gunicorn() as server, Worker():
            url = f"{server.url}/api/v1/capture/benchform/"
            # Warm up: both gunicorn workers and both worker processes have their connections and code.
            warm = list(range(90_000, 90_008))
            for number in warm:
                _capture(url, number)
            receiver.wait_for(warm, timeout)
            sent, statuses = {}, []
            for number in range(captures):
                sent[number] = time.time()
                statuses.append(_capture(url, number))
                time.sleep(pause)
            receiver.wait_for(sent, timeout)
    finally:
        receiver.close()
        del os.environ["ALERT_WEBHOOK_ALLOW_PRIVATE"]
    figure = Figure(name=FIGURE)
    figure.samples = [(receiver.arrivals[n] - at) * 1000 for n, at in sent.items() if n in receiver.arrivals]
    figure.extra = {
        "captures": captures,
        "alerts_received": len(figure.samples),
        "capture_statuses": {str(s): statuses.count(s) for s in sorted(set(statuses), key=str)},
        "target_p95_ms": TARGET_P95_MS,
    }
    return [figure]

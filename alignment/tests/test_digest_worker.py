"""The digests end to end: a real Celery worker on Redis, a real SMTP server and a real webhook receiver."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from alignment.models import DigestDelivery
from alignment.tasks import send_weekly_digests
from crm.tasks import ping

pytestmark = [
    pytest.mark.worker,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
AUDIENCES = ("marketing", "sales", "managers")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FlakySmtpHandler:
    """Answers 451 to the first DATA, then accepts and keeps every message."""

    def __init__(self, failures=1):
        self.failures = failures
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if self.failures:
            self.failures -= 1
            return "451 4.3.0 Try again later"
        self.messages.append((tuple(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server():
    handler = FlakySmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def webhook_receiver():
    posts = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append((self.path, self.headers["Content-Type"], json.loads(body)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield posts, server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def digest_worker(request, monkeypatch, smtp_server, webhook_receiver, week_data):
    """Start the worker with the loopback SMTP server and webhooks in its environment."""
    _, smtp_port = smtp_server
    _, http_port = webhook_receiver
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{smtp_port}")
    monkeypatch.setenv("SITE_URL", "https://crm.example.com")
    monkeypatch.setenv("DIGEST_RETRY_BASE_SECONDS", "1")
    monkeypatch.setenv("TIME_ZONE", "UTC")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")  # the receiver is on loopback (crm.outbound refuses it else)
    for audience in AUDIENCES:
        monkeypatch.setenv(f"DIGEST_WEBHOOK_{audience.upper()}", f"http://127.0.0.1:{http_port}/{audience}")
    return request.getfixturevalue("celery_worker_process")


def _wait_until_all_sent(expected, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = list(DigestDelivery.objects.values_list("state", flat=True))
        if len(states) == expected and set(states) == {"sent"}:
            return
        time.sleep(0.2)
    pytest.fail(
        f"deliveries not all sent: {list(DigestDelivery.objects.values_list('recipient', 'state', 'last_error'))}"
    )


def test_a_real_worker_mails_and_posts_each_digest_once_despite_a_refused_first_attempt(
    digest_worker, smtp_server, webhook_receiver
):
    handler, _ = smtp_server
    posts, _ = webhook_receiver
    result = send_weekly_digests.delay("2026-W10").get(timeout=60)
    assert result == {"week": "2026-W10", "queued": 7}  # four members with an e-mail, three webhooks
    _wait_until_all_sent(7)

    recipients = sorted(rcpt for rcpts, _ in handler.messages for rcpt in rcpts)
    assert recipients == ["max@example.com", "mia@example.com", "sid@example.com", "sue@example.com"]
    assert all("multipart/alternative" in content and "text/html" in content for _, content in handler.messages)
    assert all("https://crm.example.com/?week=3D2026-W10" in content.replace("=\n", "") or
               "https://crm.example.com/?week=2026-W10" in content for _, content in handler.messages)  # fmt: skip
    refused = DigestDelivery.objects.get(attempts=2)
    assert refused.channel == "email" and refused.last_error == ""
    assert "451" in refused.digest.last_error
    assert sorted(path for path, _, _ in posts) == ["/managers", "/marketing", "/sales"]
    assert all(ctype == "application/json" and "2026-W10" in body["text"] for _, ctype, body in posts)

    again = send_weekly_digests.delay("2026-W10").get(timeout=60)
    assert again["queued"] == 0
    ping.delay().get(timeout=30)  # the worker has drained everything queued before
    assert len(handler.messages) == 4 and len(posts) == 3
    assert set(DigestDelivery.objects.values_list("state", flat=True)) == {"sent"}

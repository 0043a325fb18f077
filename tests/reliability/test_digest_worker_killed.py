"""A Celery worker process is killed (SIGKILL) in the middle of sending a digest e-mail.

The guarantee, exactly: late acknowledgement and reject-on-worker-lost put the task back on the
queue and a fresh process runs it again; the delivery row claimed by the dead process is not
claimed again, so **no recipient gets two copies** and every other recipient gets exactly one.
The interrupted delivery stays ``sending`` until ``DIGEST_CLAIM_TIMEOUT`` (twice the broker's
visibility timeout) has passed; then the next run marks it ``unknown`` and sends nothing. Both cases:

* the worker dies before the server has the message: its recipient has none until a manager
  resends it from the digest page;
* the worker dies after the server has the message (waiting for its final reply): its recipient
  has exactly one — a takeover would send a second, since SMTP cannot tell the sender.

README, "Guarantees".
"""

import asyncio
import datetime
import os
import signal
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from celery import Celery
from django.core import mail
from django.utils import timezone

from tests.reliability.services import CeleryWorker, app_env, current_database_url, free_port, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WEEK = "2026-W10"
HOLD_SECONDS = 8  # the first message waits this long for the server's reply: the kill lands inside


class SlowSink:
    """A loopback SMTP server that records each message when it has it whole, and holds its first
    reply — to the recipient (before any message) or to the message — long enough for the sender
    to be killed."""

    def __init__(self, hold_at):
        self.hold_at = hold_at  # "RCPT": the worker dies before the server has the message; "DATA": after
        self.received = []
        self.lock = threading.Lock()
        self.first = threading.Event()

    async def _hold_first(self):
        if not self.first.is_set():
            self.first.set()
            await asyncio.sleep(HOLD_SECONDS)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold_at == "RCPT":
            await self._hold_first()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(tuple(envelope.rcpt_tos))
        if self.hold_at == "DATA":
            await self._hold_first()
        return "250 Message accepted for delivery"

    def copies(self):
        with self.lock:
            return Counter(recipient for recipients in self.received for recipient in recipients)


@pytest.fixture(params=["DATA", "RCPT"], ids=["server-had-the-message", "server-had-nothing"])
def smtp_sink(request):
    sink = SlowSink(request.param)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def test_a_worker_killed_mid_send_gives_no_recipient_two_copies(users, make_user, private_redis, var_dir, smtp_sink):
    from alignment.digests import claim_timeout, delivery_send, weekly_digests_prepare
    from alignment.models import DigestDelivery
    from crm.weeks import Week

    make_user("mo", "marketing")
    sink, port = smtp_sink
    queue = "digest-kill"
    env = app_env(
        database_url=current_database_url(),
        redis_url=private_redis.url,
        var_dir=var_dir,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        DIGEST_RETRY_BASE_SECONDS="1",
    )
    worker = CeleryWorker(env, queue, pool="prefork").start()
    broker = Celery(broker=private_redis.url)
    try:
        broker.send_task("crm.tasks.send_weekly_digests", kwargs={"week": WEEK}, queue=queue)
        assert sink.first.wait(timeout=120), f"no digest reached the mail server\n{worker.output()}"
        children = wait_for(worker.children, timeout=10, what="the worker's pool process")
        for child in children:
            os.kill(child, signal.SIGKILL)  # mid-send: the server has the message, the sender is gone

        expected = set(DigestDelivery.objects.filter(digest__week=WEEK).values_list("recipient", flat=True))
        assert len(expected) == 5  # mia and mo (marketing), sid and sue (sales), max (managers)
        wanted = len(expected) if sink.hold_at == "DATA" else len(expected) - 1
        wait_for(lambda: len(sink.copies()) == wanted, timeout=120, what=f"the other recipients\n{worker.output()}")
        # The redelivered task ran in the new process and found the row claimed.
        wait_for(lambda: "'skipped'" in worker.output(), timeout=60, what=f"the redelivered task\n{worker.output()}")
    finally:
        log = worker.output()
        worker.cleanup()

    assert "WorkerLostError" in log or "SIGKILL" in log, log
    copies = sink.copies()
    assert max(copies.values()) == 1, f"a recipient got two copies: {copies}"
    states = Counter(DigestDelivery.objects.filter(digest__week=WEEK).values_list("state", flat=True))
    assert states == {"sent": 4, "sending": 1}
    stuck = DigestDelivery.objects.get(digest__week=WEEK, state="sending")
    assert stuck.attempts == 1
    if sink.hold_at == "DATA":
        assert set(copies) == expected  # the interrupted recipient has the one copy the server accepted
    else:
        assert set(copies) == expected - {stuck.recipient}  # … or none yet

    # Within DIGEST_CLAIM_TIMEOUT the dead process's claim holds: nothing re-sends it …
    soon = timezone.now() + datetime.timedelta(minutes=5)
    assert delivery_send(delivery_id=stuck.pk, now=soon) == "skipped"
    # … after it, the next send_weekly_digests run marks its outcome unknown and still sends nothing.
    later = timezone.now() + claim_timeout() + datetime.timedelta(minutes=1)
    assert weekly_digests_prepare(week=Week.parse(WEEK), now=later) == []
    assert delivery_send(delivery_id=stuck.pk, now=later) == "skipped"
    assert mail.outbox == []
    stuck.refresh_from_db()
    assert stuck.state == "unknown"

"""Redis stops while website forms are being captured: every lead is still saved.

The cache and the rate limits live in Redis and degrade (fail open); the capture answers 201
and the lead is in PostgreSQL. When Redis is back on the same port, tasks queue again and a
worker runs them: the weekly digests are built.
"""

import datetime
import itertools
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from tests.reliability.services import BASE_DIR, CeleryWorker, Gunicorn, app_env, current_database_url, wait_for
from tests.reliability.test_capture_load import post

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS = 4
PER_CLIENT = 12  # requests per client; Redis is stopped after the first few answers


def test_capture_keeps_saving_leads_while_redis_is_down_and_tasks_queue_again_after(private_redis, var_dir, users):
    from alignment.models import Digest
    from handoffs.models import Handoff
    from handoffs.services import handoffs_for_unrouted_mqls
    from leads.models import CaptureForm, IdealCustomerProfile, Lead

    form = CaptureForm.objects.create(name="Outage", key="outage")
    # Every new lead reaches the threshold: its hand-off is queued through the broker that is down.
    IdealCustomerProfile.objects.update_or_create(pk=1, defaults={"mql_threshold": 0})
    env = app_env(
        database_url=current_database_url(),
        redis_url=private_redis.url,
        var_dir=var_dir,
        CAPTURE_IP_RATE="100000/minute",
        CAPTURE_FORM_RATE="100000/minute",
    )
    server = Gunicorn(env, workers=2).start()
    url = f"{server.url}/api/v1/capture/{form.key}/"
    numbers = itertools.count()
    answered = threading.Semaphore(0)
    results, lock = [], threading.Lock()

    def client(index):
        for _ in range(PER_CLIENT):
            email = f"outage{next(numbers)}@example.com"
            started_down = redis_down.is_set()
            try:
                # A website form gives up after a few seconds: a capture slower than that is a lost lead.
                status, body = post(url, {"email": email}, timeout=10)
            except OSError as exc:
                status, body = f"connection error: {exc}", {}
            with lock:
                results.append((email, status, body, started_down))
            answered.release()

    redis_down = threading.Event()
    try:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [pool.submit(client, index) for index in range(CLIENTS)]
            for _ in range(6):  # a few captures with Redis up …
                assert answered.acquire(timeout=60)
            private_redis.stop(kill=True)  # … then it dies (SIGKILL, no goodbye)
            redis_down.set()
            for future in futures:
                future.result(timeout=300)
    finally:
        server_output = server.output()
        server.stop()

    statuses = Counter(status for _, status, _, _ in results)
    during = [status for _, status, _, down in results if down]
    assert len(results) == CLIENTS * PER_CLIENT
    assert during, "no capture ran while Redis was down"
    assert set(statuses) == {201}, f"answers: {statuses}\n{server_output}"
    saved = set(Lead.objects.filter(touchpoints__form=form).values_list("email", flat=True))
    assert saved == {email for email, _, _, _ in results}
    # Each became an MQL. Captured while the broker was down, its hand-off was made in the request
    # instead of being lost with the queue.
    down = {email for email, _, _, was_down in results if was_down}
    assert Handoff.objects.filter(lead__email__in=down).count() == len(down)
    # The periodic sweep hands off the MQLs whose queued task died with that Redis: none is lost.
    handoffs_for_unrouted_mqls(now=timezone.now() + datetime.timedelta(minutes=6))
    assert Handoff.objects.filter(lead__email__in=saved).count() == len(saved)

    # Redis comes back on the same port: a task queues again and a worker picks it up.
    private_redis.start()
    queue = "outage-recovery"
    code = (
        "from alignment.tasks import send_weekly_digests; "
        f"print(send_weekly_digests.apply_async(kwargs={{'week': '2026-W10'}}, queue={queue!r}).id)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    worker = CeleryWorker(env, queue, pool="solo").start()
    try:
        wait_for(
            lambda: Digest.objects.filter(week="2026-W10").count() == 3,
            timeout=120,
            interval=0.5,
            what=f"the worker to build the digests\n{worker.output()}",
        )
    finally:
        worker.cleanup()

"""The capture endpoint under load, on gunicorn over loopback: nothing lost, nothing doubled.

Sixteen concurrent clients post for a bounded time, with a small pool of e-mails in mixed
case so the same person arrives many times at once. Afterwards every accepted request (201/200)
is exactly one touchpoint, every accepted e-mail exactly one lead created exactly once (one 201),
the requests over the rate limit were told 429 and saved nothing, and no other status occurred.
"""

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.services import Gunicorn, app_env, current_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

THREADS = 16
SECONDS = 8  # the hammering stops after this, or after MAX_PER_THREAD requests per client
MAX_PER_THREAD = 150
EMAILS = [f"visitor{n}@example.com" for n in range(40)]


def post(url, body, timeout=30):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def hammer(url, *, seconds, threads, emails, seed=7):
    """Post from ``threads`` clients until the time or count runs out; return [(email, status, body)]."""
    results, lock = [], threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index):
        rng = random.Random(seed + index)
        mine = []
        for _ in range(MAX_PER_THREAD):
            if time.monotonic() > deadline:
                break
            email = rng.choice(emails)
            # The same person in another case is the same lead.
            sent = email.upper() if rng.random() < 0.3 else email
            try:
                status, body = post(url, {"email": sent, "first_name": f"T{index}", "utm_source": "load"})
            except OSError as exc:  # a refused or reset connection is a lost request
                status, body = f"connection error: {exc}", {}
            mine.append((email, status, body))
        with lock:
            results.extend(mine)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(client, range(threads)))
    return results


@pytest.fixture
def capture_form(db):
    from leads.models import CaptureForm

    return CaptureForm.objects.create(name="Load test", key="loadtest")


def test_captures_under_load_are_each_saved_once(capture_form, private_redis, var_dir):
    from leads.models import Lead, Touchpoint

    env = app_env(
        database_url=current_database_url(),
        redis_url=private_redis.url,  # one rate-limit counter for both gunicorn workers
        var_dir=var_dir,
        CAPTURE_IP_RATE="100/minute",  # low enough that even a busy machine passes it in SECONDS
        CAPTURE_FORM_RATE="100000/minute",
    )
    server = Gunicorn(env, workers=2).start()
    try:
        results = hammer(
            f"{server.url}/api/v1/capture/{capture_form.key}/", seconds=SECONDS, threads=THREADS, emails=EMAILS
        )
    finally:
        server.stop()

    statuses = Counter(status for _, status, _ in results)
    print(f"capture load: {len(results)} requests, answers {dict(statuses)}")  # shown with -s / -rP
    assert set(statuses) <= {200, 201, 429}, f"unexpected answers: {statuses}"
    assert statuses[429] > 0, f"the rate limit never answered 429 (raise the load): {statuses}"
    accepted = [(email, status, body) for email, status, body in results if status in (200, 201)]
    assert accepted

    # Every accepted request is one touchpoint; the refused ones left none.
    assert Touchpoint.objects.filter(form=capture_form).count() == len(accepted)
    # Every accepted e-mail is exactly one lead, created by exactly one request.
    accepted_emails = {email for email, _, _ in accepted}
    leads = Lead.objects.filter(touchpoints__form=capture_form).distinct()
    assert sorted(lead.email for lead in leads) == sorted(accepted_emails)
    created = Counter(email for email, status, _ in accepted if status == 201)
    assert created == Counter(accepted_emails), "an e-mail was created twice, or never"
    # And each answer named the right lead.
    ids = {lead.email: lead.pk for lead in leads}
    assert all(body["lead_id"] == ids[email] for email, _, body in accepted)
    per_lead = Counter(Touchpoint.objects.filter(form=capture_form).values_list("lead__email", flat=True))
    assert per_lead == Counter(email for email, _, _ in accepted)

"""Operator faults around the digests (issue 16): a worker killed mid-send, a Redis outage that loses
queued deliveries. The clock is moved with time_machine; nothing waits.

* A claimed delivery is never sent again unless proven unsent: the broker's redelivery of the
  killed worker's task (BROKER_VISIBILITY_TIMEOUT later) finds the claim still held, and once the
  claim expires the delivery's outcome is ``unknown``, shown on the archive and resent only by a
  manager.
* Deliveries whose task was lost stay pending only until send_unsent_digests, every 15 minutes.
"""

import contextlib
import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.checks import Error, run_checks
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from alignment import digests
from alignment.models import Digest, DigestDelivery
from alignment.tasks import deliver_digest, send_unsent_digests
from crm.tests.mail_backends import DyingBackend, WorkerKilled
from crm.weeks import Week

pytestmark = pytest.mark.django_db
VICTIM = "sid@example.com"


@pytest.fixture
def digest_week(week_data, settings):
    settings.DIGEST_WEBHOOKS = {}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return week_data


def _at(moment):
    return time_machine.travel(moment, tick=False)


def _killed_mid_send(now):
    """Prepare the week's digests and send them; the worker dies sending to VICTIM. Return its delivery."""
    DyingBackend.victim = VICTIM
    with _at(now):
        ids = digests.weekly_digests_prepare(week=Week.parse("2026-W10"))
        for delivery_id in ids:
            with contextlib.suppress(WorkerKilled):
                deliver_digest.delay(delivery_id)
    victim = DigestDelivery.objects.get(recipient=VICTIM)
    assert victim.state == "sending" and victim.claimed_at == now
    return victim


def test_the_redelivered_task_of_a_killed_worker_sends_nothing_again(digest_week, settings):
    settings.EMAIL_BACKEND = "crm.tests.mail_backends.DyingBackend"
    victim = _killed_mid_send(digest_week["now"])
    assert sorted(m.to[0] for m in mail.outbox) == ["max@example.com", "mia@example.com", "sue@example.com"]

    # The broker hands the unacknowledged task to another worker after its visibility timeout; that
    # worker may start it as late as the task time limit after. The claim still holds then.
    redelivered = digest_week["now"] + datetime.timedelta(
        seconds=settings.BROKER_VISIBILITY_TIMEOUT + settings.CELERY_TASK_TIME_LIMIT
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with _at(redelivered):
        assert deliver_digest.delay(victim.pk).get() == "skipped"
    assert len(mail.outbox) == 3
    victim.refresh_from_db()
    assert victim.state == "sending" and victim.attempts == 1


def test_an_expired_claim_is_marked_unknown_and_never_resent_on_its_own(
    digest_week, settings, client, users, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "crm.tests.mail_backends.DyingBackend"
    victim = _killed_mid_send(digest_week["now"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    later = digest_week["now"] + digests.claim_timeout() + datetime.timedelta(minutes=1)
    with _at(later), django_capture_on_commit_callbacks(execute=True):
        assert send_unsent_digests.delay().get() == {"queued": 0}
        assert deliver_digest.delay(victim.pk).get() == "skipped"  # a late redelivery too
        assert digests.weekly_digests_prepare(week=Week.parse("2026-W10")) == []  # and the Monday run
    assert len(mail.outbox) == 3
    victim.refresh_from_db()
    assert victim.state == "unknown" and "may or may not have arrived" in victim.last_error
    assert Digest.objects.get(audience="sales").state == "partial"
    out = io.StringIO()
    call_command("send_weekly_digest", "--week", "2026-W10", "--dry-run", stdout=out)
    assert f"email   {VICTIM}: outcome unknown, skipped" in out.getvalue()

    client.force_login(users["sales"])
    archive = client.get(reverse("digest-list")).content.decode()
    assert "1 unsent" in archive


def test_a_manager_resends_unknown_deliveries_explicitly(
    digest_week, settings, users, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "crm.tests.mail_backends.DyingBackend"
    victim = _killed_mid_send(digest_week["now"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with _at(digest_week["now"] + digests.claim_timeout() * 2):
        digests.expired_claims_mark_unknown(now=digest_week["now"] + digests.claim_timeout() * 2)
    url = reverse("digest-resend", args=[victim.digest_id])
    detail = reverse("digest-detail", args=[victim.digest_id])

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["managers"])
    page = browser.get(detail).content.decode()
    assert 'data-testid="digest-resend"' in page
    assert browser.post(url).status_code == 403  # no CSRF token
    for role in ("marketing", "sales"):
        other = Client()
        other.force_login(users[role])
        assert other.post(url).status_code == 403
        assert 'data-testid="digest-resend"' not in other.get(detail).content.decode()
    assert len(mail.outbox) == 3

    token = browser.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302 and response["Location"] == detail
    assert [m.to for m in mail.outbox[3:]] == [[VICTIM]]
    victim.refresh_from_db()
    assert victim.state == "sent" and victim.attempts == 2
    assert Digest.objects.get(audience="sales").state == "sent"


def test_deliveries_left_pending_by_a_broker_outage_are_sent_by_the_sweep(
    digest_week, client, users, django_capture_on_commit_callbacks
):
    now = digest_week["now"]
    with _at(now):  # the digests are built, but the queued deliveries never reach a worker
        ids = digests.weekly_digests_prepare(week=Week.parse("2026-W10"))
    assert len(ids) == 4
    client.force_login(users["marketing"])
    archive = client.get(reverse("digest-list")).content.decode()
    assert "2 unsent" in archive and "1 unsent" in archive  # sales has two members

    with _at(now + datetime.timedelta(minutes=5)), django_capture_on_commit_callbacks(execute=True):
        assert send_unsent_digests.delay().get() == {"queued": 0}  # the queued tasks may still be on their way
    assert mail.outbox == []
    with (
        _at(now + digests.SWEEP_GRACE + datetime.timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_unsent_digests.delay().get() == {"queued": 4}
    with _at(now + digests.SWEEP_GRACE * 2), django_capture_on_commit_callbacks(execute=True):
        assert send_unsent_digests.delay().get() == {"queued": 0}
    assert sorted(m.to[0] for m in mail.outbox) == [
        "max@example.com",
        "mia@example.com",
        "sid@example.com",
        "sue@example.com",
    ]
    assert set(Digest.objects.values_list("state", flat=True)) == {"sent"}
    assert " unsent<" not in client.get(reverse("digest-list")).content.decode()


def test_the_sweep_covers_recent_weeks_and_failed_deliveries_with_retries_left(digest_week, settings):
    now = digest_week["now"]
    with _at(now):
        digests.weekly_digests_prepare(week=Week.parse("2026-W10"))
        digests.weekly_digests_prepare(week=Week.parse("2026-W10").shift(-settings.DIGEST_SWEEP_WEEKS))
    old = set(DigestDelivery.objects.exclude(digest__week="2026-W10").values_list("pk", flat=True))
    recent = DigestDelivery.objects.filter(digest__week="2026-W10")
    lost, exhausted, retrying = recent.order_by("pk")[:3]
    claimed = now
    DigestDelivery.objects.filter(pk=lost.pk).update(state="failed", attempts=1, claimed_at=claimed)
    DigestDelivery.objects.filter(pk=exhausted.pk).update(
        state="failed", attempts=settings.DIGEST_MAX_RETRIES + 1, claimed_at=claimed
    )
    swept = digests.unsent_sweep(now=now + datetime.timedelta(hours=2))
    assert old and not old & set(swept)  # older than DIGEST_SWEEP_WEEKS: left alone
    assert lost.pk in swept and exhausted.pk not in swept
    # A failed delivery whose retry may still be due is left to it.
    DigestDelivery.objects.filter(pk=retrying.pk).update(state="failed", attempts=2, claimed_at=now)
    assert retrying.pk not in digests.unsent_sweep(now=now + datetime.timedelta(minutes=30))


def test_a_claim_that_would_expire_before_redelivery_is_refused_at_start(settings):
    def errors():
        return [m for m in run_checks() if isinstance(m, Error) and m.id == "alignment.E001"]

    assert errors() == []
    settings.DIGEST_CLAIM_TIMEOUT = settings.BROKER_VISIBILITY_TIMEOUT  # the redelivered task would send again
    assert len(errors()) == 1


def test_the_sweep_builds_last_weeks_digests_when_the_monday_run_was_lost(
    digest_week, django_capture_on_commit_callbacks
):
    # Monday 9 March 07:00 the beat could not queue send_weekly_digests (Redis was down).
    monday = Week.parse("2026-W10").end
    with _at(monday + datetime.timedelta(hours=7)), django_capture_on_commit_callbacks(execute=True):
        assert send_unsent_digests.delay().get() == {"queued": 0}  # the Monday run may still be on its way
    assert not Digest.objects.exists()
    with _at(monday + datetime.timedelta(hours=8)), django_capture_on_commit_callbacks(execute=True):
        assert send_unsent_digests.delay().get() == {"queued": 4}
    assert set(Digest.objects.values_list("week", "state")) == {("2026-W10", "sent")}
    assert len(mail.outbox) == 4


def test_beat_runs_the_sweep_every_quarter_hour(settings):
    from crm.queue import task

    entry = settings.CELERY_BEAT_SCHEDULE["send-unsent-digests"]
    assert task(entry["task"]).name == send_unsent_digests.name  # registered under the name beat sends
    assert entry["schedule"].minute == {0, 15, 30, 45} and len(entry["schedule"].hour) == 24

"""What a failed digest delivery says: proven unsent (failed, retried) or perhaps arrived (unknown, never
resent on its own), against real loopback SMTP servers and webhook receivers that fail one step each;
and digest webhooks going through the kernel's outbound guard (crm.outbound).
"""

import contextlib
import datetime
import io
import socket

import pytest
import time_machine
from django.core.management import CommandError, call_command

from alignment import digests
from alignment.models import Digest, DigestDelivery
from alignment.tasks import deliver_digest, send_unsent_digests, send_weekly_digests
from crm.tests.http_receiver import Receiver
from crm.tests.smtp_server import ScriptedSmtpServer, not_listening, use_smtp

pytestmark = pytest.mark.django_db
SHORT_TIMEOUT = 0.5  # seconds a hanging server or receiver keeps the sender waiting


@pytest.fixture
def digest_week(week_data, settings):
    settings.DIGEST_WEBHOOKS = {}
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_TIMEOUT_SECONDS = SHORT_TIMEOUT
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with _at(week_data["now"]):
        yield week_data


def _at(moment):
    return time_machine.travel(moment, tick=False)


def _mail_to(settings, port):
    use_smtp(settings, port, timeout=SHORT_TIMEOUT)


@contextlib.contextmanager
def _smtp(fail_at):
    """Yield a ScriptedSmtpServer failing at ``fail_at``, or None with ``"down"``: no server at all."""
    if fail_at == "down":
        yield None
        return
    with ScriptedSmtpServer(fail_at) as server:
        yield server


def _run(capture, week="2026-W10"):
    with capture(execute=True):
        return send_weekly_digests.delay(week).get()


def _nothing_resends(now, capture, deliveries):
    """Run everything that sends on its own, long after any retry was due: the sweep, a redelivery, the Monday run."""
    later = now + datetime.timedelta(seconds=digests.RETRY_DELAY_MAX_SECONDS) + digests.SWEEP_GRACE * 2
    with _at(later), capture(execute=True):
        assert send_unsent_digests.delay().get() == {"queued": 0}
        assert [deliver_digest.delay(d.pk).get() for d in deliveries] == ["skipped"] * len(deliveries)
        assert send_weekly_digests.delay("2026-W10").get()["queued"] == 0


# --- E-mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fail_at", ["drop", "hang"])
def test_a_digest_the_mail_server_took_whole_before_its_answer_was_lost_is_unknown_and_never_resent(
    fail_at, digest_week, settings, eager_retries, django_capture_on_commit_callbacks
):
    now = digest_week["now"]
    with ScriptedSmtpServer(fail_at) as server:
        _mail_to(settings, server.port)
        assert _run(django_capture_on_commit_callbacks)["queued"] == 4
        emails = list(DigestDelivery.objects.filter(channel="email"))
        assert {(d.state, d.attempts) for d in emails} == {("unknown", 1)}  # not retried
        assert all("MessageMayHaveArrived" in d.last_error and "may have it" in d.last_error for d in emails)
        assert len(server.received) == 4  # each recipient may have one copy: none has two
        _nothing_resends(now, django_capture_on_commit_callbacks, emails)
        assert len(server.received) == 4
    assert set(Digest.objects.values_list("state", flat=True)) == {"failed"}

    with ScriptedSmtpServer() as fixed:  # a manager who learned that sid has none resends the sales digest
        _mail_to(settings, fixed.port)
        sales = Digest.objects.get(audience="sales")
        for delivery_id in digests.digest_resend(digest_id=sales.pk):
            assert deliver_digest.delay(delivery_id).get() == "sent"
    assert len(fixed.messages) == 2 and Digest.objects.get(pk=sales.pk).state == "sent"


@pytest.mark.parametrize(
    ("fail_at", "error"),
    [
        ("down", "ConnectionRefusedError"),  # nothing listens
        ("mail", "SMTPServerDisconnected"),  # dropped before the message: the class alone does not tell
        ("rcpt", "SMTPRecipientsRefused"),
        ("end", "SMTPDataError"),  # the message refused with 451
    ],
)
def test_a_digest_the_mail_server_never_had_or_refused_is_failed_and_retried(
    fail_at, error, digest_week, settings, eager_retries, django_capture_on_commit_callbacks
):
    with _smtp(fail_at) as server:
        _mail_to(settings, server.port if server else not_listening())
        _run(django_capture_on_commit_callbacks)
    emails = DigestDelivery.objects.filter(channel="email")
    assert set(emails.values_list("state", "attempts")) == {("failed", settings.DIGEST_MAX_RETRIES + 1)}
    assert all(error in last_error for last_error in emails.values_list("last_error", flat=True))

    with ScriptedSmtpServer() as fixed:  # once mail works again, a repeated run sends each one once
        _mail_to(settings, fixed.port)
        with _at(digest_week["now"] + datetime.timedelta(hours=1)):
            assert _run(django_capture_on_commit_callbacks)["queued"] == 4
    assert len(fixed.messages) == 4
    assert set(emails.values_list("state", flat=True)) == {"sent"}


# --- Webhooks ---------------------------------------------------------------------------------


def _webhook(settings, url):
    """Set the sales digest's webhook to ``url``, build the week and return the webhook's delivery."""
    settings.DIGEST_WEBHOOKS = {"sales": url}
    digests.weekly_digests_prepare()
    return DigestDelivery.objects.get(channel="webhook")


@pytest.mark.parametrize("answer", ["drop", "hang"])
def test_a_digest_webhook_posted_whole_whose_answer_was_lost_is_unknown_and_never_resent(
    answer, digest_week, settings, eager_retries, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    now = digest_week["now"]
    with Receiver(answer=answer) as receiver:
        settings.DIGEST_WEBHOOKS = {"sales": receiver.url("/sales")}
        assert _run(django_capture_on_commit_callbacks)["queued"] == 5  # four e-mails and the webhook
        webhook = DigestDelivery.objects.get(channel="webhook")
        assert (webhook.state, webhook.attempts) == ("unknown", 1)
        assert "NoAnswer" in webhook.last_error and "may have it" in webhook.last_error
        _nothing_resends(now, django_capture_on_commit_callbacks, [webhook])
    assert [path for path, _, _ in receiver.requests] == ["/sales"]


@pytest.mark.parametrize("status", [500, 404])
def test_a_digest_webhook_answering_an_error_is_failed_and_retried(
    status, digest_week, settings, eager_retries, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with Receiver(status=status) as receiver:
        webhook = _webhook(settings, receiver.url("/sales"))
        deliver_digest.delay(webhook.pk)
    webhook.refresh_from_db()
    assert (webhook.state, webhook.attempts) == ("failed", settings.DIGEST_MAX_RETRIES + 1)
    assert f"the webhook answered {status}" in webhook.last_error
    assert len(receiver.requests) == settings.DIGEST_MAX_RETRIES + 1


def test_a_digest_webhook_that_cannot_be_reached_is_failed(digest_week, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    webhook = _webhook(settings, f"http://127.0.0.1:{not_listening()}/sales")
    with pytest.raises(digests.DeliveryFailed):
        digests.delivery_send(delivery_id=webhook.pk)
    webhook.refresh_from_db()
    assert webhook.state == "failed" and "ConnectionRefusedError" in webhook.last_error
    later = digest_week["now"] + datetime.timedelta(seconds=digests.RETRY_DELAY_MAX_SECONDS) + digests.SWEEP_GRACE * 2
    assert webhook.pk in digests.unsent_sweep(now=later)  # retries left: the sweep takes it up


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_digest_webhook_on_a_loopback_or_private_address_is_refused_unless_allowed(
    host, digest_week, settings, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        webhook = _webhook(settings, f"http://{host}:{receiver.port}/sales")
        with pytest.raises(digests.DeliveryFailed):
            digests.delivery_send(delivery_id=webhook.pk)
        webhook.refresh_from_db()
        assert webhook.state == "failed"
        assert "points into a private network" in webhook.last_error
        assert "WEBHOOK_ALLOW_PRIVATE" in webhook.last_error
        assert receiver.requests == []  # refused before connecting

        settings.WEBHOOK_ALLOW_PRIVATE = True  # a receiver on the team's own network
        assert digests.delivery_send(delivery_id=webhook.pk) == "sent"
    assert [path for path, _, _ in receiver.requests] == ["/sales"]


def test_a_digest_webhook_redirect_is_not_followed(digest_week, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with Receiver(status=302) as receiver:
        receiver.location = receiver.url("/elsewhere")
        webhook = _webhook(settings, receiver.url("/sales"))
        with pytest.raises(digests.DeliveryFailed):
            digests.delivery_send(delivery_id=webhook.pk)
    webhook.refresh_from_db()
    assert webhook.state == "failed" and "redirect (302)" in webhook.last_error
    assert [path for path, _, _ in receiver.requests] == ["/sales"]


def test_the_command_reports_deliveries_of_unknown_outcome_and_a_second_run_leaves_them(digest_week, settings):
    with ScriptedSmtpServer("drop") as server:
        _mail_to(settings, server.port)
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError, match="4 may have arrived"):
            call_command("send_weekly_digest", "--week", "2026-W10", stdout=out, stderr=err)
        assert "Week 2026-W10: 0 sent, 0 failed, 4 of unknown outcome, 0 skipped." in out.getvalue()
        assert "unknown  sales     email   sid@example.com: MessageMayHaveArrived" in err.getvalue()
        call_command("send_weekly_digest", "--week", "2026-W10", stdout=io.StringIO())
    assert len(server.received) == 4


def test_a_digest_webhook_whose_host_cannot_be_found_is_failed_without_the_private_hint(
    digest_week, settings, monkeypatch
):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no resolver is asked
    webhook = _webhook(settings, "http://hooks.example.com/sales")
    with pytest.raises(digests.DeliveryFailed):
        digests.delivery_send(delivery_id=webhook.pk)
    webhook.refresh_from_db()
    assert webhook.state == "failed" and "cannot be found" in webhook.last_error
    assert "WEBHOOK_ALLOW_PRIVATE" not in webhook.last_error

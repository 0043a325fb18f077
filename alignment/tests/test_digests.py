"""The weekly digests: tailored content, one send per recipient, failures recorded and retried, the archive."""

import io
import re
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from alignment import digests
from alignment.metrics import weekly_metrics
from alignment.models import Digest, DigestDelivery
from alignment.tasks import deliver_digest, send_weekly_digests
from alignment.tests.mail_backends import FlakyBackend
from crm import outbound
from crm.tests.smtp_server import not_listening

pytestmark = pytest.mark.django_db
WEBHOOKS = {
    "marketing": "https://hooks.example.com/marketing",
    "sales": "https://hooks.example.com/sales",
    "managers": "",
}


@pytest.fixture
def digest_week(week_data, settings):
    settings.SITE_URL = "https://crm.example.com"
    settings.DIGEST_WEBHOOKS = dict(WEBHOOKS)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(week_data["now"], tick=False):
        yield week_data


@pytest.fixture
def webhook_posts(settings):
    """Record the digest webhooks' posts at the outbound guard (test_digest_deliveries.py posts for real)."""
    posts = []

    def post_json(url, body, *, headers, timeout, allow_private):
        assert (timeout, allow_private) == (settings.WEBHOOK_TIMEOUT_SECONDS, settings.WEBHOOK_ALLOW_PRIVATE)
        posts.append((url, body))
        return outbound.Answer(200, "ok")

    with mock.patch("alignment.digests.outbound.post_json", post_json):
        yield posts


def _run(django_capture_on_commit_callbacks, week="2026-W10", **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return send_weekly_digests.delay(week, **kwargs).get()


def _inbox():
    return sorted((message.to[0], message.subject.split(" digest")[0]) for message in mail.outbox)


def test_each_member_of_each_audience_gets_one_email_and_each_webhook_one_post(
    digest_week, webhook_posts, django_capture_on_commit_callbacks
):
    result = _run(django_capture_on_commit_callbacks)
    assert result == {"week": "2026-W10", "queued": 6}
    assert _inbox() == [
        ("max@example.com", "Tandem managers"),
        ("mia@example.com", "Tandem marketing"),
        ("sid@example.com", "Tandem sales"),
        ("sue@example.com", "Tandem sales"),
    ]
    assert sorted(url for url, _ in webhook_posts) == [WEBHOOKS["marketing"], WEBHOOKS["sales"]]
    assert all(set(body) == {"text"} and "2026-W10" in body["text"] for _, body in webhook_posts)
    assert set(Digest.objects.values_list("audience", "state")) == {
        ("marketing", "sent"),
        ("sales", "sent"),
        ("managers", "sent"),
    }
    assert set(DigestDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_the_email_has_a_text_and_an_html_part_with_the_summary_and_a_dashboard_link(
    digest_week, webhook_posts, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks)
    message = next(m for m in mail.outbox if m.to == ["max@example.com"])
    summary = "service level met 50% · acceptance 67% · MQLs 4 of 5"
    assert message.subject == f"Tandem managers digest 2026-W10: {summary}"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert summary in message.body and summary in html
    assert "https://crm.example.com/?week=2026-W10" in message.body
    assert 'href="https://crm.example.com/?week=2026-W10"' in html
    assert "<script" not in html and "style=" in html  # inline CSS, nothing a mail client strips


def test_each_audience_reads_its_own_sections(digest_week, webhook_posts, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks)
    body = {m.to[0]: m.body for m in mail.outbox}
    marketing, sales, managers = body["mia@example.com"], body["sid@example.com"], body["max@example.com"]
    assert "FEEDBACK FROM SALES" in marketing and 'Not an ICP fit: "Too small <b>for us</b>"' in marketing
    assert "REJECTION REASONS\n- Not an ICP fit: 1" in marketing
    assert "WINS BY SOURCE (first touch)\n- Paid search: 1 win, €1,000.00" in marketing
    assert "PENDING HAND-OFFS" not in marketing and "CAMPAIGNS" not in marketing
    assert "NEW MQLS BY SOURCE\n- Paid search: 2\n- Webinar: 2" in sales
    assert "PENDING HAND-OFFS (1 waiting now)" in sales and "OVERDUE" in sales
    assert "BREACHES\n2 hand-offs of the week missed the accept deadline" in sales
    assert "FEEDBACK FROM SALES" not in sales
    for section in ("FEEDBACK FROM SALES", "PENDING HAND-OFFS", "BREACHES", "CAMPAIGNS", "CAPACITY", "GOALS 2026-Q1"):
        assert section in managers


def test_user_text_is_escaped_in_the_html_when_it_is_built(
    digest_week, webhook_posts, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks)
    html = Digest.objects.get(audience="marketing").html_body
    assert "Too small &lt;b&gt;for us&lt;/b&gt;" in html and "<b>for us" not in html
    marketing_post = next(body for url, body in webhook_posts if url.endswith("/marketing"))
    assert "Too small &lt;b&gt;for us&lt;/b&gt;" in marketing_post["text"]  # Slack's own escaping


def test_running_the_week_again_sends_nothing(digest_week, webhook_posts, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks)
    again = _run(django_capture_on_commit_callbacks)
    assert again["queued"] == 0
    assert len(mail.outbox) == 4 and len(webhook_posts) == 2
    assert set(DigestDelivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_claimed_delivery_is_sent_once_however_often_it_is_run(digest_week, webhook_posts):
    ids = digests.weekly_digests_prepare()
    assert len(ids) == 6
    first = [digests.delivery_send(delivery_id=i) for i in ids]
    second = [digests.delivery_send(delivery_id=i) for i in ids]
    assert first == ["sent"] * 6 and second == ["skipped"] * 6
    for i in ids:  # a redelivered task is a no-op too
        assert deliver_digest.delay(i).get() == "skipped"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "max@example.com",
        "mia@example.com",
        "sid@example.com",
        "sue@example.com",
    ]


def test_a_delivery_in_flight_is_never_taken_over_its_stale_claim_turns_unknown(digest_week):
    delivery_id = digests.weekly_digests_prepare()[0]
    DigestDelivery.objects.filter(pk=delivery_id).update(state="sending", claimed_at=digest_week["now"])
    assert digests.delivery_send(delivery_id=delivery_id) == "skipped"
    later = digest_week["now"] + digests.claim_timeout() * 2
    assert digests.delivery_send(delivery_id=delivery_id, now=later) == "skipped"
    assert DigestDelivery.objects.get(pk=delivery_id).state == "unknown"
    assert len(mail.outbox) == 0


def test_a_failed_send_is_recorded_then_retried_until_it_goes_through(
    digest_week, settings, eager_retries, webhook_posts, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "alignment.tests.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 1
    _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 4  # the failed attempt sent nothing, its retry sent one
    retried = DigestDelivery.objects.get(attempts=2)
    assert retried.state == "sent" and retried.last_error == ""
    assert "451" in Digest.objects.get(pk=retried.digest_id).last_error
    assert Digest.objects.get(pk=retried.digest_id).state == "sent"


def test_a_delivery_that_keeps_failing_is_marked_failed_with_its_error(
    digest_week, settings, eager_retries, webhook_posts, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "alignment.tests.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 1000
    try:
        _run(django_capture_on_commit_callbacks)
    finally:
        FlakyBackend.failures_left = 0
    emails = DigestDelivery.objects.filter(channel="email")
    assert set(emails.values_list("state", "attempts")) == {("failed", settings.DIGEST_MAX_RETRIES + 1)}
    assert all("SMTPDataError" in error and "451" in error for error in emails.values_list("last_error", flat=True))
    assert Digest.objects.get(audience="managers").state == "failed"  # its only delivery is an e-mail
    assert Digest.objects.get(audience="marketing").state == "partial"  # its webhook went through
    # Once mail works again, a repeated run sends each failed one, and only those.
    _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 4 and len(webhook_posts) == 2


def test_the_backoff_doubles_from_the_configured_base(settings):
    settings.DIGEST_RETRY_BASE_SECONDS = 30
    assert [digests.retry_delay(n) for n in range(4)] == [30, 60, 120, 240]
    assert digests.retry_delay(20) == 3600


def test_a_webhook_failure_is_recorded(digest_week, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.DIGEST_WEBHOOKS = {**WEBHOOKS, "sales": f"http://127.0.0.1:{not_listening()}/sales"}
    ids = digests.weekly_digests_prepare()
    webhook = DigestDelivery.objects.get(channel="webhook", recipient="sales")
    with pytest.raises(digests.DeliveryFailed):
        digests.delivery_send(delivery_id=webhook.pk)
    webhook.refresh_from_db()
    assert (webhook.state, webhook.attempts) == ("failed", 1)
    assert webhook.last_error.startswith("Unreachable: ConnectionRefusedError")
    assert webhook.pk in ids


def test_the_digest_the_dashboard_and_the_api_show_the_same_figures(
    client, users, digest_week, webhook_posts, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks)
    client.force_login(users["managers"])
    api = client.get("/api/v1/reports/weekly/", {"week": "2026-W10"}).json()
    page = client.get("/", {"week": "2026-W10"})
    digest = Digest.objects.get(audience="managers")
    assert digest.payload == api == page.context["m"].as_json() == weekly_metrics(digest_week["week"]).as_json()
    summary = "service level met 50% · acceptance 67% · MQLs 4 of 5"
    assert summary in page.content.decode() and summary in digest.html_body and summary in digest.text_body


# --- The command --------------------------------------------------------------------------


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(digest_week, webhook_posts):
    out = io.StringIO()
    call_command("send_weekly_digest", "--week", "2026-W10", "--dry-run", stdout=out)
    output = out.getvalue()
    assert mail.outbox == [] and webhook_posts == []
    assert not Digest.objects.exists() and not DigestDelivery.objects.exists()
    assert "== marketing: Tandem marketing digest 2026-W10" in output
    assert "email   sid@example.com: would send" in output
    assert f"webhook {WEBHOOKS['sales']}: would send" in output
    assert "FEEDBACK FROM SALES" in output


def test_the_command_sends_once_and_force_sends_once_more(digest_week, webhook_posts):
    out = io.StringIO()
    call_command("send_weekly_digest", "--week", "2026-W10", stdout=out)
    assert "Week 2026-W10: 6 sent, 0 failed, 0 of unknown outcome, 0 skipped." in out.getvalue()
    call_command("send_weekly_digest", "--week", "2026-W10", stdout=io.StringIO())
    assert len(mail.outbox) == 4
    out = io.StringIO()
    call_command("send_weekly_digest", "--week", "2026-W10", "--dry-run", stdout=out)
    assert "email   sid@example.com: already sent, skipped" in out.getvalue()
    call_command("send_weekly_digest", "--week", "2026-W10", "--force", stdout=io.StringIO())
    assert len(mail.outbox) == 8 and len(webhook_posts) == 4
    assert set(DigestDelivery.objects.values_list("state", "attempts")) == {("sent", 2)}


def test_the_command_refuses_a_malformed_week_and_reports_failures(digest_week, settings, webhook_posts):
    with pytest.raises(CommandError, match="not an ISO week"):
        call_command("send_weekly_digest", "--week", "last-week")
    settings.EMAIL_BACKEND = "alignment.tests.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 1
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 delivery failed"):
        call_command("send_weekly_digest", "--week", "2026-W10", stdout=io.StringIO(), stderr=err)
    assert "SMTPDataError" in err.getvalue()
    call_command("send_weekly_digest", "--week", "2026-W10", stdout=io.StringIO())
    assert len(mail.outbox) == 4


def test_the_beat_task_defaults_to_the_week_just_ended(digest_week, webhook_posts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = send_weekly_digests.delay().get()
    assert result["week"] == "2026-W10"


# --- The archive ----------------------------------------------------------------------------


def test_the_archive_lists_digests_and_shows_each_as_sent_in_a_sandbox(
    client, users, digest_week, webhook_posts, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks)
    client.force_login(users["sales"])
    listing = client.get("/digests/").content.decode()
    assert listing.count("2026-W10") >= 3
    assert "Tandem marketing digest 2026-W10" in listing
    filtered = client.get("/digests/", {"audience": "sales"}).content.decode()
    assert "Tandem sales digest" in filtered and "Tandem marketing digest" not in filtered
    digest = Digest.objects.get(audience="marketing")
    page = client.get(f"/digests/{digest.pk}/").content.decode()
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame and "allow-scripts" not in frame
    # Escaped at build time, and again as an attribute value: never markup in the page.
    assert "Too small &amp;lt;b&amp;gt;for us" in frame
    assert "Deliveries" not in page  # recipients are for managers
    client.force_login(users["managers"])
    assert "mia@example.com" in client.get(f"/digests/{digest.pk}/").content.decode()

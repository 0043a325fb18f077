"""Hand-off alerts on the rep's own webhook and by e-mail: at once, once, and only in working hours."""

import datetime
import socket

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from handoffs import tasks
from handoffs.models import AlertPreference, Notification, ServiceLevel
from handoffs.notifications import notification_claim, notification_send, notifications_due
from handoffs.services import alert_preference_set, handoff_create
from handoffs.tests.receiver import WebhookReceiver
from handoffs.webhooks import WebhookFailed, WebhookRefused, webhook_post, webhook_url_check
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # inside the default Mon–Fri 09:00–17:00 (TIME_ZONE UTC)
SATURDAY = datetime.datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
NEXT_MONDAY = datetime.datetime(2026, 3, 9, 9, 1, tzinfo=UTC)


@pytest.fixture
def receiver(settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    with WebhookReceiver() as running:
        yield running


def hook(user, receiver):
    return alert_preference_set(user=user, webhook_url=receiver.url(f"/{user.username}"), enabled=True)


def hand_off(users, captured, rep="sales", **lead_fields):
    with captured(execute=True):
        return handoff_create(
            lead=LeadFactory(status=Lead.Status.MQL, **lead_fields),
            actor=users["marketing"],
            context_note="Asked for pricing.",
            assignee=users[rep],
        )


def states(handoff):
    return sorted(handoff.notifications.values_list("kind", "recipient__username", "channel", "state"))


def test_the_assigned_rep_is_told_by_webhook_and_e_mail_once(users, receiver, django_capture_on_commit_callbacks):
    hook(users["sales"], receiver)
    hook(users["sales2"], receiver)
    with time_machine.travel(MONDAY, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks, first_name="Grace", company="A&B <Labs>")
        tasks.send_handoff_notification.delay(handoff.pk, "assigned", users["sales"].pk, "webhook")
        tasks.send_handoff_reminders.delay()

    [text] = receiver.texts("/sid")
    # Slack reads <, > and & as markup: the lead's own text is escaped, the link is Tandem's.
    assert text.startswith("New hand-off: Grace Lead (A&amp;B &lt;Labs&gt;) — answer within")
    assert text.endswith("<http://127.0.0.1:8000/handoffs/|Open the hand-off inbox>")
    assert receiver.texts("/sue") == []
    assert [m.to for m in mail.outbox] == [["sid@example.com"]]
    assert states(handoff) == [("assigned", "sid", "email", "sent"), ("assigned", "sid", "webhook", "sent")]


def test_a_rep_without_a_webhook_or_with_it_off_gets_e_mail_only(users, receiver, django_capture_on_commit_callbacks):
    alert_preference_set(user=users["sales"], webhook_url=receiver.url("/sid"), enabled=False)
    with time_machine.travel(MONDAY, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks)
    assert receiver.posts == []
    assert states(handoff) == [("assigned", "sid", "email", "sent")]


def test_a_failing_webhook_is_recorded_and_sent_once_by_the_retry(
    users, receiver, settings, django_capture_on_commit_callbacks
):
    hook(users["sales"], receiver)
    receiver.status = 500
    with time_machine.travel(MONDAY, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks)
        row = handoff.notifications.get(channel="webhook")
        assert (row.state, row.attempts) == ("failed", 1)
        assert "answered 500" in row.last_error
        receiver.status = 200
        assert notifications_due() == [(handoff.pk, "assigned", users["sales"].pk, "webhook")]
        tasks.send_handoff_reminders.delay()
        tasks.send_handoff_reminders.delay()
    assert len(receiver.posts) == 2  # the refused one, then the retry
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_the_reminder_goes_to_the_rep_and_the_breach_to_the_managers_each_once(
    users, receiver, make_user, django_capture_on_commit_callbacks
):
    hook(users["sales"], receiver)
    hook(users["managers"], receiver)
    with time_machine.travel(MONDAY, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks, first_name="Ada")
    deadline = handoff.accept_deadline
    with time_machine.travel(deadline - datetime.timedelta(minutes=30), tick=False):
        tasks.send_handoff_reminders.delay()
        tasks.send_handoff_reminders.delay()
    assert receiver.texts("/sid")[1] == (
        "Reminder: 30 min left to answer the hand-off of Ada Lead\n"
        "<http://127.0.0.1:8000/handoffs/|Open the hand-off inbox>"
    )
    with time_machine.travel(deadline + datetime.timedelta(minutes=1), tick=False):
        tasks.send_handoff_reminders.delay()
        tasks.send_handoff_reminders.delay()
    assert receiver.texts("/max")[0].startswith("Service level missed: hand-off of Ada Lead unanswered by")
    assert [len(receiver.texts(p)) for p in ("/sid", "/max")] == [2, 1]
    assert sorted(m.to[0] for m in mail.outbox) == ["max@example.com", "sid@example.com", "sid@example.com"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "javascript:alert(1)",
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "https://user:secret@93.184.216.34/hook",
        "https://",
    ],
)
def test_webhooks_must_be_public_http_addresses(url, settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(WebhookRefused):
        webhook_url_check(url)


def test_a_public_address_is_accepted_and_private_ones_only_when_allowed(settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    webhook_url_check("https://93.184.216.34/services/T0/B0/x")
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    webhook_url_check("http://127.0.0.1:9/hook")


def test_a_private_webhook_is_refused_when_saved_and_when_posting(
    users, receiver, settings, django_capture_on_commit_callbacks
):
    hook(users["sales"], receiver)
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as refused:
        alert_preference_set(user=users["sales2"], webhook_url="http://127.0.0.1/x", enabled=True)
    assert "private network" in str(refused.value)
    assert not AlertPreference.objects.filter(user=users["sales2"]).exists()

    with time_machine.travel(MONDAY, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks)
    assert receiver.posts == []
    row = handoff.notifications.get(channel="webhook")
    assert row.state == "failed" and "WebhookRefused" in row.last_error


def test_a_webhook_host_re_pointed_at_a_private_address_after_the_check_is_not_posted_to(
    receiver, settings, monkeypatch
):
    # DNS rebinding: the check sees a public address, a second lookup when connecting would give 127.0.0.1.
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    port, lookups, connected = receiver.server.server_port, [], []
    real_create_connection = socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        address = "93.184.215.14" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        if address[0] == "93.184.215.14":
            raise ConnectionRefusedError("no network in the tests")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(WebhookFailed):
        webhook_post(f"http://hooks.example.com:{port}/hook", text="New hand-off", link="https://tandem.example/")
    assert receiver.posts == [] and connected == [("93.184.215.14", port)]


def test_alerts_outside_working_hours_wait_for_monday_then_go_once(users, receiver, django_capture_on_commit_callbacks):
    hook(users["sales"], receiver)
    with time_machine.travel(SATURDAY, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks)
        assert notifications_due() == []
        tasks.send_handoff_reminders.delay()
    assert receiver.posts == [] and mail.outbox == []
    assert states(handoff) == [("assigned", "sid", "email", "held"), ("assigned", "sid", "webhook", "held")]

    with time_machine.travel(NEXT_MONDAY, tick=False):
        tasks.send_handoff_reminders.delay()
        tasks.send_handoff_reminders.delay()
    assert len(receiver.texts("/sid")) == 1 and len(mail.outbox) == 1
    assert states(handoff) == [("assigned", "sid", "email", "sent"), ("assigned", "sid", "webhook", "sent")]


def test_a_team_that_chose_alerts_at_any_hour_is_told_on_saturday(users, receiver, django_capture_on_commit_callbacks):
    level = ServiceLevel.current()
    level.alerts_outside_working_hours = True
    level.save()
    hook(users["sales"], receiver)
    with time_machine.travel(SATURDAY, tick=False):
        hand_off(users, django_capture_on_commit_callbacks)
    assert len(receiver.texts("/sid")) == 1 and len(mail.outbox) == 1


def test_a_held_alert_is_claimed_by_one_sender_only(users, django_capture_on_commit_callbacks):
    with time_machine.travel(SATURDAY, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks)
    key = {"handoff": handoff, "kind": "assigned", "recipient": users["sales"], "channel": "email"}
    first, second = notification_claim(**key), notification_claim(**key)
    assert first is not None and first.state == "sending"
    assert second is None
    assert Notification.objects.get(**key).attempts == 1


def test_a_webhook_alert_for_an_answered_hand_off_is_not_sent(users, receiver, django_capture_on_commit_callbacks):
    hook(users["sales"], receiver)
    with time_machine.travel(SATURDAY, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks)
    handoff.outcome = "accepted"
    handoff.responded_at = SATURDAY
    handoff.save()
    with time_machine.travel(NEXT_MONDAY, tick=False):
        assert notifications_due() == []
        assert (
            notification_send(handoff_id=handoff.pk, kind="assigned", recipient_id=users["sales"].pk, channel="webhook")
            is False
        )
    assert receiver.posts == []


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (datetime.datetime(2026, 3, 2, 8, 59, 59, tzinfo=UTC), False),
        (datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), True),
        (datetime.datetime(2026, 3, 6, 16, 59, tzinfo=UTC), True),
        (datetime.datetime(2026, 3, 6, 17, 0, tzinfo=UTC), False),
        (SATURDAY, False),
    ],
)
def test_the_team_calendar_says_when_it_is_working(moment, working):
    assert ServiceLevel.current().calendar().is_working(moment) is working


def test_the_reminder_window_counts_working_time_across_the_weekend(users, django_capture_on_commit_callbacks):
    level = ServiceLevel.current()
    level.hours_to_accept = 8  # a 2 h reminder window
    level.save()
    friday = datetime.datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    with time_machine.travel(friday, tick=False):
        handoff = hand_off(users, django_capture_on_commit_callbacks)
    # Friday 10:00–17:00 is 7 working hours, Monday 09:00–10:00 the eighth.
    assert handoff.accept_deadline == datetime.datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    with time_machine.travel(friday.replace(hour=15, minute=59), tick=False):
        assert notifications_due() == []
    with time_machine.travel(friday.replace(hour=16, minute=1), tick=False):
        assert notifications_due() == [(handoff.pk, "reminder", users["sales"].pk, "email")]
        tasks.send_handoff_reminders.delay()
    with time_machine.travel(datetime.datetime(2026, 3, 9, 9, 30, tzinfo=UTC), tick=False):
        tasks.send_handoff_reminders.delay()
    assert [m.subject for m in mail.outbox][1:] == [
        f"Reminder: 1 h 59 min left to answer the hand-off of {handoff.lead.display_name}"
    ]

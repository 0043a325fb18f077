"""A hand-off alert whose send broke after the whole message went out may have reached the person: it is
recorded "outcome unknown" and never sent again, while one proven unsent is failed and retried. Against
real loopback SMTP servers and webhook receivers that fail one step each (crm/tests/)."""

import contextlib
import datetime

import pytest
import time_machine

from crm.tests.http_receiver import Receiver
from crm.tests.smtp_server import ScriptedSmtpServer, not_listening, use_smtp
from handoffs import tasks
from handoffs.notifications import NotificationFailed, notification_send, notifications_due
from handoffs.services import alert_preference_set, handoff_create
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # inside the default working hours
SHORT_TIMEOUT = 0.5  # seconds a hanging server or receiver keeps the sender waiting


@pytest.fixture
def monday(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True  # the receivers are on loopback
    settings.ALERT_WEBHOOK_TIMEOUT = SHORT_TIMEOUT
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def handoff(users, monday, django_capture_on_commit_callbacks):
    """A hand-off assigned to sid whose alert has not been sent yet (its task is left uncalled)."""
    with django_capture_on_commit_callbacks(execute=False):
        lead = LeadFactory(status=Lead.Status.MQL)
        return handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"])


def _send(handoff, users, channel):
    return notification_send(handoff_id=handoff.pk, kind="assigned", recipient_id=users["sales"].pk, channel=channel)


def _nothing_resends(handoff, users, channel):
    """The periodic scan and a redelivered task leave the alert alone."""
    assert notifications_due() == []
    tasks.send_handoff_reminders.delay()
    assert tasks.send_handoff_notification.delay(handoff.pk, "assigned", users["sales"].pk, channel).get() is False


@pytest.mark.parametrize("fail_at", ["drop", "hang"])
def test_an_alert_e_mail_whose_answer_was_lost_is_unknown_and_never_resent(fail_at, handoff, users, settings):
    with ScriptedSmtpServer(fail_at) as server:
        use_smtp(settings, server.port, timeout=SHORT_TIMEOUT)
        assert _send(handoff, users, "email") is False  # no NotificationFailed: the task does not retry
        row = handoff.notifications.get()
        assert (row.state, row.attempts) == ("unknown", 1)
        assert "MessageMayHaveArrived" in row.last_error and "may have it" in row.last_error
        _nothing_resends(handoff, users, "email")
    assert len(server.received) == 1


@pytest.mark.parametrize("fail_at", ["down", "mail", "rcpt"])
def test_an_alert_e_mail_the_server_never_had_is_failed_and_retried(fail_at, handoff, users, settings):
    with contextlib.ExitStack() as stack:
        server = None if fail_at == "down" else stack.enter_context(ScriptedSmtpServer(fail_at))
        use_smtp(settings, server.port if server else not_listening())
        with pytest.raises(NotificationFailed):
            _send(handoff, users, "email")
    row = handoff.notifications.get()
    assert (row.state, row.attempts) == ("failed", 1)
    assert notifications_due() == [(handoff.pk, "assigned", users["sales"].pk, "email")]
    with ScriptedSmtpServer() as fixed:
        use_smtp(settings, fixed.port)
        tasks.send_handoff_reminders.delay()
    assert len(fixed.messages) == 1


@pytest.mark.parametrize("answer", ["drop", "hang"])
def test_an_alert_webhook_posted_whole_whose_answer_was_lost_is_unknown_and_never_resent(answer, handoff, users):
    with Receiver(answer=answer) as receiver:
        alert_preference_set(user=users["sales"], webhook_url=receiver.url("/sid"), enabled=True)
        assert _send(handoff, users, "webhook") is False
        row = handoff.notifications.get(channel="webhook")
        assert (row.state, row.attempts) == ("unknown", 1)
        assert "WebhookMayHaveArrived" in row.last_error
        _nothing_resends(handoff, users, "webhook")
    assert [path for path, _, _ in receiver.requests] == ["/sid"]

"""A hand-off alert whose worker was killed mid-send: the broker's redelivery finds the claim held and sends
nothing; after ALERT_CLAIM_TIMEOUT the every-minute scan marks it "outcome unknown", and nothing sends it
again. The clock is moved with time_machine; nothing waits."""

import contextlib
import datetime

import pytest
import time_machine
from django.core import mail
from django.core.checks import Error, run_checks

from crm.tests.mail_backends import DyingBackend, WorkerKilled
from handoffs import tasks
from handoffs.models import Notification
from handoffs.notifications import (
    EXPIRED_CLAIM_ERROR,
    claim_timeout,
    expired_claims_mark_unknown,
    notification_claim,
    notifications_due,
)
from handoffs.services import handoff_create
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # inside the default working hours
State = Notification.State


def _at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def handoff(users, django_capture_on_commit_callbacks):
    """A hand-off assigned to sid on Monday whose alert has not been sent yet (its task is left uncalled)."""
    with _at(MONDAY), django_capture_on_commit_callbacks(execute=False):
        return handoff_create(
            lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"], assignee=users["sales"]
        )


def _send_assigned(handoff, users):
    return tasks.send_handoff_notification.delay(handoff.pk, "assigned", users["sales"].pk, "email").get()


@pytest.fixture
def killed(handoff, users, settings):
    """The worker sending sid's assigned e-mail is killed mid-send on Monday; return its row, left in "sending"."""
    settings.EMAIL_BACKEND = "crm.tests.mail_backends.DyingBackend"
    DyingBackend.victim = users["sales"].email
    with _at(MONDAY), contextlib.suppress(WorkerKilled):
        _send_assigned(handoff, users)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    row = handoff.notifications.get()
    assert (row.state, row.attempts, row.claimed_at) == (State.SENDING, 1, MONDAY)
    return row


def test_the_redelivered_task_of_a_killed_worker_finds_the_claim_held_and_sends_nothing(
    killed, handoff, users, settings
):
    # The broker hands the unacknowledged task to another worker after its visibility timeout; that
    # worker may start it as late as the task time limit after. The claim still holds then.
    redelivered = MONDAY + datetime.timedelta(
        seconds=settings.BROKER_VISIBILITY_TIMEOUT + settings.CELERY_TASK_TIME_LIMIT
    )
    with _at(redelivered):
        assert _send_assigned(handoff, users) is False
        tasks.send_handoff_reminders.delay()
        assert notifications_due() == []
    assert mail.outbox == []
    killed.refresh_from_db()
    assert (killed.state, killed.attempts, killed.last_error) == (State.SENDING, 1, "")


def test_an_expired_claim_turns_unknown_in_the_every_minute_scan(killed, handoff, users):
    with _at(MONDAY + claim_timeout() - datetime.timedelta(seconds=1)):
        tasks.send_handoff_reminders.delay()
    killed.refresh_from_db()
    assert killed.state == State.SENDING  # its sender may still be at work

    with _at(MONDAY + claim_timeout() + datetime.timedelta(minutes=1)):
        tasks.send_handoff_reminders.delay()
    killed.refresh_from_db()
    assert (killed.state, killed.attempts, killed.last_error) == (State.UNKNOWN, 1, EXPIRED_CLAIM_ERROR)
    assert mail.outbox == []


def test_an_alert_of_unknown_outcome_is_never_sent_again(killed, handoff, users):
    with _at(MONDAY + claim_timeout() + datetime.timedelta(minutes=1)):
        tasks.send_handoff_reminders.delay()
    # A late redelivery, the scan every minute of the next day and the task's own retry: none sends it.
    tuesday = MONDAY + datetime.timedelta(days=1)
    with _at(tuesday):
        assert _send_assigned(handoff, users) is False
        assert notifications_due() == []
        for minute in range(3):
            with _at(tuesday + datetime.timedelta(minutes=minute)):
                tasks.send_handoff_reminders.delay()
        assert notification_claim(handoff=handoff, kind="assigned", recipient=users["sales"]) is None
    assert mail.outbox == []
    killed.refresh_from_db()
    assert (killed.state, killed.attempts) == (State.UNKNOWN, 1)


def test_a_redelivery_after_the_timeout_marks_the_claim_unknown_itself(killed, handoff, users):
    # The beat may be down: the task that finds the claim expired records it, and still sends nothing.
    with _at(MONDAY + claim_timeout() + datetime.timedelta(minutes=1)):
        assert _send_assigned(handoff, users) is False
    killed.refresh_from_db()
    assert killed.state == State.UNKNOWN
    assert mail.outbox == []


@pytest.mark.parametrize("state", [State.HELD, State.FAILED, State.SENT, State.UNKNOWN])
def test_only_a_claim_in_sending_expires(state, handoff, users):
    later = MONDAY + claim_timeout() * 3
    row = Notification.objects.create(
        handoff=handoff,
        kind="reminder",
        recipient=users["sales"],
        state=state,
        attempts=1,
        created_at=MONDAY,
        claimed_at=MONDAY,
        last_error="as it was",
    )
    sending = Notification.objects.create(
        handoff=handoff, kind="assigned", recipient=users["sales"], state=State.SENDING, attempts=1, claimed_at=MONDAY
    )
    assert expired_claims_mark_unknown(now=later) == 1
    row.refresh_from_db()
    sending.refresh_from_db()
    assert (row.state, row.last_error) == (state, "as it was")
    assert sending.state == State.UNKNOWN


def test_a_retry_re_claims_a_failed_alert_with_a_fresh_claim_time(handoff, users, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.create(
        handoff=handoff, kind="assigned", recipient=users["sales"], state=State.FAILED, attempts=1, claimed_at=MONDAY
    )
    # Hours later the scan tries it again: the new claim counts from now, not from the first attempt.
    retried = MONDAY + claim_timeout() + datetime.timedelta(minutes=5)
    row = notification_claim(handoff=handoff, kind="assigned", recipient=users["sales"], now=retried)
    assert (row.state, row.attempts, row.claimed_at) == (State.SENDING, 2, retried)
    assert expired_claims_mark_unknown(now=retried + datetime.timedelta(minutes=1)) == 0


def test_a_claim_that_would_expire_before_redelivery_is_refused_at_start(settings):
    def errors():
        return [m for m in run_checks() if isinstance(m, Error) and m.id == "handoffs.E001"]

    assert errors() == []
    settings.ALERT_CLAIM_TIMEOUT = settings.BROKER_VISIBILITY_TIMEOUT  # the redelivered task would find it expired
    assert len(errors()) == 1
    settings.ALERT_CLAIM_TIMEOUT = settings.BROKER_VISIBILITY_TIMEOUT + settings.CELERY_TASK_TIME_LIMIT + 1
    assert errors() == []

"""Hand-off e-mails: one per event, however often a task is retried or the periodic scan runs."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from handoffs import tasks
from handoffs.models import Handoff, Notification, ServiceLevel
from handoffs.notifications import NotificationFailed, notification_send, notifications_due, reminder_window
from handoffs.services import handoff_accept, handoff_assign, handoff_create
from leads.models import Lead
from leads.tests.factories import LeadFactory

# These tests assume the 24-hour clocks of the original service level.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("round_the_clock")]

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
Kind = Notification.Kind


class FlakyBackend(EmailBackend):
    """The locmem backend, refusing the first ``failures`` messages like a mail server that is down."""

    failures = 1

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("mail server down")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures = 1
    return FlakyBackend


def create_assigned(users, django_capture_on_commit_callbacks, rep="sales", **lead_fields):
    with django_capture_on_commit_callbacks(execute=True):
        return handoff_create(
            lead=LeadFactory(status=Lead.Status.MQL, **lead_fields),
            actor=users["marketing"],
            context_note="Asked for pricing.",
            assignee=users[rep],
        )


def test_the_assigned_rep_gets_one_email_with_the_lead_and_a_link_to_the_inbox(
    users, django_capture_on_commit_callbacks
):
    handoff = create_assigned(users, django_capture_on_commit_callbacks, first_name="Grace", company="Navy Labs")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sid@example.com"]
    assert message.subject.startswith("New hand-off: Grace Lead (Navy Labs)")
    assert f"{settings.SITE_URL}/handoffs/" in message.body
    assert "Asked for pricing." in message.body
    html = message.alternatives[0][0]
    assert f'href="{settings.SITE_URL}/handoffs/"' in html
    row = Notification.objects.get(handoff=handoff)
    assert (row.kind, row.recipient, row.state, row.attempts) == (Kind.ASSIGNED, users["sales"], "sent", 1)


def test_an_unassigned_hand_off_emails_nobody(users, django_capture_on_commit_callbacks, settings):
    level = ServiceLevel.current()
    level.default_rep_capacity = 0
    level.save()
    with django_capture_on_commit_callbacks(execute=True):
        handoff = handoff_create(lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"])
    assert handoff.assigned_to is None
    assert mail.outbox == []


def test_the_email_waits_for_the_commit(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        handoff_create(lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"], assignee=users["sales"])
    assert mail.outbox == [] and len(callbacks) == 1


def test_reassigning_emails_the_new_rep_once(users, django_capture_on_commit_callbacks):
    handoff = create_assigned(users, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        handoff_assign(handoff=handoff, actor=users["managers"], assignee=users["sales2"])
    with django_capture_on_commit_callbacks(execute=True):
        handoff_assign(handoff=handoff, actor=users["managers"], assignee=users["sales2"])
    assert [m.to for m in mail.outbox] == [["sid@example.com"], ["sue@example.com"]]


def test_running_the_task_twice_sends_one_email(users, django_capture_on_commit_callbacks):
    handoff = create_assigned(users, django_capture_on_commit_callbacks)
    tasks.send_handoff_notification.delay(handoff.pk, "assigned", users["sales"].pk)
    tasks.send_handoff_notification.apply(args=(handoff.pk, "assigned", users["sales"].pk))
    assert len(mail.outbox) == 1
    assert Notification.objects.get(handoff=handoff).attempts == 1


def test_a_failed_send_is_retried_by_the_task_into_exactly_one_email(
    users, django_capture_on_commit_callbacks, flaky_mail
):
    # Eager tasks surface the retry instead of sleeping through the backoff (the robust
    # on_commit logs it and keeps the hand-off): run the retry by hand.
    with django_capture_on_commit_callbacks(execute=True):
        handoff_create(lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"], assignee=users["sales"])
    row = Notification.objects.get()
    assert (row.state, row.attempts) == ("failed", 1)
    assert mail.outbox == []

    retry = tasks.send_handoff_notification.apply(args=(row.handoff_id, "assigned", users["sales"].pk))
    assert retry.get() is True
    redelivered = tasks.send_handoff_notification.apply(args=(row.handoff_id, "assigned", users["sales"].pk))
    assert redelivered.get() is False
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")


def test_a_failure_marks_the_row_failed_with_the_error_and_a_retry_claims_only_that(
    users, django_capture_on_commit_callbacks, flaky_mail
):
    with django_capture_on_commit_callbacks(execute=False):
        handoff = handoff_create(
            lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"], assignee=users["sales"]
        )
    with pytest.raises(NotificationFailed):
        notification_send(handoff_id=handoff.pk, kind="assigned", recipient_id=users["sales"].pk)
    row = Notification.objects.get(handoff=handoff)
    assert (row.state, row.attempts) == ("failed", 1)
    assert "ConnectionRefusedError: mail server down" in row.last_error
    assert mail.outbox == []

    assert notification_send(handoff_id=handoff.pk, kind="assigned", recipient_id=users["sales"].pk) is True
    assert notification_send(handoff_id=handoff.pk, kind="assigned", recipient_id=users["sales"].pk) is False
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_a_message_being_sent_elsewhere_is_not_sent_again(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        handoff = handoff_create(
            lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"], assignee=users["sales"]
        )
    Notification.objects.create(handoff=handoff, kind=Kind.ASSIGNED, recipient=users["sales"], state="sending")
    assert notification_send(handoff_id=handoff.pk, kind="assigned", recipient_id=users["sales"].pk) is False
    assert mail.outbox == []


def test_an_answered_hand_off_is_not_announced(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        handoff = handoff_create(
            lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"], assignee=users["sales"]
        )
    handoff_accept(handoff=handoff, actor=users["sales"])
    assert notification_send(handoff_id=handoff.pk, kind="assigned", recipient_id=users["sales"].pk) is False
    assert mail.outbox == [] and not Notification.objects.exists()


@pytest.mark.parametrize(("hours_to_accept", "window_hours"), [(24, 6), (2, 1), (48, 12)])
def test_the_reminder_window_is_a_quarter_of_the_time_to_accept_and_at_least_an_hour(hours_to_accept, window_hours):
    assert reminder_window(ServiceLevel(hours_to_accept=hours_to_accept)) == datetime.timedelta(hours=window_hours)


def test_assignment_reminder_and_breach_each_go_out_once_at_their_time(
    users, django_capture_on_commit_callbacks, make_user
):
    boss = make_user("bea", "managers")
    make_user("gone", "managers", is_active=False)
    with time_machine.travel(START, tick=False):
        handoff = create_assigned(users, django_capture_on_commit_callbacks)
        assert [m.subject[:13] for m in mail.outbox] == ["New hand-off:"]
        tasks.send_handoff_reminders.delay()
        assert len(mail.outbox) == 1

    # 24 h to accept: the reminder window opens 6 h before the deadline.
    with time_machine.travel(START + datetime.timedelta(hours=17, minutes=59), tick=False):
        tasks.send_handoff_reminders.delay()
        assert len(mail.outbox) == 1
    with time_machine.travel(START + datetime.timedelta(hours=18, minutes=5), tick=False):
        tasks.send_handoff_reminders.delay()
        tasks.send_handoff_reminders.delay()
        assert len(mail.outbox) == 2
        reminder = mail.outbox[1]
        assert reminder.to == ["sid@example.com"]
        assert reminder.subject == f"Reminder: 5 h 55 min left to answer the hand-off of {handoff.lead.display_name}"

    with time_machine.travel(START + datetime.timedelta(hours=24, minutes=15), tick=False):
        tasks.send_handoff_reminders.delay()
        tasks.send_handoff_reminders.delay()
        breaches = mail.outbox[2:]
        assert sorted(m.to[0] for m in breaches) == ["bea@example.com", "max@example.com"]
        assert all("overdue by 15 min" in m.body for m in breaches)
        assert all(m.subject.startswith("Service level missed") for m in breaches)

    with time_machine.travel(START + datetime.timedelta(hours=30), tick=False):
        tasks.send_handoff_reminders.delay()
        assert len(mail.outbox) == 4
    assert Notification.objects.filter(handoff=handoff, state="sent").count() == 4
    assert not Notification.objects.filter(recipient=boss, kind=Kind.REMINDER).exists()


def test_answered_hand_offs_get_no_reminder_or_breach(users, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False):
        handoff = create_assigned(users, django_capture_on_commit_callbacks)
        handoff_accept(handoff=handoff, actor=users["sales"])
    with time_machine.travel(START + datetime.timedelta(hours=20), tick=False):
        assert notifications_due() == []
    with time_machine.travel(START + datetime.timedelta(hours=30), tick=False):
        assert notifications_due() == []
        tasks.send_handoff_reminders.delay()
    assert len(mail.outbox) == 1


def test_an_unassigned_breach_still_reaches_the_managers(users):
    with time_machine.travel(START, tick=False):
        level = ServiceLevel.current()
        level.default_rep_capacity = 0
        level.save()
        handoff = handoff_create(lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"])
    with time_machine.travel(START + datetime.timedelta(hours=25), tick=False):
        assert notifications_due() == [(handoff.pk, "breach", users["managers"].pk, "email")]
        tasks.send_handoff_reminders.delay()
    assert [m.to for m in mail.outbox] == [["max@example.com"]]
    assert "waits unassigned" in mail.outbox[0].body


def test_the_periodic_scan_retries_a_message_whose_task_gave_up(users, flaky_mail):
    with time_machine.travel(START, tick=False):
        handoff = handoff_create(
            lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"], assignee=users["sales"]
        )
    flaky_mail.failures = 1
    with time_machine.travel(START + datetime.timedelta(hours=25), tick=False):
        with pytest.raises(NotificationFailed):
            notification_send(handoff_id=handoff.pk, kind="breach", recipient_id=users["managers"].pk)
        assert notifications_due() == [(handoff.pk, "breach", users["managers"].pk, "email")]
        tasks.send_handoff_reminders.delay()
        tasks.send_handoff_reminders.delay()
    assert len(mail.outbox) == 1
    assert Handoff.objects.get(pk=handoff.pk).notifications.get(kind="breach").state == "sent"


def test_the_beat_schedule_runs_the_scan_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["handoff-reminders"]
    assert entry["task"] == tasks.send_handoff_reminders.name
    assert entry["schedule"].minute == set(range(60))
    assert timezone.is_aware(START)

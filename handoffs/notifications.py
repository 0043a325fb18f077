"""Alerts about hand-offs: assigned to a rep, a reminder before the accept deadline, and a breach to managers.

Each alert goes by e-mail and, when the user set one on their alerts page, to their personal
Slack-compatible webhook. Each (hand-off, kind, recipient, channel) is one Notification row,
unique. A sender claims the row first — by inserting it, or by moving a FAILED or HELD row
back to SENDING with a conditional update (compare and swap) — and sends only when its claim
won, so a retried task, a redelivered message or two workers running the periodic scan at
once never send anything twice. A SENT row is never claimed again, and neither is an UNKNOWN
one: its send broke after the whole message went out (crm.delivery.MayHaveArrived: the mail
server or the webhook may have it), so a retry could tell the person twice. A claim whose sender
never reported back (its worker was killed mid-send) is held until ALERT_CLAIM_TIMEOUT, longer
than the broker takes to redeliver the task (handoffs.checks), so the redelivered task finds it
held and sends nothing; after that the every-minute scan marks it UNKNOWN for the same reason.
Team settings lists the alerts not delivered (failed or unknown) to managers.

Outside the team's working hours alerts wait (a HELD row) unless the team chose to be alerted
at any hour (ServiceLevel.alerts_outside_working_hours); the every-minute scan sends them
when work starts.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crm.delivery import MayHaveArrived
from crm.roles import MANAGERS
from handoffs.clock import working_clock
from handoffs.models import AlertPreference, Handoff, Notification, ServiceLevel
from handoffs.webhooks import webhook_post

log = logging.getLogger(__name__)
Kind = Notification.Kind
State = Notification.State
Channel = Notification.Channel
# The periodic scan re-queues a failed message until it has been tried this often.
MAX_ATTEMPTS = 10


class NotificationFailed(Exception):
    """Sending failed; the row is marked FAILED with the error and the task retries."""


def reminder_window(level):
    """Return the working time before the accept deadline when the reminder goes: 25% of the time to accept, ≥ 1 h."""
    return max(datetime.timedelta(hours=1), datetime.timedelta(hours=level.hours_to_accept) * 0.25)


# A deadline this far off in wall time can still be within the reminder window in working time
# (a long weekend or holidays in between); the scan reads no further ahead than this.
REMINDER_HORIZON = datetime.timedelta(days=10)


def managers():
    """Return the users who hear of breaches: active members of the managers group with an e-mail."""
    return get_user_model().objects.filter(is_active=True, groups__name=MANAGERS).exclude(email="").distinct()


def alerts_allowed(*, level, now):
    """Return whether alerts may go out at ``now``: within the team's working hours, or at any hour if it chose so."""
    return level.alerts_outside_working_hours or level.calendar().is_working(now)


def webhook_users(user_ids):
    """Return the ids, among ``user_ids``, of the users whose personal webhook is set and on."""
    return set(
        AlertPreference.objects.filter(user_id__in=user_ids, enabled=True)
        .exclude(webhook_url="")
        .values_list("user_id", flat=True)
    )


def channels_for(user_ids):
    """Return (user_id, channel) for every way each user hears of an alert: e-mail, and their webhook if set."""
    hooked = webhook_users(user_ids)
    return [
        (user_id, channel)
        for user_id in user_ids
        for channel in Channel
        if channel != Channel.WEBHOOK or user_id in hooked
    ]


def _is_relevant(handoff, kind, recipient, now):
    """Return whether the message still says something true when it is about to be sent."""
    if not handoff.is_pending:
        return False
    if kind in (Kind.ASSIGNED, Kind.REMINDER):
        return handoff.assigned_to_id == recipient.pk
    return handoff.accept_deadline <= now


def _recipient(recipient_id, channel):
    users = get_user_model().objects.filter(pk=recipient_id, is_active=True)
    if channel == Channel.EMAIL:
        return users.exclude(email="").first()
    return users.filter(alert_preference__enabled=True).exclude(alert_preference__webhook_url="").first()


def notification_hold(*, handoff, kind, recipient, channel, now):
    """Keep the message for working hours (a HELD row the periodic scan sends later); a no-op if it has a row."""
    try:
        with transaction.atomic():
            Notification.objects.create(
                handoff=handoff, kind=kind, recipient=recipient, channel=channel, state=State.HELD, created_at=now
            )
    except IntegrityError:
        pass


def notification_claim(*, handoff, kind, recipient, channel=Channel.EMAIL, now=None):
    """Claim the message for this sender and return its row, or None when it is sent or being sent already."""
    now = now or timezone.now()
    key = {"handoff": handoff, "kind": kind, "recipient": recipient, "channel": channel}
    try:
        # A savepoint, so that losing the race to the unique constraint leaves the caller's transaction usable.
        with transaction.atomic():
            return Notification.objects.create(**key, state=State.SENDING, attempts=1, created_at=now, claimed_at=now)
    except IntegrityError:
        pass
    # Only a FAILED or HELD row is taken back, and only by one sender: the update is conditional.
    won = Notification.objects.filter(**key, state__in=[State.FAILED, State.HELD]).update(
        state=State.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not won:
        # A redelivered task of a sender that died: its claim holds, or its outcome is now unknown.
        expired_claims_mark_unknown(now=now, notifications=Notification.objects.filter(**key))
        return None
    return Notification.objects.get(**key)


def claim_timeout():
    """Return how long a claim holds: longer than a task may run and than the broker takes to redeliver it."""
    return datetime.timedelta(seconds=settings.ALERT_CLAIM_TIMEOUT)


EXPIRED_CLAIM_ERROR = "The sender stopped after claiming it: it may or may not have arrived. It is not sent again."


def expired_claims_mark_unknown(*, now=None, notifications=None):
    """Mark the alerts claimed longer than the claim timeout ago, whose sender never reported, UNKNOWN; return how many.

    The person may have the alert (the worker may have died after the mail server had it), so nothing
    sends it again; Team settings lists it for managers.
    """
    now = now or timezone.now()
    notifications = Notification.objects.all() if notifications is None else notifications
    marked = notifications.filter(state=State.SENDING, claimed_at__lt=now - claim_timeout()).update(
        state=State.UNKNOWN, last_error=EXPIRED_CLAIM_ERROR
    )
    if marked:
        log.warning("%s hand-off alerts have an unknown outcome: their sender stopped mid-send", marked)
    return marked


def _context(handoff, recipient, now):
    return {
        "handoff": handoff,
        "lead": handoff.lead,
        "recipient": recipient,
        "clock": working_clock(handoff.accept_deadline, now, ServiceLevel.current().calendar()),
        "inbox_url": settings.SITE_URL + reverse("handoffs:inbox"),
        "site_url": settings.SITE_URL,
    }


def _subject(kind, context):
    return " ".join(render_to_string(f"handoffs/email/{kind}_subject.txt", context).split())


def _message(handoff, kind, recipient, now):
    context = _context(handoff, recipient, now)
    base = f"handoffs/email/{kind}"
    message = EmailMultiAlternatives(
        subject=_subject(kind, context),
        body=render_to_string(f"{base}_body.txt", context),
        to=[recipient.email],
    )
    message.attach_alternative(render_to_string(f"{base}_body.html", context), "text/html")
    return message


def _deliver(handoff, kind, recipient, channel, now):
    if channel == Channel.EMAIL:
        _message(handoff, kind, recipient, now).send()
        return
    context = _context(handoff, recipient, now)
    webhook_post(recipient.alert_preference.webhook_url, text=_subject(kind, context), link=context["inbox_url"])


def notification_send(*, handoff_id, kind, recipient_id, channel=Channel.EMAIL, now=None):
    """Send one hand-off alert on one channel unless it was sent (or is being sent) already; return whether it went out.

    Outside working hours (unless the team chose otherwise) the alert is held for the periodic scan.
    Raises NotificationFailed after recording the error when the mail server or the webhook refuses it
    (or cannot be reached); a send that broke after the whole message went out is recorded UNKNOWN and
    returns False without raising, so nothing retries it.
    """
    now = now or timezone.now()
    kind, channel = Kind(kind), Channel(channel)
    handoff = (
        Handoff.objects.select_related("lead", "lead__first_touch_campaign", "assigned_to")
        .filter(pk=handoff_id)
        .first()
    )
    recipient = _recipient(recipient_id, channel)
    if handoff is None or recipient is None or not _is_relevant(handoff, kind, recipient, now):
        return False
    if not alerts_allowed(level=ServiceLevel.current(), now=now):
        notification_hold(handoff=handoff, kind=kind, recipient=recipient, channel=channel, now=now)
        return False
    row = notification_claim(handoff=handoff, kind=kind, recipient=recipient, channel=channel, now=now)
    if row is None:
        return False
    try:
        _deliver(handoff, kind, recipient, channel, now)
    except MayHaveArrived as exc:
        error = f"{type(exc).__name__}: {exc} — the recipient may have it; it is not sent again."
        Notification.objects.filter(pk=row.pk).update(state=State.UNKNOWN, last_error=error)
        log.warning("%s for hand-off %s to user %s by %s: %s", kind, handoff_id, recipient_id, channel, error)
        return False
    except Exception as exc:  # any transport error (WebhookFailed, WebhookRefused, SMTP): record it, the task retries
        Notification.objects.filter(pk=row.pk).update(state=State.FAILED, last_error=f"{type(exc).__name__}: {exc}")
        raise NotificationFailed(
            f"{kind} for hand-off {handoff_id} to user {recipient_id} by {channel}: {exc}"
        ) from exc
    Notification.objects.filter(pk=row.pk).update(state=State.SENT, sent_at=timezone.now(), last_error="")
    return True


def notifications_due(*, now=None):
    """Return (handoff_id, kind, recipient_id, channel) of every alert that should go out now.

    Reminders and breach notices that are due, alerts held for working hours and failed ones
    to try again; nothing outside working hours unless the team chose to be alerted at any hour.
    """
    now = now or timezone.now()
    level = ServiceLevel.current()
    if not alerts_allowed(level=level, now=now):
        return []
    pending = Handoff.objects.filter(outcome=Handoff.Outcome.PENDING)
    due = []

    reminded = Notification.objects.filter(
        handoff=OuterRef("pk"), kind=Kind.REMINDER, recipient=OuterRef("assigned_to")
    )
    # The window is working time: a deadline on Monday 10:00 is reminded of on Friday afternoon, not at 08:00.
    window, calendar = reminder_window(level).total_seconds(), level.calendar()
    candidates = (
        pending.filter(assigned_to__isnull=False, accept_deadline__gt=now, accept_deadline__lte=now + REMINDER_HORIZON)
        .exclude(Exists(reminded))
        .order_by("accept_deadline", "pk")
        .values_list("pk", "assigned_to_id", "accept_deadline")
    )
    reminders = [
        (pk, user_id)
        for pk, user_id, deadline in candidates
        if calendar.working_seconds_between(now, deadline) <= window
    ]
    hooked = webhook_users({user_id for _, user_id in reminders})
    for pk, user_id in reminders:
        due.append((pk, Kind.REMINDER.value, user_id, Channel.EMAIL.value))
        if user_id in hooked:
            due.append((pk, Kind.REMINDER.value, user_id, Channel.WEBHOOK.value))

    breached = list(
        pending.filter(accept_deadline__lte=now).order_by("accept_deadline", "pk").values_list("pk", flat=True)
    )
    if breached:
        told = set(
            Notification.objects.filter(kind=Kind.BREACH, handoff_id__in=breached).values_list(
                "handoff_id", "recipient_id", "channel"
            )
        )
        channels = channels_for(list(managers().values_list("pk", flat=True)))
        due += [
            (pk, Kind.BREACH.value, user_id, channel.value)
            for pk in breached
            for user_id, channel in channels
            if (pk, user_id, channel) not in told
        ]

    # Alerts held for working hours, and those whose task gave up (mail server down for long):
    # try again, a bounded number of times.
    waiting = Notification.objects.filter(
        Q(state=State.HELD) | Q(state=State.FAILED, attempts__lt=MAX_ATTEMPTS),
        handoff__outcome=Handoff.Outcome.PENDING,
    ).values_list("handoff_id", "kind", "recipient_id", "channel")
    due += list(waiting)
    return due

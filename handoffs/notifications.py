"""E-mails about hand-offs: assigned to a rep, a reminder before the accept deadline, and a breach to managers.

Each message is one Notification row (hand-off, kind, recipient), unique. A sender claims the
row first — by inserting it, or by moving a FAILED row back to SENDING — and sends only when
its claim won, so a retried task, a redelivered message or a second run of the periodic scan
never sends anything twice. A SENT row is never claimed again.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crm.roles import MANAGERS
from handoffs.clock import sla_clock
from handoffs.models import Handoff, Notification, ServiceLevel

Kind = Notification.Kind
State = Notification.State
# The periodic scan re-queues a failed message until it has been tried this often.
MAX_ATTEMPTS = 10


class NotificationFailed(Exception):
    """Sending failed; the row is marked FAILED with the error and the task retries."""


def reminder_window(level):
    """Return how long before the accept deadline the reminder goes out: 25% of the time to accept, at least 1 h."""
    return max(datetime.timedelta(hours=1), datetime.timedelta(hours=level.hours_to_accept) * 0.25)


def managers():
    """Return the users who hear of breaches: active members of the managers group with an e-mail."""
    return get_user_model().objects.filter(is_active=True, groups__name=MANAGERS).exclude(email="").distinct()


def _is_relevant(handoff, kind, recipient, now):
    """Return whether the message still says something true when it is about to be sent."""
    if not handoff.is_pending:
        return False
    if kind in (Kind.ASSIGNED, Kind.REMINDER):
        return handoff.assigned_to_id == recipient.pk
    return handoff.accept_deadline <= now


def notification_claim(*, handoff, kind, recipient, now=None):
    """Claim the message for this sender and return its row, or None when it is sent or being sent already."""
    try:
        # A savepoint, so that losing the race to the unique constraint leaves the caller's transaction usable.
        with transaction.atomic():
            return Notification.objects.create(
                handoff=handoff,
                kind=kind,
                recipient=recipient,
                state=State.SENDING,
                attempts=1,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        pass
    # Only a FAILED row is taken back, and only by one sender: the update is conditional.
    won = Notification.objects.filter(handoff=handoff, kind=kind, recipient=recipient, state=State.FAILED).update(
        state=State.SENDING, attempts=F("attempts") + 1
    )
    if not won:
        return None
    return Notification.objects.get(handoff=handoff, kind=kind, recipient=recipient)


def _message(handoff, kind, recipient, now):
    context = {
        "handoff": handoff,
        "lead": handoff.lead,
        "recipient": recipient,
        "clock": sla_clock(handoff.accept_deadline, now),
        "inbox_url": settings.SITE_URL + reverse("handoffs:inbox"),
        "site_url": settings.SITE_URL,
    }
    base = f"handoffs/email/{kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}_body.txt", context),
        to=[recipient.email],
    )
    message.attach_alternative(render_to_string(f"{base}_body.html", context), "text/html")
    return message


def notification_send(*, handoff_id, kind, recipient_id, now=None):
    """Send one hand-off e-mail unless it was sent (or is being sent) already; return whether it went out.

    Raises NotificationFailed after recording the error when the mail server refuses it.
    """
    now = now or timezone.now()
    kind = Kind(kind)
    handoff = (
        Handoff.objects.select_related("lead", "lead__first_touch_campaign", "assigned_to")
        .filter(pk=handoff_id)
        .first()
    )
    recipient = get_user_model().objects.filter(pk=recipient_id, is_active=True).exclude(email="").first()
    if handoff is None or recipient is None or not _is_relevant(handoff, kind, recipient, now):
        return False
    row = notification_claim(handoff=handoff, kind=kind, recipient=recipient, now=now)
    if row is None:
        return False
    try:
        _message(handoff, kind, recipient, now).send()
    except Exception as exc:  # any transport error: record it, the task retries with backoff
        Notification.objects.filter(pk=row.pk).update(state=State.FAILED, last_error=f"{type(exc).__name__}: {exc}")
        raise NotificationFailed(f"{kind} for hand-off {handoff_id} to user {recipient_id}: {exc}") from exc
    Notification.objects.filter(pk=row.pk).update(state=State.SENT, sent_at=timezone.now(), last_error="")
    return True


def notifications_due(*, now=None):
    """Return (handoff_id, kind, recipient_id) of every reminder, breach and failed message that should go out now."""
    now = now or timezone.now()
    level = ServiceLevel.current()
    pending = Handoff.objects.filter(outcome=Handoff.Outcome.PENDING)
    due = []

    reminded = Notification.objects.filter(
        handoff=OuterRef("pk"), kind=Kind.REMINDER, recipient=OuterRef("assigned_to")
    )
    reminders = (
        pending.filter(
            assigned_to__isnull=False, accept_deadline__gt=now, accept_deadline__lte=now + reminder_window(level)
        )
        .exclude(Exists(reminded))
        .order_by("accept_deadline", "pk")
        .values_list("pk", "assigned_to_id")
    )
    due += [(pk, Kind.REMINDER.value, user_id) for pk, user_id in reminders]

    breached = list(
        pending.filter(accept_deadline__lte=now).order_by("accept_deadline", "pk").values_list("pk", flat=True)
    )
    if breached:
        told = set(
            Notification.objects.filter(kind=Kind.BREACH, handoff_id__in=breached).values_list(
                "handoff_id", "recipient_id"
            )
        )
        manager_ids = list(managers().values_list("pk", flat=True))
        due += [
            (pk, Kind.BREACH.value, user_id) for pk in breached for user_id in manager_ids if (pk, user_id) not in told
        ]

    # Messages whose task gave up (mail server down for long): try again, a bounded number of times.
    failed = Notification.objects.filter(
        state=State.FAILED, attempts__lt=MAX_ATTEMPTS, handoff__outcome=Handoff.Outcome.PENDING
    ).values_list("handoff_id", "kind", "recipient_id")
    due += list(failed)
    return due

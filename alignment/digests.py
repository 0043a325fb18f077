"""The weekly digests: build one per audience from alignment.metrics, claim each delivery, send it once.

Every send goes through a DigestDelivery row, unique per (digest, channel, recipient). A
sender first claims its row with a conditional update (pending or failed → sending) and
sends only when the claim changed a row, so a retried, redelivered or repeated run sends
nothing twice. A claimed delivery is never sent again unless it is proven unsent: its send
failed before the message went out whole, or the receiver refused it (``failed``, retried).
A send that failed after the whole message went out — the connection dropped or timed out
while waiting for the answer (crm.delivery.MayHaveArrived, raised by crm.mail and crm.outbound)
— is ``unknown``, and so is a claim left in ``sending`` by a worker that died, after
DIGEST_CLAIM_TIMEOUT (longer than the broker's redelivery, alignment.checks): the receiver may
have the message, so only a manager's resend sends it again.

Digest webhooks post through the kernel's outbound guard (crm.outbound), like the integrations'
webhooks and with their settings: public hosts only unless WEBHOOK_ALLOW_PRIVATE, the connection
pinned to the checked address, no redirects followed, WEBHOOK_TIMEOUT_SECONDS to answer.

The beat builds last week's digests on Monday; ``unsent_sweep`` (every 15 minutes) queues
the deliveries of recent weeks whose task was lost, for instance with the broker.
"""

import datetime
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from alignment import selectors
from alignment.metrics import weekly_metrics
from alignment.models import Audience, Digest, DigestDelivery
from crm import events, outbound
from crm.delivery import MayHaveArrived
from crm.weeks import Week

log = logging.getLogger(__name__)
DELIVERY_STATE = DigestDelivery.State
UNSENT = [DELIVERY_STATE.PENDING, DELIVERY_STATE.FAILED, DELIVERY_STATE.UNKNOWN]
# A pending delivery younger than this is left to the task queued with it; a failed one to its retries.
SWEEP_GRACE = datetime.timedelta(minutes=15)
RETRY_DELAY_MAX_SECONDS = 3600

SECTIONS = {
    Audience.MARKETING: {"acceptance", "rejections", "feedback", "wins_by_source", "speed_by_source"},
    Audience.SALES: {"mqls_by_source", "pending", "breaches", "speed_own"},
    Audience.MANAGERS: {
        "acceptance",
        "rejections",
        "feedback",
        "wins_by_source",
        "mqls_by_source",
        "pending",
        "breaches",
        "funnel",
        "campaigns",
        "capacity",
        "goals",
        "speed_by_rep",
        "speed_by_source",
    },
}
# Where a sales rep's own speed-to-lead figures go: filled in per recipient when sent (personal_bodies).
OWN_SPEED_MARKER = "[tandem:own-speed]"


class DeliveryFailed(Exception):
    """Sending one delivery failed; the row says why and the task retries."""


@dataclass
class RenderedDigest:
    audience: str
    week: Week
    subject: str
    text: str
    html: str
    payload: dict


@dataclass
class PlannedDelivery:
    channel: str
    recipient: str
    user_id: int | None = None


def dashboard_url(week):
    """Return the absolute dashboard address of the week, for e-mails."""
    return f"{settings.SITE_URL}{reverse('home')}?{urlencode({'week': week.label})}"


def digest_render(*, metrics, audience, now=None):
    """Render one audience's digest of the metrics: subject, plain text and HTML (user text escaped)."""
    now = now or metrics.computed_at
    show = SECTIONS[Audience(audience)]
    pending_count, pending = selectors.pending_handoffs(now=now) if "pending" in show else (0, [])
    context = {
        "m": metrics,
        "audience": Audience(audience),
        "show": dict.fromkeys(show, True),
        "feedback": selectors.rejected_handoffs_of_week(week=metrics.week) if "feedback" in show else [],
        "wins_by_source": [
            {"source": source, "wins": n, "revenue": metrics.outcomes.revenue_by_source["first_touch"].get(source, 0)}
            for source, n in metrics.outcomes.won_by_source.items()
        ],
        "own_speed_marker": OWN_SPEED_MARKER,
        "speed_tables": [
            table
            for key, table in (
                ("speed_by_rep", ("Rep", metrics.first_contact.by_rep, False)),
                ("speed_by_source", ("Source", metrics.first_contact.by_source, True)),
            )
            if key in show
        ],
        "pending_count": pending_count,
        "pending": pending,
        "dashboard_url": dashboard_url(metrics.week),
        "archive_url": f"{settings.SITE_URL}{reverse('digest-list')}",
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string("alignment/email/digest_subject.txt", context).split())
    return RenderedDigest(
        audience=audience,
        week=metrics.week,
        subject=subject,
        text=render_to_string("alignment/email/digest.txt", context),
        html=render_to_string("alignment/email/digest.html", context),
        payload=metrics.as_json(),
    )


def personal_bodies(digest, user=None):
    """Return the digest's text and HTML with the reader's own speed-to-lead figures filled in.

    The figures come from the payload stored with the digest, so every copy shows the week as it was built.
    """
    if OWN_SPEED_MARKER not in digest.text_body and OWN_SPEED_MARKER not in digest.html_body:
        return digest.text_body, digest.html_body
    by_rep = ((digest.payload or {}).get("first_contact") or {}).get("by_rep") or {}
    context = {"f": by_rep.get(user.get_username()) if user else None, "personal": user is not None}
    text = render_to_string("alignment/email/_own_speed.txt", context).strip()
    html = render_to_string("alignment/email/_own_speed.html", context).strip()
    return digest.text_body.replace(OWN_SPEED_MARKER, text), digest.html_body.replace(OWN_SPEED_MARKER, html)


def audience_members(audience):
    """Return the active members of the audience's group who have an e-mail address."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=audience)
        .exclude(email="")
        .order_by("email")
        .distinct()
    )


def webhook_url(audience):
    return (getattr(settings, "DIGEST_WEBHOOKS", {}) or {}).get(audience) or ""


def planned_deliveries(audience):
    """Return the deliveries one audience's digest should have: each member's e-mail, and the webhook if set."""
    planned = [
        PlannedDelivery(DigestDelivery.Channel.EMAIL, user.email.lower(), user.pk)
        for user in audience_members(audience)
    ]
    if webhook_url(audience):
        planned.append(PlannedDelivery(DigestDelivery.Channel.WEBHOOK, audience))
    # Two accounts sharing an address still get one e-mail: the constraint is per recipient.
    unique = {}
    for item in planned:
        unique.setdefault((item.channel, item.recipient), item)
    return list(unique.values())


def claim_timeout():
    """Return how long a claim holds: longer than a task may run and than the broker takes to redeliver it."""
    return datetime.timedelta(seconds=settings.DIGEST_CLAIM_TIMEOUT)


def _claimable():
    # Only what is proven unsent: a row in "sending" or "unknown" may have reached its recipient.
    return Q(state__in=[DELIVERY_STATE.PENDING, DELIVERY_STATE.FAILED])


def expired_claims_mark_unknown(*, now, deliveries=None):
    """Mark the deliveries claimed longer than the claim timeout ago, whose sender never reported, ``unknown``.

    Nothing sends them again on its own; a manager resends them from the digest page. Return their number.
    """
    deliveries = DigestDelivery.objects.all() if deliveries is None else deliveries
    expired = deliveries.filter(state=DELIVERY_STATE.SENDING, claimed_at__lt=now - claim_timeout())
    digest_ids = set(expired.values_list("digest_id", flat=True))
    marked = expired.update(
        state=DELIVERY_STATE.UNKNOWN,
        last_error="The sender stopped after claiming it: it may or may not have arrived. Resend it if it did not.",
    )
    for digest_id in digest_ids:
        digest_refresh_state(digest_id=digest_id)
    if marked:
        log.warning("%s digest deliveries have an unknown outcome: their sender stopped mid-send", marked)
    return marked


@transaction.atomic
def weekly_digests_prepare(*, week=None, force=False, now=None):
    """Build (or reuse) the week's digest per audience and its delivery rows; return the ids still to send.

    With force, the content is rebuilt and every delivery that was sent, failed or of unknown outcome
    is reset to pending, so each recipient gets it once more; deliveries in flight are left to their sender.
    """
    now = now or timezone.now()
    week = week or Week.last_complete(now)
    metrics = weekly_metrics(week, now=now)
    to_send = []
    built = False
    for audience in Audience.values:
        digest = Digest.objects.select_for_update().filter(week=week.label, audience=audience).first()
        if digest is None or force:
            built = True
            rendered = digest_render(metrics=metrics, audience=audience, now=now)
            fields = {
                "subject": rendered.subject[:200],
                "text_body": rendered.text,
                "html_body": rendered.html,
                "payload": rendered.payload,
                "created_at": now,
            }
            digest, _ = Digest.objects.update_or_create(week=week.label, audience=audience, defaults=fields)
        for item in planned_deliveries(audience):
            DigestDelivery.objects.get_or_create(
                digest=digest, channel=item.channel, recipient=item.recipient, defaults={"user_id": item.user_id}
            )
        expired_claims_mark_unknown(now=now, deliveries=digest.deliveries.all())
        if force:
            digest.deliveries.exclude(state=DELIVERY_STATE.SENDING).update(state=DELIVERY_STATE.PENDING, last_error="")
        ids = list(digest.deliveries.filter(_claimable()).values_list("pk", flat=True))
        if ids:
            Digest.objects.filter(pk=digest.pk).update(
                attempts=F("attempts") + 1, state=Digest.State.SENDING, sent_at=None if force else F("sent_at")
            )
        else:
            digest_refresh_state(digest_id=digest.pk)
        to_send.extend(ids)
    if built:
        events.emit(events.REPORT_STORED, report=metrics, week=week.label, actor=None)
    return to_send


def delivery_send(*, delivery_id, now=None):
    """Claim one delivery and send it; return "sent", "unknown" or "skipped" (another sender has it, or it is done).

    Raises DeliveryFailed when the send is proven to have failed (the row is ``failed``, to retry). A send
    that may have reached the recipient is ``unknown`` and returns "unknown": retrying it could send twice.
    """
    now = now or timezone.now()
    claimed = (
        DigestDelivery.objects.filter(pk=delivery_id)
        .filter(_claimable())
        .update(state=DELIVERY_STATE.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        # A redelivered task of a sender that died: its claim holds, or its outcome is now unknown.
        expired_claims_mark_unknown(now=now, deliveries=DigestDelivery.objects.filter(pk=delivery_id))
        return "skipped"
    delivery = DigestDelivery.objects.select_related("digest", "user").get(pk=delivery_id)
    try:
        if delivery.channel == DigestDelivery.Channel.EMAIL:
            _send_email(delivery)
        else:
            _post_webhook(delivery)
    except Exception as exc:  # any failure is recorded on the row, never left in "sending"
        uncertain = isinstance(exc, MayHaveArrived)
        error = _error_text(exc, uncertain)
        log.warning("digest delivery %s to %s failed: %s", delivery_id, delivery.recipient, error)
        DigestDelivery.objects.filter(pk=delivery_id, state=DELIVERY_STATE.SENDING).update(
            state=DELIVERY_STATE.UNKNOWN if uncertain else DELIVERY_STATE.FAILED, last_error=error
        )
        digest_refresh_state(digest_id=delivery.digest_id, error=f"{delivery.recipient}: {error}")
        if uncertain:
            return "unknown"
        raise DeliveryFailed(error) from exc
    DigestDelivery.objects.filter(pk=delivery_id).update(
        state=DELIVERY_STATE.SENT, sent_at=timezone.now(), last_error=""
    )
    digest_refresh_state(digest_id=delivery.digest_id)
    return "sent"


def _error_text(exc, uncertain):
    """Return what the row keeps of a failed send: the error, and for an uncertain one what it means."""
    error = f"{type(exc).__name__}: {exc}"
    if uncertain:
        error += " — the recipient may have it. Resend it from the digest's page if it did not arrive."
    return error[:2000]


def _send_email(delivery):
    digest = delivery.digest
    text, html = personal_bodies(digest, delivery.user)
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        headers={"X-Tandem-Digest": f"{digest.week} {digest.audience}"},
    )
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def slack_text(text):
    """Escape the three characters Slack-compatible webhooks treat as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _post_webhook(delivery):
    digest = delivery.digest
    url = webhook_url(digest.audience)
    if not url:
        raise DeliveryFailed(f"no webhook is configured for {digest.audience} any more")
    text, _ = personal_bodies(digest)
    try:
        answer = outbound.post_json(
            url,
            {"text": slack_text(f"*{digest.subject}*\n\n{text}")},
            headers={"User-Agent": "Tandem digests"},
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE,
        )
    except outbound.Refused as exc:
        hint = " (WEBHOOK_ALLOW_PRIVATE=1 allows a receiver on your own network)"
        raise DeliveryFailed(
            f"the webhook address is refused: {exc}{hint if isinstance(exc, outbound.PrivateAddress) else ''}"
        ) from None
    # outbound.Unreachable (never sent whole, retried) and NoAnswer (may have arrived) go up as they are.
    if 300 <= answer.status < 400:
        raise DeliveryFailed(
            f"the webhook answered a redirect ({answer.status}); Tandem posts to the address given only"
        )
    if not 200 <= answer.status < 300:
        raise DeliveryFailed(f"the webhook answered {answer.status}")


@transaction.atomic
def digest_refresh_state(*, digest_id, error=""):
    """Set the digest's state from its deliveries (and record the last error)."""
    digest = Digest.objects.select_for_update().get(pk=digest_id)
    counts = dict(digest.deliveries.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    total = sum(counts.values())
    sent = counts.get(DELIVERY_STATE.SENT, 0)
    failed = counts.get(DELIVERY_STATE.FAILED, 0) + counts.get(DELIVERY_STATE.UNKNOWN, 0)
    if total == sent:
        digest.state = Digest.State.SENT
        digest.sent_at = digest.deliveries.aggregate(last=Max("sent_at"))["last"] or digest.sent_at or timezone.now()
    elif failed == 0 or counts.get(DELIVERY_STATE.PENDING) or counts.get(DELIVERY_STATE.SENDING):
        digest.state = Digest.State.SENDING
    else:
        digest.state = Digest.State.PARTIAL if sent else Digest.State.FAILED
    if error:
        digest.last_error = error
    digest.save(update_fields=["state", "sent_at", "last_error"])
    return digest


def retry_delay(retries):
    """Return the seconds to wait before retry number `retries` + 1: exponential, capped at an hour."""
    return min(settings.DIGEST_RETRY_BASE_SECONDS * 2**retries, RETRY_DELAY_MAX_SECONDS)


def unsent_sweep(*, now=None):
    """Return the ids of the deliveries of the last DIGEST_SWEEP_WEEKS weeks whose queued task was lost.

    That is every pending delivery of a digest built more than SWEEP_GRACE ago, and every failed one
    with retries left whose last attempt is older than the longest retry delay. Expired claims are
    marked ``unknown`` first (and not returned). When the beat's Monday run never happened (the
    broker was down at 07:00), last week's digests are built here and their deliveries returned.
    """
    now = now or timezone.now()
    last = Week.last_complete(now)
    built = []
    if _weekly_run_missed(last, now):
        built = weekly_digests_prepare(week=last, now=now)
    weeks = [last.shift(-n).label for n in range(settings.DIGEST_SWEEP_WEEKS)]
    recent = DigestDelivery.objects.filter(digest__week__in=weeks)
    expired_claims_mark_unknown(now=now, deliveries=recent)
    lost = Q(state=DELIVERY_STATE.PENDING, digest__created_at__lt=now - SWEEP_GRACE) | Q(
        state=DELIVERY_STATE.FAILED,
        attempts__lte=settings.DIGEST_MAX_RETRIES,
        claimed_at__lt=now - datetime.timedelta(seconds=RETRY_DELAY_MAX_SECONDS) - SWEEP_GRACE,
    )
    return sorted(set(built) | set(recent.filter(lost).values_list("pk", flat=True)))


def _weekly_run_missed(week, now):
    """Whether the week's digests are missing SWEEP_GRACE after the beat's Monday run should have built them."""
    schedule = settings.CELERY_BEAT_SCHEDULE.get("weekly-digests", {}).get("schedule")
    if schedule is None:
        return False
    due = week.end + datetime.timedelta(hours=min(schedule.hour), minutes=min(schedule.minute)) + SWEEP_GRACE
    return now >= due and not Digest.objects.filter(week=week.label).exists()


@transaction.atomic
def digest_resend(*, digest_id):
    """Put the digest's failed and unknown deliveries back to pending; return their ids, to be queued.

    The explicit act of a manager (alignment.services.digest_resend checks the role): an ``unknown``
    recipient may get a second copy, which is why nothing does this on its own.
    """
    digest = Digest.objects.select_for_update().get(pk=digest_id)
    deliveries = digest.deliveries.select_for_update().filter(state__in=[DELIVERY_STATE.FAILED, DELIVERY_STATE.UNKNOWN])
    ids = list(deliveries.values_list("pk", flat=True))
    DigestDelivery.objects.filter(pk__in=ids).update(state=DELIVERY_STATE.PENDING, last_error="")
    digest_refresh_state(digest_id=digest.pk)
    return ids

"""Activities, tasks and reported touchpoints logged on a lead."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import Channel
from leads.models import Activity, Touchpoint
from leads.signals import contact_logged


def activity_log(*, lead, actor, kind, subject="", body="", occurred_at=None, assignee=None, due_at=None):
    """Record a call, e-mail, meeting, note or task on the lead.

    A call, e-mail or meeting is a contact: listeners (hand-offs) learn of it in the same
    transaction, so the first contact after a hand-off is stamped exactly once.
    """
    kind = Activity.Kind(kind)
    if kind == Activity.Kind.TASK and due_at is None:
        raise ValidationError({"due_at": "A task needs a due date."})
    if kind != Activity.Kind.TASK and not (subject.strip() or body.strip()):
        raise ValidationError({"body": "Say what happened."})
    now = occurred_at or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.create(
            lead=lead,
            kind=kind,
            user=actor,
            subject=subject.strip()[:200],
            body=body.strip(),
            occurred_at=now,
            assignee=(assignee or actor) if kind == Activity.Kind.TASK else None,
            due_at=due_at if kind == Activity.Kind.TASK else None,
        )
        if kind in Activity.CONTACT_KINDS and actor is not None:
            contact_logged.send(sender=Activity, lead_id=lead.pk, user_id=actor.pk, at=now)
    return activity


def task_complete(*, task, actor, at=None):
    """Mark a task done; it then shows on the lead's timeline as done."""
    if task.kind != Activity.Kind.TASK:
        raise ValidationError("Only tasks can be completed.")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is None:
            locked.done_at = at or timezone.now()
            locked.save(update_fields=["done_at"])
    task.done_at = locked.done_at
    return task


def touchpoint_record_reported(*, lead, actor, channel, campaign=None, note="", occurred_at=None):
    """Record the source the buyer names to sales ("how did you hear about us?") as a touchpoint."""
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choose the channel the buyer named."})
    return Touchpoint.objects.create(
        lead=lead,
        campaign=campaign,
        kind=Touchpoint.Kind.SALES_REPORTED,
        channel=channel,
        note=(note or "").strip()[:500],
        recorded_by=actor,
        occurred_at=occurred_at or timezone.now(),
    )

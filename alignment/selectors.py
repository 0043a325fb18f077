"""Reads of the project package that the digests list (the figures themselves come from alignment.metrics)."""

from django.utils import timezone

from crm.weeks import Week
from handoffs.models import Handoff


def rejected_handoffs_of_week(*, week: Week, limit=50):
    """Return the week's rejected hand-offs with their lead and rep, for the feedback to marketing."""
    return list(
        Handoff.objects.filter(created_at__gte=week.start, created_at__lt=week.end, outcome=Handoff.Outcome.REJECTED)
        .select_related("lead", "responded_by", "assigned_to")
        .order_by("responded_at", "id")[:limit]
    )


def pending_handoffs(*, now=None, limit=25):
    """Return (count, the oldest deadlines first) of the hand-offs waiting for sales now, each marked overdue."""
    now = now or timezone.now()
    waiting = Handoff.objects.filter(outcome=Handoff.Outcome.PENDING)
    rows = list(waiting.select_related("lead", "assigned_to").order_by("accept_deadline", "id")[:limit])
    for handoff in rows:
        handoff.overdue = handoff.accept_deadline < now
    return waiting.count(), rows

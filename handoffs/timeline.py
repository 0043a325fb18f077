"""Hand-off events on the lead's timeline, registered into leads.timeline (leads never imports handoffs)."""

from handoffs.models import Handoff
from leads.timeline import TimelineEntry


def _name(user):
    return "" if user is None else (user.get_full_name() or user.get_username())


def handoff_entries(lead, limit):
    """Return the lead's hand-offs (created, answered, first contact) as timeline entries, in one query."""
    queryset = (
        Handoff.objects.filter(lead=lead)
        .select_related("created_by", "assigned_to", "responded_by")
        .order_by("-created_at", "-id")
    )
    entries = []
    for handoff in queryset if limit is None else queryset[:limit]:
        to = _name(handoff.assigned_to) or "nobody yet (over capacity)"
        entries.append(
            TimelineEntry(
                at=handoff.created_at,
                kind="handoff",
                icon="box-arrow-right",
                title=f"Handed to sales: {to}",
                body=handoff.context_note,
                actor=_name(handoff.created_by) or "Tandem",
                tone="warning",
                order=handoff.pk,
            )
        )
        if handoff.outcome == Handoff.Outcome.ACCEPTED:
            entries.append(
                TimelineEntry(
                    at=handoff.responded_at,
                    kind="handoff",
                    icon="hand-thumbs-up",
                    title="Hand-off accepted",
                    actor=_name(handoff.responded_by),
                    tone="success",
                    order=handoff.pk,
                )
            )
        elif handoff.outcome == Handoff.Outcome.REJECTED:
            entries.append(
                TimelineEntry(
                    at=handoff.responded_at,
                    kind="handoff",
                    icon="hand-thumbs-down",
                    title=f"Hand-off rejected: {handoff.get_reject_reason_display()}",
                    body=handoff.feedback,
                    actor=_name(handoff.responded_by),
                    tone="danger",
                    order=handoff.pk,
                )
            )
    return entries

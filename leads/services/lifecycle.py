"""The lifecycle: the one writer of a lead's status."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm import events
from crm.audit import changes_between, snapshot
from leads.models import Lead, StatusChange, can_transition
from leads.services.base import InvalidTransition, _bump, _lock, _positive_money, _sync, audit_lead
from leads.signals import lead_became_mql


def lead_transition(
    *, lead, to_status, actor, note="", deal_value=None, lost_reason="", version=None, at=None, answering_handoff=False
):
    """Move the lead to a new status, checking the lifecycle, and write its history.

    An MQL leaves its status only by the answer to its hand-off (the hand-off services
    pass ``answering_handoff``): moved any other way, the hand-off would stay pending.

    Raises InvalidTransition for a move the lifecycle forbids, StaleLead when ``version``
    is given and no longer current, ValidationError for a missing deal value or reason.
    """
    try:
        to_status = Lead.Status(to_status)
    except ValueError:
        raise InvalidTransition(getattr(lead, "status", "?"), to_status) from None
    now = at or timezone.now()
    with transaction.atomic():
        # The row lock serialises concurrent moves; the version check refuses stale ones.
        locked = _lock(lead, version)
        if not can_transition(locked.status, to_status):
            raise InvalidTransition(locked.status, to_status)
        if locked.status == Lead.Status.MQL and not answering_handoff:
            raise InvalidTransition(
                locked.status, to_status, "An MQL moves on by the answer to its hand-off: accept or reject it."
            )
        fields = ["status", "status_changed_at"]
        before = snapshot(locked, ["status", "deal_value", "lost_reason"])
        if to_status == Lead.Status.WON:
            locked.deal_value = _positive_money(deal_value)
            fields.append("deal_value")
        if to_status == Lead.Status.LOST:
            if lost_reason not in Lead.LostReason.values:
                raise ValidationError({"lost_reason": "Say why the lead was lost."})
            locked.lost_reason = lost_reason
            fields.append("lost_reason")
        from_status = locked.status
        StatusChange.objects.create(
            lead=locked, from_status=from_status, to_status=to_status, changed_by=actor, changed_at=now, note=note
        )
        locked.status = to_status
        locked.status_changed_at = now
        _bump(locked, fields, now)
        events.emit(
            events.LEAD_STATUS_CHANGED,
            lead=locked,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        if to_status == Lead.Status.WON:
            events.emit(events.LEAD_WON, lead=locked, actor=actor, deal_value=locked.deal_value)
        elif to_status == Lead.Status.LOST:
            events.emit(
                events.LEAD_LOST, lead=locked, actor=actor, lost_reason=locked.lost_reason, deal_value=locked.deal_value
            )
        changes = changes_between(before, snapshot(locked, before))
        if note:
            changes["note"] = {"old": None, "new": note}
        audit_lead(locked, action="status_changed", changes=changes, user=actor, at=now)
        if to_status == Lead.Status.MQL:
            lead_id = locked.pk
            # robust: the lead is committed whatever happens to the announcement (a broker
            # outage must not turn a saved capture into a 500); a periodic sweep routes
            # any MQL whose hand-off was never queued.
            transaction.on_commit(lambda: lead_became_mql.send(sender=Lead, lead_id=lead_id), robust=True)
    _sync(lead, locked)
    return lead

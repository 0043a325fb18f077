"""Writes on hand-offs: create and assign, accept, reject, first contact.

The lead's own changes go through leads.services (dependencies point one way).
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from crm import events
from crm.audit import ObjectType, audit_record, changes_between, snapshot
from crm.errors import Conflict, Refused
from crm.queue import enqueue_on_commit
from handoffs.models import AlertPreference, Handoff, SalesRep, ServiceLevel
from handoffs.notifications import channels_for
from handoffs.webhooks import WebhookRefused, webhook_url_check
from leads.models import OPEN_STATUSES, Lead
from leads.services import InvalidTransition, lead_assign_owner, lead_transition

SALES_GROUP = "sales"
HANDOFF_FIELDS = ("outcome", "assigned_to", "reject_reason", "feedback", "responded_by")
# Free text a person may be named in: kept apart in the audit trail, so erasure can drop it.
HANDOFF_PERSONAL = ("context_note", "feedback")


def _audit_handoff(handoff, *, action, changes, actor, at=None):
    audit_record(
        object_type=ObjectType.HANDOFF,
        object_id=handoff.pk,
        parent_type=ObjectType.LEAD,
        parent_id=handoff.lead_id,
        action=action,
        changes=changes,
        personal_fields=HANDOFF_PERSONAL,
        lead_id=handoff.lead_id,
        user=actor,
        at=at,
    )


def _audit_handoff_change(handoff, before, *, action, actor, at=None):
    changes = changes_between(before, snapshot(handoff, before))
    _audit_handoff(handoff, action=action, changes=changes, actor=actor, at=at)


class HandoffError(Refused):
    """A hand-off change that the rules refuse."""


class HandoffAlreadyAnswered(HandoffError, Conflict):
    code = "already_answered"

    def api_body(self):
        return {**super().api_body(), "current_outcome": self.handoff.outcome}

    def __init__(self, handoff):
        self.handoff = handoff
        super().__init__(f"This hand-off was already {handoff.outcome} and cannot be answered again.")


class HandoffExists(HandoffError, Conflict):
    code = "handoff_pending"

    def __init__(self, lead):
        super().__init__(f"{lead} already has a hand-off waiting for an answer.")


def _queue_assigned_notification(handoff):
    """Queue the "assigned to you" alert on each of the rep's channels once the assigning transaction commits."""
    if handoff.assigned_to_id is None:
        return
    # The webhook first: it is the alert that arrives within seconds. The hand-off is committed
    # whatever the broker says (robust); the periodic scan catches up.
    for user_id, channel in sorted(channels_for([handoff.assigned_to_id]), key=lambda item: item[1] != "webhook"):
        enqueue_on_commit(
            "handoffs.tasks.send_handoff_notification", handoff.pk, "assigned", user_id, channel.value, robust=True
        )


def sales_reps():
    """Return the users who can receive hand-offs: active members of the sales group."""
    return get_user_model().objects.filter(is_active=True, groups__name=SALES_GROUP).distinct()


def rep_loads(user_ids):
    """Return {user_id: open leads (sal, sql) + pending hand-offs assigned} for the users."""
    # Two grouped counts on their (owner, status) and (assignee, outcome) indexes. One query
    # joining both tables would count the product of a rep's whole lead and hand-off history.
    loads = dict.fromkeys(user_ids, 0)
    open_leads = (
        Lead.objects.filter(owner_id__in=user_ids, status__in=OPEN_STATUSES)
        .values_list("owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    pending = (
        Handoff.objects.filter(assigned_to_id__in=user_ids, outcome=Handoff.Outcome.PENDING)
        .values_list("assigned_to_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for user_id, n in [*open_leads, *pending]:
        loads[user_id] += n
    return loads


def pick_assignee(*, level=None, now=None):
    """Return the next rep in the round-robin with room, or None when nobody has any.

    A rep's load counts open leads and pending hand-offs already assigned: a waiting
    hand-off holds a seat. Locks the reps' rows so two concurrent hand-offs take turns.
    """
    level = level or ServiceLevel.current()
    users = list(sales_reps().values_list("pk", flat=True))
    if not users:
        return None
    existing = set(SalesRep.objects.filter(user_id__in=users).values_list("user_id", flat=True))
    SalesRep.objects.bulk_create([SalesRep(user_id=pk) for pk in users if pk not in existing], ignore_conflicts=True)
    reps = list(
        SalesRep.objects.select_for_update()
        .filter(user_id__in=users, accepting=True)
        .order_by("last_assigned_at", "user_id")
    )
    # Never-assigned reps come first (NULLs sort differently per database).
    reps.sort(key=lambda rep: (rep.last_assigned_at is not None, rep.last_assigned_at or now, rep.user_id))
    loads = rep_loads([rep.user_id for rep in reps])
    for rep in reps:
        capacity = rep.capacity if rep.capacity is not None else level.default_rep_capacity
        if loads.get(rep.user_id, 0) < capacity:
            rep.last_assigned_at = now or timezone.now()
            rep.save(update_fields=["last_assigned_at"])
            return rep.user
    return None


def handoff_create(*, lead, actor, context_note="", at=None, assignee=None, notify=True):
    """Hand the lead to sales: make it an MQL if needed, and assign the next rep with room.

    When nobody has room the hand-off waits unassigned and counts as over capacity.
    """
    now = at or timezone.now()
    level = ServiceLevel.current()
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if Handoff.objects.filter(lead=locked, outcome=Handoff.Outcome.PENDING).exists():
            raise HandoffExists(locked)
        if locked.status in (Lead.Status.NEW, Lead.Status.RECYCLED):
            lead_transition(lead=locked, to_status=Lead.Status.MQL, actor=actor, note="Handed off to sales.", at=now)
        elif locked.status != Lead.Status.MQL:
            raise InvalidTransition(locked.status, Lead.Status.MQL)
        if assignee is None:
            assignee = pick_assignee(level=level, now=now)
        try:
            with transaction.atomic():
                handoff = Handoff.objects.create(
                    lead=locked,
                    created_by=actor,
                    assigned_to=assignee,
                    context_note=context_note.strip(),
                    created_at=now,
                    accept_deadline=level.add_working_hours(now, level.hours_to_accept),
                    over_capacity=assignee is None,
                )
        except IntegrityError:
            # A concurrent hand-off of the same lead won the one-pending constraint.
            raise HandoffExists(locked) from None
        created = changes_between({}, snapshot(handoff, ["assigned_to", "context_note", "accept_deadline"]))
        _audit_handoff(handoff, action="created", changes=created, actor=actor, at=now)
        if notify:
            _queue_assigned_notification(handoff)
        events.emit(events.HANDOFF_CREATED, handoff=handoff, actor=actor)
    lead.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return handoff


def handoff_for_new_mql(*, lead_id):
    """Create the hand-off of a lead that just became an MQL, unless one is pending already."""
    lead = Lead.objects.filter(pk=lead_id, status=Lead.Status.MQL).first()
    if lead is None:
        return None
    try:
        return handoff_create(
            lead=lead, actor=None, context_note=f"Score {lead.score}, fit {lead.get_fit_display().lower()}."
        )
    except HandoffExists:
        return None


def handoffs_for_new_mqls(*, lead_ids):
    """Create the hand-offs of leads that just became MQLs (an import's batch); return how many were made."""
    return sum(handoff_for_new_mql(lead_id=lead_id) is not None for lead_id in lead_ids)


def handoffs_for_unrouted_mqls(*, older_than=datetime.timedelta(minutes=5), now=None):
    """Create the missing hand-offs of MQLs that have none pending; return how many were made.

    The hand-off of a new MQL is queued after its commit; when the broker was down at that
    moment nothing was queued. This sweep is the safety net, so no MQL waits unseen.
    """
    cutoff = (now or timezone.now()) - older_than
    lead_ids = list(
        Lead.objects.filter(status=Lead.Status.MQL, status_changed_at__lte=cutoff)
        .exclude(handoffs__outcome=Handoff.Outcome.PENDING)
        .values_list("pk", flat=True)[:500]
    )
    return handoffs_for_new_mqls(lead_ids=lead_ids)


def _lock_pending(handoff):
    locked = Handoff.objects.select_for_update().select_related("lead").get(pk=handoff.pk)
    if locked.outcome != Handoff.Outcome.PENDING:
        raise HandoffAlreadyAnswered(locked)
    return locked


def handoff_accept(*, handoff, actor, at=None):
    """Accept the hand-off: the lead becomes SAL and the accepting rep (or the assignee) its owner."""
    now = at or timezone.now()
    level = ServiceLevel.current()
    with transaction.atomic():
        locked = _lock_pending(handoff)
        before = snapshot(locked, HANDOFF_FIELDS)
        owner = locked.assigned_to or actor
        lead_transition(
            lead=locked.lead,
            to_status=Lead.Status.SAL,
            actor=actor,
            note="Hand-off accepted.",
            at=now,
            answering_handoff=True,
        )
        lead_assign_owner(lead=locked.lead, owner=owner, actor=actor)
        locked.outcome = Handoff.Outcome.ACCEPTED
        locked.assigned_to = owner
        locked.responded_at = now
        locked.responded_by = actor
        locked.first_contact_deadline = level.add_working_hours(now, level.hours_to_first_contact)
        locked.save(update_fields=["outcome", "assigned_to", "responded_at", "responded_by", "first_contact_deadline"])
        events.emit(events.HANDOFF_ACCEPTED, handoff=locked, actor=actor)
        _audit_handoff_change(locked, before, action="accepted", actor=actor, at=now)
    return locked


def handoff_reject(*, handoff, actor, reason, feedback, at=None):
    """Reject the hand-off with a reason and feedback for marketing.

    ``not_ready`` recycles the lead to marketing; every other reason disqualifies it.
    """
    errors = {}
    if reason not in Handoff.RejectReason.values:
        errors["reason"] = "Choose why the lead is rejected."
    if not (feedback or "").strip():
        errors["feedback"] = "Tell marketing what was wrong with this lead."
    if errors:
        raise ValidationError(errors)
    now = at or timezone.now()
    with transaction.atomic():
        locked = _lock_pending(handoff)
        before = snapshot(locked, HANDOFF_FIELDS)
        target = Lead.Status.RECYCLED if reason == Handoff.RejectReason.NOT_READY else Lead.Status.DISQUALIFIED
        label = Handoff.RejectReason(reason).label
        lead_transition(
            lead=locked.lead,
            to_status=target,
            actor=actor,
            note=f"Hand-off rejected: {label}.",
            at=now,
            answering_handoff=True,
        )
        locked.outcome = Handoff.Outcome.REJECTED
        locked.reject_reason = reason
        locked.feedback = feedback.strip()
        locked.responded_at = now
        locked.responded_by = actor
        locked.save(update_fields=["outcome", "reject_reason", "feedback", "responded_at", "responded_by"])
        events.emit(events.HANDOFF_REJECTED, handoff=locked, actor=actor, reason=reason, feedback=locked.feedback)
        _audit_handoff_change(locked, before, action="rejected", actor=actor, at=now)
    return locked


def handoff_assign(*, handoff, actor, assignee, at=None, notify=True):
    """Give a pending hand-off to a rep (a manager's call: capacity is theirs to judge)."""
    if assignee is None or not sales_reps().filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": "Hand-offs go to active sales reps only."})
    with transaction.atomic():
        locked = _lock_pending(handoff)
        previous = locked.assigned_to_id
        before = snapshot(locked, ["assigned_to", "over_capacity"])
        locked.assigned_to = assignee
        locked.over_capacity = False
        locked.save(update_fields=["assigned_to", "over_capacity"])
        _audit_handoff_change(locked, before, action="assigned", actor=actor, at=at)
        # The manager's pick is the rep's turn in the rotation, stamped when it was made
        # (a backdated call must not push the rep behind every later hand-off).
        SalesRep.objects.update_or_create(user=assignee, defaults={"last_assigned_at": at or timezone.now()})
        if notify and previous != assignee.pk:
            _queue_assigned_notification(locked)
    return locked


def sales_rep_update(*, user, actor, accepting, capacity):
    """Set whether the rep takes new hand-offs and their capacity (None: the service level's default)."""
    if not sales_reps().filter(pk=user.pk).exists():
        raise ValidationError({"user": "Only active sales reps have assignment settings."})
    if capacity is not None and capacity < 0:
        raise ValidationError({"capacity": "Capacity cannot be negative."})
    with transaction.atomic():
        current = SalesRep.objects.select_for_update().filter(user=user).first()
        before = snapshot(current, ["accepting", "capacity"]) if current else {}
        rep, _ = SalesRep.objects.update_or_create(user=user, defaults={"accepting": accepting, "capacity": capacity})
        changes = changes_between(before, snapshot(rep, ["accepting", "capacity"]))
        if changes:
            audit_record(
                object_type=ObjectType.SALES_REP, object_id=user.pk, action="updated", changes=changes, user=actor
            )
    return rep


def handoff_record_first_contact(*, lead_id, user_id, at):
    """Stamp the first contact of the owner after an accepted hand-off (once)."""
    return Handoff.objects.filter(
        lead_id=lead_id,
        outcome=Handoff.Outcome.ACCEPTED,
        assigned_to_id=user_id,
        first_contact_at__isnull=True,
        responded_at__lte=at,
    ).update(first_contact_at=at)


def alert_preference_set(*, user, webhook_url, enabled):
    """Set the user's personal alert webhook (checked to be a public http(s) address) and whether it is on."""
    webhook_url = (webhook_url or "").strip()
    if webhook_url:
        try:
            webhook_url_check(webhook_url)
        except WebhookRefused as exc:
            raise ValidationError({"webhook_url": str(exc)}) from None
    elif enabled:
        raise ValidationError({"webhook_url": "Give the webhook address, or switch the webhook off."})
    preference, _ = AlertPreference.objects.update_or_create(
        user=user, defaults={"webhook_url": webhook_url, "enabled": enabled}
    )
    return preference

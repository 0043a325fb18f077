"""Activities, tasks and reported touchpoints logged on a lead."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import Channel
from crm.validators import validate_business_date, validate_occurred_at
from leads.models import Activity, Touchpoint
from leads.selectors import task_assignees
from leads.signals import contact_logged


def activity_problems(*, lead, occurred_at=None, due_at=None, recorded_at=None):
    """Return field errors for an activity's times: the one check of the page, the API and the service.

    ``occurred_at`` may describe the past, but not before the lead existed nor after now (the
    recording time); a task's ``due_at`` lies within the dates Tandem accepts.
    """
    errors = {}
    if occurred_at is not None:
        try:
            validate_occurred_at(occurred_at, not_before=lead.created_at, recorded_at=recorded_at or timezone.now())
        except ValidationError as error:
            errors["occurred_at"] = error.messages
    if due_at is not None:
        try:
            validate_business_date(due_at)
        except ValidationError as error:
            errors["due_at"] = error.messages
    return errors


def assignee_problems(*, actor, assignee):
    """Return field errors when the actor may not give a task to the assignee (leads.selectors.task_assignees)."""
    if assignee is None or (actor is not None and assignee.pk == actor.pk):
        return {}
    if actor is None or not task_assignees(actor).filter(pk=assignee.pk).exists():
        return {"assignee": ["You may give tasks only to yourself (a manager: to any sales rep)."]}
    return {}


def activity_log(*, lead, actor, kind, subject="", body="", occurred_at=None, assignee=None, due_at=None, at=None):
    """Record a call, e-mail, meeting, note or task on the lead.

    ``occurred_at`` is when it happened as the user tells it (default: now); the activity is
    stamped ``recorded_at`` with the server's time, ``at`` (only a replay such as the demo
    seeding passes it). A call, e-mail or meeting is a contact: listeners (hand-offs) learn of
    it in the same transaction, at its recording time, so the first contact after a hand-off
    is stamped exactly once and cannot be backdated.
    """
    kind = Activity.Kind(kind)
    if kind == Activity.Kind.TASK and due_at is None:
        raise ValidationError({"due_at": "A task needs a due date."})
    if kind != Activity.Kind.TASK and not (subject.strip() or body.strip()):
        raise ValidationError({"body": "Say what happened."})
    recorded_at = at or timezone.now()
    errors = activity_problems(lead=lead, occurred_at=occurred_at, due_at=due_at, recorded_at=recorded_at)
    if kind == Activity.Kind.TASK:
        errors.update(assignee_problems(actor=actor, assignee=assignee))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            lead=lead,
            kind=kind,
            user=actor,
            subject=subject.strip()[:200],
            body=body.strip(),
            occurred_at=occurred_at or recorded_at,
            recorded_at=recorded_at,
            assignee=(assignee or actor) if kind == Activity.Kind.TASK else None,
            due_at=due_at if kind == Activity.Kind.TASK else None,
        )
        if kind in Activity.CONTACT_KINDS and actor is not None:
            contact_logged.send(sender=Activity, lead_id=lead.pk, user_id=actor.pk, at=recorded_at)
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

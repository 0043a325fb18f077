"""Writes of the project package: the service level, the quarterly goals, a digest's resend."""

from django.db import transaction

from alignment import digests
from alignment.models import QuarterlyGoal
from crm import roles
from crm.audit import ObjectType, audit_change, snapshot
from crm.queue import enqueue_on_commit
from crm.roles import Perm
from handoffs.models import Holiday, ServiceLevel

SERVICE_LEVEL_FIELDS = (
    "hours_to_accept",
    "hours_to_first_contact",
    "weekly_mql_target",
    "default_rep_capacity",
    "time_zone",
    "working_days",
    "day_starts_at",
    "day_ends_at",
    "alerts_outside_working_hours",
)
GOAL_FIELDS = ("mqls", "accepted", "wins", "revenue")


@transaction.atomic
def service_level_update(*, actor, holidays=None, **values):
    """Change the marketing-sales agreement (managers only) and return it.

    ``holidays``, when given, is the whole list of (date, name) days off: it replaces the stored one.
    """
    roles.require(actor, Perm.MANAGE_TEAM)
    level = ServiceLevel.current()
    level = ServiceLevel.objects.select_for_update().get(pk=level.pk)
    before = snapshot(level, SERVICE_LEVEL_FIELDS)
    for name in SERVICE_LEVEL_FIELDS:
        if name in values:
            setattr(level, name, values[name])
    level.updated_by = actor
    level.full_clean()
    level.save()
    audit_change(object_type=ObjectType.SERVICE_LEVEL, obj=level, before=before, user=actor)
    if holidays is not None:
        days = dict(holidays)
        Holiday.objects.exclude(date__in=days).delete()
        for date, name in days.items():
            Holiday.objects.update_or_create(date=date, defaults={"name": name})
    return level


@transaction.atomic
def quarterly_goal_set(*, year, quarter, actor, **values):
    """Set the targets of one calendar quarter (managers only) and return the goal."""
    roles.require(actor, Perm.MANAGE_TEAM)
    goal, _ = QuarterlyGoal.objects.select_for_update().get_or_create(year=year, quarter=quarter)
    before = snapshot(goal, GOAL_FIELDS)
    for name in GOAL_FIELDS:
        if name in values:
            setattr(goal, name, values[name])
    goal.updated_by = actor
    goal.full_clean()
    goal.save()
    audit_change(object_type=ObjectType.GOAL, obj=goal, before=before, user=actor)
    return goal


@transaction.atomic
def digest_resend(*, digest, actor):
    """Send the digest's failed and outcome-unknown deliveries once more (managers only); return how many.

    A recipient whose delivery's outcome was unknown may get a second copy: that is the manager's call.
    """
    roles.require(actor, Perm.MANAGE_TEAM)
    ids = digests.digest_resend(digest_id=digest.pk)
    for delivery_id in ids:
        enqueue_on_commit("crm.tasks.deliver_digest", delivery_id)
    return len(ids)

"""Writes of the project package: the service level and the quarterly goals."""

from django.db import transaction

from alignment.models import QuarterlyGoal
from crm import roles
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
    for name in SERVICE_LEVEL_FIELDS:
        if name in values:
            setattr(level, name, values[name])
    level.updated_by = actor
    level.full_clean()
    level.save()
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
    for name in GOAL_FIELDS:
        if name in values:
            setattr(goal, name, values[name])
    goal.updated_by = actor
    goal.full_clean()
    goal.save()
    return goal

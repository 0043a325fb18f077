"""Template helpers of the hand-off pages."""

from django import template

from handoffs.clock import working_clock
from handoffs.models import ServiceLevel

register = template.Library()

FIT_BADGES = {"good": "text-bg-success", "partial": "text-bg-warning", "poor": "text-bg-secondary"}
OUTCOME_BADGES = {"pending": "text-bg-warning", "accepted": "text-bg-success", "rejected": "text-bg-danger"}


@register.simple_tag(takes_context=True)
def sla_clock(context, deadline, now):
    """Return the service-level clock of the deadline seen at ``now``, in the team's working time.

    The view passes the team's calendar as ``sla_calendar``; without it the tag reads it once per render.
    """
    calendar = context.get("sla_calendar")
    if calendar is None:
        calendar = ServiceLevel.current().calendar()
        context.dicts[0]["sla_calendar"] = calendar
    return working_clock(deadline, now, calendar)


@register.filter
def fit_badge(fit):
    """Return the Bootstrap badge class of an ICP fit."""
    return FIT_BADGES.get(fit, "text-bg-secondary")


@register.filter
def outcome_badge(outcome):
    """Return the Bootstrap badge class of a hand-off outcome."""
    return OUTCOME_BADGES.get(outcome, "text-bg-secondary")


@register.filter
def load_bar(percent):
    """Return the progress-bar colour of a load percentage."""
    if percent >= 100:
        return "bg-danger"
    if percent >= 75:
        return "bg-warning"
    return "bg-success"

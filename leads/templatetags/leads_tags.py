"""Presentation helpers of the lead pages."""

from django import template

register = template.Library()

STATUS_CLASSES = {
    "new": "text-bg-light border",
    "mql": "text-bg-info",
    "sal": "text-bg-primary",
    "sql": "text-bg-warning",
    "won": "text-bg-success",
    "lost": "text-bg-danger",
    "recycled": "text-bg-secondary",
    "disqualified": "text-bg-dark",
}
FIT_CLASSES = {"good": "text-success", "partial": "text-warning-emphasis", "poor": "text-body-secondary"}


@register.filter
def status_class(status):
    """Return the Bootstrap badge classes of a lead status."""
    return STATUS_CLASSES.get(str(status), "text-bg-secondary")


@register.filter
def fit_class(fit):
    """Return the text colour class of an ICP fit."""
    return FIT_CLASSES.get(str(fit), "")


@register.filter
def person(user):
    """Return a user's full name, or their username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()

"""Filters that show values which may be missing: a user's name behind a nullable relation.

A relation followed inside a filter's argument (``{{ a.b.name|default:a.b.username }}``) raises
when ``a.b`` is empty — Django resolves filter arguments strictly — so the page answers 500.
Show people through ``person`` instead: it takes the user, or None.
"""

from django import template

from crm.validators import BIDI_CONTROLS

register = template.Library()


@register.filter
def person(user, empty="—"):
    """Return the user's full name, else the username, without direction controls; ``empty`` when there is no user."""
    if user is None or user == "" or not getattr(user, "is_authenticated", False):
        return empty
    # User names are typed in the admin, outside the forms that refuse direction controls.
    return BIDI_CONTROLS.sub("", user.get_full_name() or user.get_username())

"""Reads of the personal-data pages: a person found by e-mail."""

from leads.services import lead_by_email


def person_by_email(email):
    """Return the lead of the e-mail (its own or a merged duplicate's), or None; ValidationError if malformed."""
    return lead_by_email(email)

"""Validators every app shares: what user-typed text and dates may hold.

Pages, the API and imports reach them through the same forms, serializers, model fields and
services, so one rule answers the same everywhere. Each block is one rule.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

# --- Business dates ---------------------------------------------------------------------
# The dates Tandem accepts for spend, campaigns and activities (README, "Dates"). A date outside
# is a typing slip (0202 for 2026) or an attack on the week arithmetic, never a real record:
# it would make reports span millennia and push week numbers past what the calendar can hold.
# Defined here alone: crm.weeks derives from them the weeks and quarters a report may name.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


def date_out_of_range_message():
    return f"Use a date from {EARLIEST_DATE:%Y-%m-%d} to {LATEST_DATE:%Y-%m-%d}."


def validate_business_date(value):
    """Refuse a date (or date-time, read in the site's time zone) outside EARLIEST_DATE..LATEST_DATE."""
    if value is None:
        return
    # An aware value at the edge may be another day here than in UTC; a day's slack is harmless.
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(date_out_of_range_message(), code="date_out_of_range")


def validate_occurred_at(value, *, not_before, recorded_at):
    """Refuse when a reported time lies before ``not_before`` (e.g. the lead's creation) or after
    ``recorded_at`` (the server's time of recording): the past may be described, not invented."""
    validate_business_date(value)
    if value > recorded_at:
        raise ValidationError("This time is in the future; log what already happened.", code="future")
    if not_before is not None and value < not_before:
        when = timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")
        raise ValidationError(f"This time is before the lead existed ({when}).", code="before_lead")


# --- Names: control characters ------------------------------------------------------------
# C0 (U+0000–U+001F, tab and newlines included), DEL and C1 (U+007F–U+009F) never belong in a
# name: they break CSV exports and e-mails, and C1 bytes are what a latin-1 file read as another
# encoding leaves behind.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def validate_name_text(value):
    """Refuse C0 and C1 control characters (and DEL) in a name."""
    if value and _CONTROL.search(str(value)):
        raise ValidationError("Remove the control characters (invisible codes) from this name.", code="control")


# --- Names: bidirectional controls (issue 16.14, edgeweb) ---------------------------------
# Right-to-left overrides, embeddings, isolates and marks (U+202A–U+202E, U+2066–U+2069,
# U+200E, U+200F, U+061C) reorder what a page, an e-mail or a CSV viewer shows: "Acme‮fdp.exe"
# reads as "Acmeexe.pdf". No name needs them — right-to-left scripts display without them — so
# every name field (leads, campaigns, variants, capture forms, scoring rules) refuses them.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def refuse_bidi_controls(value):
    """Refuse the Unicode controls that reorder displayed text (right-to-left overrides and the like)."""
    if value and BIDI_CONTROLS.search(str(value)):
        raise ValidationError(
            "Remove the direction controls (invisible characters that reorder text) from this name.", code="bidi"
        )

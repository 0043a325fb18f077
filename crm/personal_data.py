"""Personal data that apps above the privacy pages keep in rows of their own (webhook bodies, say).

The privacy app exports and erases a person's data across every app, but must not import the apps
beside or above it. Each such app registers a holder in its ``AppConfig.ready``: ``export(lead_id)``
returns its rows about the lead as JSON-ready data, ``erase(lead_id)`` removes the personal data from
them (inside the erasure's transaction) and returns ``{what: how many rows}``, never the values.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from crm.audit import plain


@dataclass(frozen=True)
class Holder:
    export: Callable
    erase: Callable


_holders = {}


def register(label, *, export, erase):
    """Register the holder ``label`` (an app label); registering it again replaces it."""
    _holders[label] = Holder(export=export, erase=erase)


def holders():
    return dict(sorted(_holders.items()))


def rows(queryset):
    """Return the rows as JSON-ready dicts of every concrete column, in primary-key order."""
    fields = list(queryset.model._meta.concrete_fields)
    return [{field.name: _value(getattr(row, field.attname)) for field in fields} for row in queryset.order_by("pk")]


def _value(value):
    return str(value) if isinstance(value, uuid.UUID) else plain(value)

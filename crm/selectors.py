"""Reads of the kernel's own rows: the audit trail."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from crm.models import AuditEntry


def audit_entries(*, object_type="", object_id="", actor="", since=None, until=None):
    """Return the entries matching the filters, newest first, with their personal values joined.

    ``object_type`` and ``object_id`` match an entry about the object or about one of its parts
    (a hand-off or spend entry shows under its lead or campaign); ``actor`` matches the actor's
    label; ``since``/``until`` are dates, both included, in the project's time zone.
    """
    entries = AuditEntry.objects.select_related("personal")
    if object_type and object_id:
        entries = entries.filter(
            Q(object_type=object_type, object_id=object_id) | Q(parent_type=object_type, parent_id=object_id)
        )
    elif object_type:
        entries = entries.filter(object_type=object_type)
    elif object_id:
        entries = entries.filter(object_id=object_id)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if since:
        entries = entries.filter(at__gte=_start_of(since))
    if until:
        entries = entries.filter(at__lt=_start_of(until + datetime.timedelta(days=1)))
    return entries.order_by("-at", "-id")


def audit_trail_of(object_type, obj, *, limit=20):
    """Return the newest entries about the object and its parts, for the card on its page."""
    return audit_entries_shown(audit_entries(object_type=object_type, object_id=str(obj.pk))[:limit])


def audit_trail_of_types(object_types, *, limit=20):
    """Return the newest entries about any object of these types (shared settings: scoring, the team)."""
    entries = AuditEntry.objects.select_related("personal").filter(object_type__in=object_types)
    return audit_entries_shown(entries[:limit])


# Fields whose values the trail keeps as a user's id (crm.audit.plain keeps a row as its key).
AUDIT_USER_FIELDS = frozenset({"owner", "assigned_to", "responded_by", "updated_by"})


def _user_id(name, value):
    return value if name in AUDIT_USER_FIELDS and type(value) is int else None


def audit_entries_shown(entries):
    """Return the entries as a list, each with ``shown_changes``: its field changes, people by name.

    The names of every user the entries mention are read in one query, however many entries
    and people there are.
    """
    entries = list(entries)
    changes = {entry.pk: entry.field_changes() for entry in entries}
    ids = {_user_id(name, value) for rows in changes.values() for name, *values, _ in rows for value in values}
    ids.discard(None)
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}

    def shown(name, value):
        user_id = _user_id(name, value)
        if user_id is None:
            return value
        return names.get(user_id, f"user {user_id} (deleted)")

    for entry in entries:
        entry.shown_changes = [
            (name, shown(name, old), shown(name, new), erased) for name, old, new, erased in changes[entry.pk]
        ]
    return entries


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

"""Reads of the kernel's own rows: the audit trail."""

import datetime

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
    return list(audit_entries(object_type=object_type, object_id=str(obj.pk))[:limit])


def audit_trail_of_types(object_types, *, limit=20):
    """Return the newest entries about any object of these types (shared settings: scoring, the team)."""
    return list(AuditEntry.objects.select_related("personal").filter(object_type__in=object_types)[:limit])


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

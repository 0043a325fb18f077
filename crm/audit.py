"""The audit trail's one writer: who changed what and when.

Services call ``audit_record`` inside the transaction of the change they make, so an entry
exists exactly when its change was committed. Who acted is taken from the context:
``acting_as(actor)`` is set by ``AuditContextMiddleware`` for each request (the signed-in
user or the API token's owner), by the import job and by tasks; a service called outside any
context falls back to the user it was given, or to the system.
"""

import datetime
import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone

from crm.models import AuditEntry, AuditPersonalValues

Kind = AuditEntry.ActorKind
ObjectType = AuditEntry.ObjectType


@dataclass(frozen=True)
class Actor:
    """Who acts: a kind (user, token, import, system), an id and a label kept as they were."""

    kind: str
    id: str = ""
    label: str = ""

    @classmethod
    def for_user(cls, user):
        return cls(Kind.USER, str(user.pk), user.get_username())

    @classmethod
    def for_token(cls, user):
        # Never the key: a token's primary key is its secret.
        return cls(Kind.TOKEN, str(user.pk), f"{user.get_username()} (API token)")

    @classmethod
    def for_import(cls, job_id, label=""):
        return cls(Kind.IMPORT, str(job_id), label or f"import #{job_id}")

    @classmethod
    def system(cls, label="system"):
        return cls(Kind.SYSTEM, "", label)


_actor = ContextVar("tandem_audit_actor", default=None)
_request_id = ContextVar("tandem_audit_request_id", default="")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@contextmanager
def acting_as(actor, *, request_id=None):
    """Attribute every entry written inside the block to the actor (an Actor or a callable returning one)."""
    actor_token = _actor.set(actor)
    id_token = _request_id.set(request_id) if request_id is not None else None
    try:
        yield actor
    finally:
        _actor.reset(actor_token)
        if id_token is not None:
            _request_id.reset(id_token)


def current_actor(user=None):
    """Return the actor in context, else the given user, else the system."""
    actor = _actor.get()
    if callable(actor):
        actor = actor()
    if actor is not None:
        return actor
    if user is not None and getattr(user, "is_authenticated", False):
        return Actor.for_user(user)
    return Actor.system()


def current_request_id():
    return _request_id.get()


def plain(value):
    """Return the value as JSON keeps it: money and times as strings, a row as its primary key."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return format(value, "f")  # positional: str() writes a computed 8368000 as 8.368E+6
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def snapshot(instance, fields):
    """Return {field: value} of the instance, foreign keys as ids, ready for ``changes_between``."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = plain(getattr(instance, field.attname))
    return values


def changes_between(before, after):
    """Return {field: {"old": …, "new": …}} for each field whose value differs."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = plain(before.get(name)), plain(after.get(name))
        if old != new:
            changed[name] = {"old": old, "new": new}
    return changed


def audit_record(
    *,
    object_type,
    object_id,
    action,
    changes=None,
    personal_fields=(),
    lead_id=None,
    parent_type="",
    parent_id="",
    user=None,
    at=None,
):
    """Append an entry for a change made in the current transaction; return it.

    ``personal_fields`` name the changes that hold a person's data: their values go to the
    entry's personal row, keyed by ``lead_id`` (the lead they describe), and the entry keeps
    only that they changed.
    """
    actor = current_actor(user)
    changes = plain(changes or {})
    personal = {name: changes[name] for name in personal_fields if name in changes}
    if personal and lead_id is None:
        raise ValueError("Personal values need the lead they describe.")
    public = {name: ({"personal": True} if name in personal else value) for name, value in changes.items()}
    entry = AuditEntry.objects.create(
        object_type=ObjectType(object_type),
        object_id=str(object_id),
        parent_type=parent_type,
        parent_id=str(parent_id or ""),
        action=action,
        changes=public,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label[:150],
        at=at or timezone.now(),
        request_id=current_request_id(),
    )
    if personal:
        AuditPersonalValues.objects.create(entry=entry, lead_id=lead_id, changes=personal)
    return entry


def audit_records(*, object_type, action, changes_by_id, at=None):
    """Append one entry per object in one statement (a batch's changes, without personal values)."""
    actor, now, request_id = current_actor(), at or timezone.now(), current_request_id()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            object_type=ObjectType(object_type),
            object_id=str(object_id),
            action=action,
            changes=plain(changes),
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_label=actor.label[:150],
            at=now,
            request_id=request_id,
        )
        for object_id, changes in changes_by_id
    )


def audit_change(*, object_type, obj, before, action="updated", **kwargs):
    """Record the difference between ``before`` (a snapshot) and the object now, if any."""
    changes = changes_between(before, snapshot(obj, before.keys()))
    if not changes:
        return None
    return audit_record(object_type=object_type, object_id=obj.pk, action=action, changes=changes, **kwargs)


_flushing = ContextVar("tandem_audit_flushing", default=False)


@contextmanager
def audit_flush_allowed():
    """Let a test run's flush empty the trail on SQLite (PostgreSQL's flush truncates, which no row trigger sees).

    SQLite's flush deletes row by row, which the append-only trigger refuses unless the function
    ``tandem_audit_flushing()``, registered on this process's connections, says a flush is under way.
    A connection without it (the sqlite3 shell) cannot delete an entry at all.
    """
    token = _flushing.set(True)
    try:
        yield
    finally:
        _flushing.reset(token)


def register_sqlite_functions(sender, connection, **kwargs):
    """Give each SQLite connection the function the append-only trigger asks (connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("tandem_audit_flushing", 0, lambda: int(_flushing.get()))


def new_request_id(header_value=""):
    """Return the caller's request id when it is a plain token, else a fresh one."""
    return header_value if REQUEST_ID.match(header_value or "") else uuid.uuid4().hex

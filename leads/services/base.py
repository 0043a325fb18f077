"""Shared parts of the lead services: their refusals, e-mail keys, row locks and version bumps."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import router, transaction
from django.db.models import Subquery, signals
from django.db.models.constants import OnConflict
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from crm.audit import ObjectType, audit_record, plain
from crm.errors import Conflict, Refused
from leads.models import Lead, LeadAlias
from leads.prepared import PreparedQuery


class LeadError(Refused):
    """A lead change that the rules refuse."""


class InvalidTransition(LeadError):
    def __init__(self, from_status, to_status, reason=""):
        self.from_status, self.to_status = from_status, to_status
        super().__init__(reason or f"A lead cannot move from {from_status} to {to_status}.")

    def api_body(self):
        return {"to_status": [str(self)]}


class StaleLead(LeadError, Conflict):
    """The caller edited an older version of the lead; ``current`` is the fresh row."""

    code = "stale"

    def api_body(self):
        return {**super().api_body(), "current_version": self.current.version, "current_status": self.current.status}

    def __init__(self, current):
        self.current = current
        super().__init__(
            "Someone else changed this lead while you were looking at it. Nothing was saved; here is its current state."
        )


# Fields a capture, import or edit may set on a lead.
PROFILE_FIELDS = ("first_name", "last_name", "phone", "company", "title", "industry", "company_size", "country")
MAX_COMPANY_SIZE = 10_000_000
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
# A person's own data on a lead: what erasure replaces, and what the audit trail keeps apart
# (crm.audit's personal values) so that erasure can drop it there too. Free-text notes count.
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "company", "title")
AUDIT_PERSONAL = (*PERSONAL_FIELDS, "note")


# What a lead's "created" entry in the audit trail records: where it came from and how it scored
# (never personal values, so that the entry needs nothing from erasure). Leads made by a person
# or a token are recorded; a website visitor's are not (the touchpoint names the form), nor an
# import's (its job names who imported the file; an entry a row cost as much as the row's import).
CREATED_AUDIT_FIELDS = ("source", "first_touch_campaign", "score", "fit")


def lead_created_changes(lead):
    """Return the changes of a lead's "created" entry (of a Lead, or of the bulk import's plain rows)."""
    fields = (Lead._meta.get_field(name) for name in CREATED_AUDIT_FIELDS)
    return {field.name: {"old": None, "new": plain(getattr(lead, field.attname))} for field in fields}


def audit_lead(lead, *, action, changes, user=None, at=None):
    """Append the lead's change to the audit trail, its personal values kept apart."""
    return audit_record(
        object_type=ObjectType.LEAD,
        object_id=lead.pk,
        action=action,
        changes=changes,
        personal_fields=AUDIT_PERSONAL,
        lead_id=lead.pk,
        user=user,
        at=at,
    )


def normalize_email(value):
    """Return the e-mail trimmed and lower-cased, or raise ValidationError."""
    email = (value or "").strip().lower()
    if not email:
        raise ValidationError({"email": "An e-mail address is required."})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from None
    return email


def _lead_by_email_query(email, lock):
    own = Lead.objects.alias(email_lower=Lower("email")).filter(email_lower=email).order_by().values("pk")[:1]
    # A merged duplicate's e-mail lives on as an alias of the lead that survived it.
    aliased = (
        LeadAlias.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=email)
        .order_by("lead_id")
        .values("lead_id")[:1]
    )
    queryset = Lead.objects.filter(pk=Coalesce(Subquery(own), Subquery(aliased))).order_by()
    return queryset.select_for_update() if lock else queryset


_LEAD_BY_EMAIL = {
    lock: PreparedQuery(lambda email, lock=lock: _lead_by_email_query(email, lock), "probe@lead-by-email.invalid")
    for lock in (False, True)
}


def lead_by_email(email, *, lock=False):
    """Return the lead with this e-mail or alias (case-insensitive, on the functional indexes) or None.

    One statement: the lead whose own e-mail it is, else the lead a merged duplicate's e-mail
    (an alias) points at. Each is a lookup on its unique index, and the lead is then read
    (and locked) by its primary key.
    """
    email = normalize_email(email)
    if lock and transaction.get_autocommit():
        # As select_for_update() refuses, once the SQL is compiled as well.
        raise transaction.TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    return _LEAD_BY_EMAIL[bool(lock)].first(email)


def _insert_unless_taken(lead):
    """INSERT the new lead unless its e-mail is taken (ON CONFLICT DO NOTHING); return whether it was.

    Without a savepoint: a concurrent capture that inserted the e-mail first makes ours a
    no-op (PostgreSQL waits for that transaction and skips the row if it commits) instead of
    an IntegrityError that would abort the transaction. Otherwise what Model.save() does for
    a new row: the same fields, the pre_save values (updated_at) and the save signals.
    """
    meta, using = Lead._meta, router.db_for_write(Lead, instance=lead)
    signals.pre_save.send(sender=Lead, instance=lead, raw=False, using=using, update_fields=None)
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    returning = meta.db_returning_fields
    rows = Lead._base_manager._insert(
        [lead], fields=fields, returning_fields=returning, using=using, on_conflict=OnConflict.IGNORE
    )
    if not rows or rows[0] is None:
        return False
    for value, field in zip(rows[0], returning, strict=True):
        setattr(lead, field.attname, value)
    lead._state.adding, lead._state.db = False, using
    signals.post_save.send(sender=Lead, instance=lead, created=True, update_fields=None, raw=False, using=using)
    return True


def _bump(lead, fields, now=None):
    lead.version += 1
    lead.updated_at = now or timezone.now()
    lead.save(update_fields=[*fields, "version", "updated_at"])


def _lock(lead, version=None):
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if version is not None and int(version) != locked.version:
        raise StaleLead(locked)
    return locked


def _sync(target, source):
    """Copy the fresh row's state onto the caller's instance."""
    target.__dict__.update({k: v for k, v in source.__dict__.items() if not k.startswith("_")})


def _positive_money(value):
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise ValidationError({"deal_value": "A won lead needs a deal value above zero."})
    return amount

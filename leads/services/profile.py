"""Edits of a lead's profile and owner, and the recompute of every score."""

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.audit import changes_between, snapshot
from leads import scoring
from leads.models import Lead
from leads.services.base import PROFILE_FIELDS, _bump, _lock, _sync, audit_lead, lead_by_email, normalize_email
from leads.services.capture import _clean_profile


def lead_update(*, lead, actor, version=None, **changes):
    """Change a lead's profile fields (not its status or owner) and recompute its score."""
    unknown = set(changes) - set(PROFILE_FIELDS) - {"email"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    with transaction.atomic():
        locked = _lock(lead, version)
        before = snapshot(locked, [*changes, "score", "fit"])
        fields = []
        if "email" in changes:
            email = normalize_email(changes.pop("email"))
            other = lead_by_email(email)
            if other is not None and other.pk != locked.pk:
                raise ValidationError({"email": "Another lead already has this e-mail address."})
            locked.email = email
            fields.append("email")
        cleaned = _clean_profile(changes)
        for field in changes:
            value = cleaned.get(field, None if field == "company_size" else "")
            setattr(locked, field, value)
            fields.append(field)
        locked.score, locked.fit = scoring.evaluate(locked, scoring.ScoringConfig.load())
        _bump(locked, [*fields, "score", "fit"])
        audit_lead(locked, action="updated", changes=changes_between(before, snapshot(locked, before)), user=actor)
    _sync(lead, locked)
    return lead


def lead_assign_owner(*, lead, owner, actor, version=None):
    """Make the user the lead's owner (the rep who works it)."""
    with transaction.atomic():
        locked = _lock(lead, version)
        before = snapshot(locked, ["owner"])
        locked.owner = owner
        _bump(locked, ["owner"])
        changes = changes_between(before, snapshot(locked, before))
        audit_lead(locked, action="owner_changed", changes=changes, user=actor)
    _sync(lead, locked)
    return lead


def scores_recompute(*, lead_ids=None, batch_size=2000):
    """Recompute score and fit of the given leads (all when None) in batches; return how many changed.

    Status is not changed here: a rule change re-ranks leads, it does not flood sales with MQLs.
    """
    config = scoring.ScoringConfig.load()
    queryset = Lead.objects.order_by("pk").only("pk", "email", "score", "fit", "source", *PROFILE_FIELDS)
    if lead_ids is not None:
        queryset = queryset.filter(pk__in=lead_ids)
    changed = 0
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return changed
        dirty = []
        for lead in batch:
            score, fit = scoring.evaluate(lead, config)
            if (score, fit) != (lead.score, lead.fit):
                lead.score, lead.fit = score, fit
                dirty.append(lead)
        if dirty:
            with transaction.atomic():
                Lead.objects.bulk_update(dirty, ["score", "fit"])
            changed += len(dirty)
        last_pk = batch[-1].pk

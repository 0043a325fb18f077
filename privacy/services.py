"""A person's data: everything Tandem holds about one lead, exported or erased.

Erasure replaces what identifies the person (the lead's personal fields, its touchpoints' page
URLs, every free-text note about it, the e-mail aliases of merged duplicates, the personal values
in the audit trail, the hand-off alerts' errors, and what the apps registered with
``crm.personal_data`` hold, such as webhook bodies) and keeps every row the weekly numbers count,
with the columns they read (times, statuses, sources, campaigns, deal values, reasons), so every
past week's report is unchanged. The erasure itself is logged in the audit trail, naming the fields but not the values.
"""

from django.db import transaction
from django.utils import timezone

from crm.audit import ObjectType, audit_record, plain
from crm.errors import Conflict
from crm.models import AuditPersonalValues
from crm.personal_data import holders, rows
from crm.selectors import audit_entries
from handoffs.models import Handoff, Notification
from leads.models import Activity, Lead, LeadAlias, StatusChange, Touchpoint
from leads.services.base import PERSONAL_FIELDS

ERASED = "[erased]"
ERASED_DOMAIN = "erased.invalid"

# Free text and addresses on the rows about a lead, by model: replaced on erasure.
FREE_TEXT = {
    Touchpoint: ("page_url", "note"),
    StatusChange: ("note",),
    Activity: ("subject", "body"),
    Handoff: ("context_note", "feedback"),
}


class AlreadyErased(Conflict):
    """The lead's personal data is already erased."""

    code = "already_erased"


def erased_email(lead_id):
    """Return the placeholder address an erased lead keeps (unique, and never a real inbox)."""
    return f"erased-{lead_id}@{ERASED_DOMAIN}"


def is_erased(lead):
    return lead.email == erased_email(lead.pk)


def person_export(*, lead):
    """Return everything Tandem holds about the lead's person, as JSON-ready data."""
    related = {}
    # Every row pointing at the lead, from any app (hand-offs, activities …), as a merge moves them.
    for relation in Lead._meta.related_objects:
        if relation.many_to_many:
            continue
        manager = relation.related_model._base_manager
        related[relation.related_model._meta.label_lower] = rows(manager.filter(**{relation.field.name: lead}))
    # The hand-off alerts (their errors may quote a receiver's answer) and the other apps' rows.
    related["handoffs.notification"] = rows(Notification.objects.filter(handoff__lead=lead))
    for holder in holders().values():
        related |= holder.export(lead.pk)
    trail = []
    for entry in audit_entries(object_type=ObjectType.LEAD, object_id=str(lead.pk)):
        trail.append(
            {
                "at": plain(entry.at),
                "object": f"{entry.object_type} {entry.object_id}",
                "action": entry.action,
                "actor": entry.actor_label,
                "changes": {name: {"old": old, "new": new} for name, old, new, _ in entry.field_changes()},
            }
        )
    return {
        "exported_at": plain(timezone.now()),
        "lead": rows(Lead.objects.filter(pk=lead.pk))[0],
        "related": related,
        "audit_trail": trail,
    }


def person_erase(*, lead, actor):
    """Erase the lead's personal data, keep what the weekly numbers count, and log the erasure."""
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if is_erased(locked):
            raise AlreadyErased("This person's data is already erased.")
        erased_fields = [name for name in PERSONAL_FIELDS if getattr(locked, name)]
        for name in PERSONAL_FIELDS:
            setattr(locked, name, "")
        locked.email = erased_email(locked.pk)
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*PERSONAL_FIELDS, "version", "updated_at"])
        aliases, _ = LeadAlias.objects.filter(lead=locked).delete()
        replaced = {}
        for model, fields in FREE_TEXT.items():
            rows = model._base_manager.filter(lead=locked)
            for name in fields:
                # Blank stays blank: a placeholder where nothing was written would invent a note.
                value = "" if name == "page_url" else ERASED
                replaced[f"{model._meta.model_name}.{name}"] = rows.exclude(**{name: ""}).update(**{name: value})
        replaced["notification.last_error"] = (
            Notification.objects.filter(handoff__lead=locked).exclude(last_error="").update(last_error=ERASED)
        )
        elsewhere = {}
        for holder in holders().values():
            elsewhere |= holder.erase(locked.pk)
        AuditPersonalValues.objects.filter(lead_id=locked.pk).delete()
        audit_record(
            object_type=ObjectType.LEAD,
            object_id=locked.pk,
            action="erased",
            changes={
                "fields": {"old": None, "new": erased_fields},
                "aliases_deleted": {"old": None, "new": aliases},
                "texts_replaced": {"old": None, "new": {k: v for k, v in replaced.items() if v}},
                "records_erased": {"old": None, "new": {k: v for k, v in elsewhere.items() if v}},
            },
            user=actor,
        )
    lead.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return lead

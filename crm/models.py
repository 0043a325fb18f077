"""The kernel's own rows: the audit trail, which every app writes without importing another."""

from django.db import models


class AuditEntry(models.Model):
    """One change of one object: what changed (old and new values), who did it, when.

    Append-only: the database refuses UPDATE and DELETE on this table (crm 0007), and neither
    the admin nor any service offers a path to change a row. Personal values (a lead's name,
    e-mail, free text) are kept apart in ``AuditPersonalValues`` so that erasing a person can
    drop them without touching the trail.
    """

    class ObjectType(models.TextChoices):
        LEAD = "lead", "Lead"
        HANDOFF = "handoff", "Hand-off"
        CAMPAIGN = "campaign", "Campaign"
        VARIANT = "variant", "Variant"
        SPEND = "spend", "Spend"
        SCORING_RULE = "scoring_rule", "Scoring rule"
        ICP = "icp", "Ideal customer profile"
        SERVICE_LEVEL = "service_level", "Service level"
        GOAL = "goal", "Quarterly goal"
        SALES_REP = "sales_rep", "Sales rep settings"
        ROLE = "role", "Roles of a user"
        TOKEN = "token", "API token"
        WEBHOOK_ENDPOINT = "webhook_endpoint", "Webhook endpoint"

    class ActorKind(models.TextChoices):
        USER = "user", "User"
        TOKEN = "token", "API token"
        IMPORT = "import", "Import job"
        SYSTEM = "system", "System"

    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    object_id = models.CharField(max_length=40)
    # The object whose page shows this entry too (a hand-off's or spend's lead or campaign).
    parent_type = models.CharField(max_length=20, choices=ObjectType.choices, blank=True)
    parent_id = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=40)
    changes = models.JSONField(default=dict, blank=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=40, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(db_index=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="crm_audit_object"),
            models.Index(fields=["parent_type", "parent_id", "-at"], name="crm_audit_parent"),
            models.Index(fields=["actor_label", "-at"], name="crm_audit_actor"),
        ]

    def __str__(self):
        return f"{self.get_object_type_display()} {self.object_id}: {self.action}"

    def field_changes(self):
        """Return [(field, old, new, erased)] with the personal values put back where they are kept."""
        try:
            personal = self.personal.changes
        except AuditPersonalValues.DoesNotExist:
            personal = {}
        rows = []
        for name, change in sorted(self.changes.items()):
            if change.get("personal"):
                kept = personal.get(name)
                erased = kept is None
                change = kept or {}
            else:
                erased = False
            rows.append((name, change.get("old"), change.get("new"), erased))
        return rows


class AuditPersonalValues(models.Model):
    """The personal part of an entry's changes (old and new values of personal fields).

    Kept beside the append-only entry, keyed by the lead the values describe, so that erasing
    that person deletes these rows and the entry then shows the change without its values.
    """

    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="personal")
    lead_id = models.BigIntegerField(db_index=True)
    changes = models.JSONField(default=dict)

    class Meta:
        verbose_name_plural = "audit personal values"

    def __str__(self):
        return f"Personal values of audit entry {self.entry_id}"

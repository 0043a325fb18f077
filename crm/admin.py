"""The audit trail in the admin: readable by managers, never added to, changed or deleted."""

from django.contrib import admin

from crm.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "object_type", "object_id", "action", "actor_kind", "actor_label", "request_id")
    list_filter = ("object_type", "actor_kind")
    search_fields = ("object_id", "actor_label", "request_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

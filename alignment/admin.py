"""Admin of digests (a record of what was sent: read-only) and quarterly goals."""

from django.contrib import admin

from alignment.models import Digest, DigestDelivery, QuarterlyGoal
from leads.admin import ReadOnlyAdminMixin


class DigestDeliveryInline(admin.TabularInline):
    model = DigestDelivery
    fields = ["channel", "recipient", "state", "attempts", "claimed_at", "sent_at", "last_error"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["week", "audience", "state", "subject", "attempts", "created_at", "sent_at"]
    list_filter = ["audience", "state"]
    search_fields = ["week", "subject"]
    inlines = [DigestDeliveryInline]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["digest", "channel", "recipient", "state", "attempts", "claimed_at", "sent_at"]
    list_filter = ["channel", "state", "digest__audience"]
    search_fields = ["recipient", "digest__week"]
    list_select_related = ["digest", "user"]


@admin.register(QuarterlyGoal)
class QuarterlyGoalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "year", "quarter", "mqls", "accepted", "wins", "revenue", "updated_by", "updated_at"]
    list_filter = ["year"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

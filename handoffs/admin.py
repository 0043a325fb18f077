"""Admin of hand-offs, the service level and the sales reps' assignment settings.

A hand-off's outcome changes only through handoffs.services (accept, reject); the one
thing a manager changes here is who a pending hand-off is assigned to, through
handoff_assign.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q

from handoffs.models import Handoff, Holiday, Notification, SalesRep, ServiceLevel
from handoffs.services import HandoffAlreadyAnswered, handoff_assign, sales_reps
from leads.admin import LeadEmailSearchMixin, ReadOnlyAdminMixin
from leads.models import OPEN_STATUSES


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "hours_to_accept",
        "hours_to_first_contact",
        "weekly_mql_target",
        "default_rep_capacity",
        "updated_at",
        "updated_by",
    ]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request):
        return not ServiceLevel.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"


@admin.register(SalesRep)
class SalesRepAdmin(admin.ModelAdmin):
    list_display = ["user", "accepting", "capacity", "open_leads", "last_assigned_at"]
    list_editable = ["accepting", "capacity"]
    list_filter = ["accepting"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["last_assigned_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_open_leads=Count("user__owned_leads", filter=Q(user__owned_leads__status__in=OPEN_STATUSES)))
        )

    @admin.display(description="open leads", ordering="_open_leads")
    def open_leads(self, rep):
        return rep._open_leads


class NotificationInline(admin.TabularInline):
    model = Notification
    fields = ["kind", "recipient", "channel", "state", "attempts", "created_at", "claimed_at", "sent_at", "last_error"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Handoff)
class HandoffAdmin(LeadEmailSearchMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "lead",
        "assigned_to",
        "outcome",
        "reject_reason",
        "over_capacity",
        "overdue",
        "created_at",
        "accept_deadline",
        "responded_at",
        "first_contact_at",
    ]
    list_filter = ["outcome", "reject_reason", "over_capacity", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["^feedback"]
    list_select_related = ["lead", "assigned_to"]
    show_full_result_count = False
    raw_id_fields = ["lead"]
    fields = [
        "lead",
        "created_by",
        "context_note",
        "assigned_to",
        "over_capacity",
        ("created_at", "accept_deadline"),
        "outcome",
        ("responded_at", "responded_by"),
        ("reject_reason", "feedback"),
        ("first_contact_deadline", "first_contact_at"),
    ]
    inlines = [NotificationInline]

    def has_add_permission(self, request):
        # Hand-offs are made by handoff_create (the lead page, the MQL task), which moves the lead.
        return False

    def has_delete_permission(self, request, obj=None):
        # The service-level figures of past weeks are computed from these rows.
        return False

    def get_readonly_fields(self, request, obj=None):
        editable = {"assigned_to"} if obj is not None and obj.is_pending else set()
        return [f.name for f in Handoff._meta.fields if f.name not in editable]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = sales_reps().order_by("username")
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if "assigned_to" not in form.changed_data:
            return
        try:
            handoff_assign(handoff=obj, actor=request.user, assignee=form.cleaned_data["assigned_to"])
        except HandoffAlreadyAnswered as exc:
            messages.error(request, str(exc))

    @admin.display(boolean=True, description="overdue")
    def overdue(self, handoff):
        return handoff.is_overdue()


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "handoff", "recipient", "state", "attempts", "sent_at"]
    list_filter = ["kind", "state", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["recipient__username", "last_error"]
    list_select_related = ["handoff__lead", "recipient"]
    raw_id_fields = ["handoff"]

"""Admin of leads and their history.

Written for a million leads: no full counts, no date hierarchies (their DISTINCT over
dates scans the table), foreign keys to leads as raw ids, search by e-mail on the
functional index. Status, score and attribution are read-only here: they change only
through leads.services, which checks the lifecycle and writes the history.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models.functions import Lower
from django.forms.models import BaseInlineFormSet

from leads import tasks
from leads.models import (
    Activity,
    CaptureForm,
    IdealCustomerProfile,
    ImportJob,
    Lead,
    ScoringRule,
    StatusChange,
    Touchpoint,
)
from leads.services import PROFILE_FIELDS, lead_assign_owner, lead_update, scores_recompute

INLINE_ROWS = 20


class ReadOnlyAdminMixin:
    """History is never written by hand: no adding, changing or deleting (viewing only)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LatestRowsFormSet(BaseInlineFormSet):
    """Show only the latest rows of a lead's long history (the model's ordering is newest first)."""

    def get_queryset(self):
        # Slice after the inline's filter by lead; slicing earlier would make that filter fail.
        return super().get_queryset()[:INLINE_ROWS]


class LeadEmailSearchMixin:
    """Search a full e-mail address on the lead's lower(email) index instead of scanning.

    ``lead_path`` is the lookup from the admin's model to the lead ("" for Lead itself).
    """

    lead_path = "lead"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().lower()
        if "@" in term and not term.startswith("@"):
            leads = Lead.objects.alias(email_lower=Lower("email")).filter(email_lower=term)
            if not self.lead_path:
                return queryset.filter(pk__in=leads.values("pk")), False
            return queryset.filter(**{f"{self.lead_path}__in": leads.values("pk")}), False
        return super().get_search_results(request, queryset, search_term)


def queue_rescore(request):
    """Queue one recomputation of every lead's score after this request's commit."""
    if getattr(request, "_tandem_rescore_queued", False):
        return
    request._tandem_rescore_queued = True
    transaction.on_commit(tasks.scores_recompute.delay)
    messages.info(request, "Scores and fit of all leads are being recomputed in the background.")


class TouchpointInline(admin.TabularInline):
    model = Touchpoint
    formset = LatestRowsFormSet
    verbose_name_plural = f"touchpoints (latest {INLINE_ROWS})"
    fields = ["occurred_at", "kind", "channel", "campaign", "variant", "utm_source", "utm_medium", "page_url"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "variant")


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    formset = LatestRowsFormSet
    verbose_name_plural = f"status history (latest {INLINE_ROWS})"
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class LeadAdminForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = ["email", "owner", *PROFILE_FIELDS]

    def clean_country(self):
        country = (self.cleaned_data.get("country") or "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise forms.ValidationError("Use a two-letter country code, e.g. DE.")
        return country


@admin.register(Lead)
class LeadAdmin(LeadEmailSearchMixin, admin.ModelAdmin):
    form = LeadAdminForm
    lead_path = ""
    list_display = ["email", "display_name", "company", "status", "score", "fit", "source", "owner", "created_at"]
    list_filter = ["status", "fit", "source", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["^email", "^last_name", "^company"]
    list_select_related = ["owner"]
    show_full_result_count = False
    autocomplete_fields = ["owner"]
    readonly_fields = [
        "status",
        "status_changed_at",
        "version",
        "score",
        "fit",
        "source",
        "first_touch_campaign",
        "last_touch_campaign",
        "deal_value",
        "lost_reason",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", ("first_name", "last_name"), "phone", "owner"]}),
        ("Company", {"fields": ["company", "title", "industry", "company_size", "country"]}),
        (
            "Lifecycle (changed only through the lead's page or the API)",
            {"fields": [("status", "status_changed_at"), ("score", "fit"), ("deal_value", "lost_reason"), "version"]},
        ),
        ("Attribution", {"fields": ["source", "first_touch_campaign", "last_touch_campaign"]}),
        ("Dates", {"fields": [("created_at", "updated_at")]}),
    ]
    inlines = [StatusChangeInline, TouchpointInline]
    actions = ["recompute_scores"]

    def has_add_permission(self, request):
        # Leads come in through capture, import or the new-lead page: deduplicated and scored.
        return False

    def save_model(self, request, obj, form, change):
        # Through the services, so the version is bumped (stale pages are refused) and the
        # score follows the profile fields.
        profile = {f: form.cleaned_data[f] for f in form.changed_data if f in (*PROFILE_FIELDS, "email")}
        if profile:
            lead_update(lead=obj, actor=request.user, **profile)
        if "owner" in form.changed_data:
            lead_assign_owner(lead=obj, owner=form.cleaned_data["owner"], actor=request.user)

    @admin.action(description="Recompute score and fit of the selected leads")
    def recompute_scores(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        changed = sum(scores_recompute(lead_ids=ids[i : i + 1000]) for i in range(0, len(ids), 1000))
        self.message_user(request, f"Recomputed {len(ids)} leads; {changed} changed.")


@admin.register(Touchpoint)
class TouchpointAdmin(ReadOnlyAdminMixin, LeadEmailSearchMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "lead", "kind", "channel", "campaign", "variant", "utm_source", "utm_medium"]
    list_filter = ["channel", "kind", ("occurred_at", admin.DateFieldListFilter)]
    search_fields = ["^utm_campaign", "^utm_source"]
    list_select_related = ["lead", "campaign", "variant__campaign"]
    show_full_result_count = False
    raw_id_fields = ["lead", "form"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdminMixin, LeadEmailSearchMixin, admin.ModelAdmin):
    list_display = ["changed_at", "lead", "from_status", "to_status", "changed_by", "note"]
    list_filter = ["to_status", "from_status", ("changed_at", admin.DateFieldListFilter)]
    search_fields = ["^note"]
    list_select_related = ["lead", "changed_by"]
    show_full_result_count = False
    raw_id_fields = ["lead"]


@admin.register(Activity)
class ActivityAdmin(LeadEmailSearchMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "lead", "user", "subject", "due_at", "done_at"]
    list_filter = ["kind", ("occurred_at", admin.DateFieldListFilter), ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["^subject"]
    list_select_related = ["lead", "user"]
    show_full_result_count = False
    raw_id_fields = ["lead"]
    autocomplete_fields = ["assignee"]
    readonly_fields = ["lead", "kind", "user", "occurred_at", "recorded_at"]
    fields = ["lead", "kind", "user", "occurred_at", "recorded_at", "subject", "body", "assignee", "due_at", "done_at"]

    def has_add_permission(self, request):
        # Logged on the lead's page through activity_log, which stamps first contact.
        return False


@admin.register(CaptureForm)
class CaptureFormAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "campaign", "enabled", "created_by", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["name", "key"]
    list_select_related = ["campaign", "created_by"]
    autocomplete_fields = ["campaign"]
    readonly_fields = ["created_by", "created_at"]

    def get_changeform_initial_data(self, request):
        return {"key": CaptureForm.new_key(), **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(IdealCustomerProfile)
class IdealCustomerProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "mql_threshold", "company_size_min", "company_size_max", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request):
        return not IdealCustomerProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        queue_rescore(request)


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "field", "operator", "value", "points", "active"]
    list_editable = ["points", "active"]
    list_filter = ["active", "field", "operator"]
    search_fields = ["name", "value"]
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        queue_rescore(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        queue_rescore(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        queue_rescore(request)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "state",
        "processed_rows",
        "total_rows",
        "created_leads",
        "updated_leads",
        "error_rows",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state"]
    search_fields = ["original_name"]
    list_select_related = ["created_by", "campaign"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        # An upload without the import page would queue nothing.
        return False

    def has_change_permission(self, request, obj=None):
        return False

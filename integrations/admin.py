from django.contrib import admin

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "format", "active", "owner", "failing_since"]
    list_filter = ["active", "format"]
    exclude = ["secret"]  # the signing secret stays on the endpoint's page, not in the admin


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    readonly_fields = ["at", "status_code", "ok", "error", "response_excerpt"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "state", "attempts", "created_at"]
    list_filter = ["state", "event_type"]
    readonly_fields = ["event_id", "body"]
    inlines = [WebhookAttemptInline]

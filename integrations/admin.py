from django.contrib import admin
from django.db import models

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.services import subscriptions


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "format", "active", "owner", "failing_since"]
    list_filter = ["active", "format"]
    # The signing secrets stay on the endpoint's page, not in the admin; rotation is a service (audited).
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["previous_secret_expires_at"]
    # An address typed without a scheme is https, as on the endpoint's page (and Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        subscriptions.forget()  # the services forget on their writes; the admin writes past them

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        subscriptions.forget()


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

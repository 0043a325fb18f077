"""Reads of the webhooks' pages and API."""

from django.db.models import Count, Prefetch, Q

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list():
    """Return the endpoints with their counts of failed and waiting deliveries."""
    return WebhookEndpoint.objects.select_related("owner").annotate(
        failed=Count("deliveries", filter=Q(deliveries__state__in=["failed", "gave_up"])),
        waiting=Count("deliveries", filter=Q(deliveries__state__in=["pending", "sending"])),
    )


def endpoint_deliveries(endpoint, *, limit=50):
    """Return the endpoint's latest deliveries, each with its attempt log."""
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-at", "-pk")))
        .order_by("-created_at", "-pk")[:limit]
    )

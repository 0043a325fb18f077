"""Reads of the webhooks' pages and API."""

from django.db.models import Count, Prefetch, Q

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list():
    """Return the endpoints with their counts of failed and waiting deliveries."""
    return WebhookEndpoint.objects.select_related("owner").annotate(
        failed=Count("deliveries", filter=Q(deliveries__state__in=["failed", "gave_up"])),
        waiting=Count("deliveries", filter=Q(deliveries__state__in=["pending", "sending"])),
    )


def _with_attempts(deliveries):
    return deliveries.prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-at", "-pk")))


def endpoint_deliveries(endpoint, *, limit=50):
    """Return the endpoint's latest deliveries, each with its attempt log."""
    deliveries = _with_attempts(WebhookDelivery.objects.filter(endpoint=endpoint))
    return list(deliveries.order_by("-created_at", "-pk")[:limit])


def endpoint_delivery(endpoint, delivery_id):
    """Return one delivery of the endpoint with its attempt log (DoesNotExist for another endpoint's)."""
    return _with_attempts(WebhookDelivery.objects.filter(endpoint=endpoint)).get(pk=delivery_id)

"""The webhooks settings pages: managers only (crm.roles, Perm.MANAGE_WEBHOOKS)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crm.roles import Perm, perm_required
from integrations import selectors, services
from integrations.forms import EndpointForm
from integrations.models import WebhookDelivery, WebhookEndpoint


def _add_errors(form, exc):
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@perm_required(Perm.MANAGE_WEBHOOKS)
def endpoint_list(request):
    """List the endpoints with their failing and waiting deliveries."""
    return render(request, "integrations/endpoint_list.html", {"endpoints": selectors.endpoint_list()})


@perm_required(Perm.MANAGE_WEBHOOKS)
def endpoint_create(request):
    """Register an endpoint; its page then shows the secret to verify signatures with."""
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = services.endpoint_create(
                actor=request.user,
                url=data["url"],
                events=data["events"],
                format=data["format"],
                description=data["description"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Endpoint registered. Copy its secret to verify the signatures.")
            return redirect("integrations:endpoint_detail", endpoint.pk)
    return render(request, "integrations/endpoint_form.html", {"form": form, "endpoint": None})


@perm_required(Perm.MANAGE_WEBHOOKS)
def endpoint_edit(request, pk):
    """Change an endpoint's address, events, format or whether it is enabled."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    initial = {f: getattr(endpoint, f) for f in ("url", "description", "events", "format", "active")}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("integrations:endpoint_detail", endpoint.pk)
    return render(request, "integrations/endpoint_form.html", {"form": form, "endpoint": endpoint})


def _detail_context(endpoint, **extra):
    return {
        "endpoint": endpoint,
        "deliveries": selectors.endpoint_deliveries(endpoint),
        "grace_hours": settings.WEBHOOK_SECRET_GRACE_HOURS,
        "previous_signs_until": endpoint.previous_secret_signs_until(timezone.now()),
        **extra,
    }


@perm_required(Perm.MANAGE_WEBHOOKS)
def endpoint_detail(request, pk):
    """Show the endpoint, its secret and its latest deliveries with every attempt."""
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("owner"), pk=pk)
    return render(request, "integrations/endpoint_detail.html", _detail_context(endpoint))


@require_POST
@perm_required(Perm.MANAGE_WEBHOOKS)
def endpoint_rotate(request, pk):
    """Give the endpoint a new secret and show it in this answer (never in a message, which is stored)."""
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("owner"), pk=pk)
    services.endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
    return render(request, "integrations/endpoint_detail.html", _detail_context(endpoint, new_secret=endpoint.secret))


@require_POST
@perm_required(Perm.MANAGE_WEBHOOKS)
def endpoint_delete(request, pk):
    """Delete the endpoint and its delivery log."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, f"Endpoint {endpoint.url} deleted.")
    return redirect("integrations:endpoint_list")


@require_POST
@perm_required(Perm.MANAGE_WEBHOOKS)
def delivery_resend(request, pk):
    """Send a delivery again now."""
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
    try:
        services.delivery_resend(delivery=delivery, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Delivery queued again.")
    return redirect("integrations:endpoint_detail", delivery.endpoint_id)

"""Only http(s) to public hosts: private, loopback and reserved addresses are refused (SSRF)."""

import socket

import pytest
from django.core.exceptions import ValidationError

from crm import events
from integrations import services
from integrations.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    ],
)
def test_a_private_or_loopback_address_is_refused(url, users, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(actor=users["managers"], url=url, events=[events.LEAD_CREATED])
    assert "public hosts only" in str(refused.value)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/x", "file:///etc/passwd", "gopher://example.com/", "http:///x"]
)
def test_only_http_and_https_are_accepted(url, users):
    with pytest.raises(ValidationError):
        services.endpoint_create(actor=users["managers"], url=url, events=[events.LEAD_CREATED])


def test_a_host_resolving_to_a_private_address_is_refused(users, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    public, private = ("93.184.215.14", 443), ("10.0.0.7", 443)
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address) for address in (public, private)]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    with pytest.raises(ValidationError):
        services.endpoint_create(actor=users["managers"], url="https://rebind.example.com/", events=["lead.created"])


def test_a_public_host_is_accepted(users, monkeypatch):
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    endpoint = services.endpoint_create(actor=users["managers"], url="https://hooks.example.com/x", events=["lead.won"])
    assert endpoint.secret.startswith("whsec_") and endpoint.owner == users["managers"]


def test_the_address_is_checked_again_when_sending(receiver, settings):
    # Saved while private hosts were allowed (or the DNS answer changed since): the attempt refuses to connect.
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, events=[events.LEAD_CREATED])
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type=events.LEAD_CREATED, body="{}")
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert services.delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.State.FAILED
    assert receiver.requests == []
    assert "public hosts only" in delivery.attempt_log.get().error


def test_a_redirect_is_not_followed(receiver):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, events=[events.LEAD_CREATED])
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type=events.LEAD_CREATED, body="{}")
    receiver.status = 302
    assert services.delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.State.FAILED
    assert len(receiver.requests) == 1 and delivery.attempt_log.get().status_code == 302

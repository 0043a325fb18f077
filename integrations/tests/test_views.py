"""The webhooks pages and API: managers register endpoints, read the attempts and resend."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from crm import events
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, users):
    client.force_login(users["managers"])
    return client


def test_a_manager_registers_an_endpoint_on_the_page(manager_client, receiver, users):
    response = manager_client.post(
        reverse("integrations:endpoint_create"),
        {"url": receiver.url, "events": [events.LEAD_CREATED, events.LEAD_WON], "format": "json", "active": "on"},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("integrations:endpoint_detail", args=[endpoint.pk])
    assert endpoint.events == [events.LEAD_CREATED, events.LEAD_WON] and endpoint.owner == users["managers"]
    page = manager_client.get(response["Location"]).content.decode()
    assert endpoint.secret in page


def test_the_page_refuses_a_private_address(manager_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = manager_client.post(
        reverse("integrations:endpoint_create"),
        {"url": "http://169.254.169.254/", "events": [events.LEAD_CREATED], "format": "json"},
    )
    assert response.status_code == 200 and "public hosts only" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_endpoint_page_lists_each_attempt_and_resends(manager_client, receiver, django_capture_on_commit_callbacks):
    from leads.services import lead_capture

    endpoint = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    receiver.status, receiver.answer = 500, b"<b>receiver broke</b>"
    with django_capture_on_commit_callbacks(execute=True):
        lead_capture(data={"email": "ada@example.com"})
    delivery = WebhookDelivery.objects.get()
    page = manager_client.get(reverse("integrations:endpoint_detail", args=[endpoint.pk])).content.decode()
    assert "HTTP 500" in page and "&lt;b&gt;receiver broke&lt;/b&gt;" in page and "<b>receiver broke" not in page
    receiver.status, receiver.answer = 200, b"thanks"
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("integrations:delivery_resend", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED and delivery.attempt_log.count() == 2
    assert "HTTP 200" in manager_client.get(response["Location"]).content.decode()


def test_re_enabling_a_disabled_endpoint_clears_its_failure(manager_client, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url, active=False, disabled_reason="failed", events=["lead.won"])
    response = manager_client.post(
        reverse("integrations:endpoint_edit", args=[endpoint.pk]),
        {"url": receiver.url, "events": ["lead.won"], "format": "slack", "active": "on"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active and not endpoint.disabled_reason and endpoint.format == "slack"


def test_the_api_registers_an_endpoint_and_shows_the_secret_once(users, receiver):
    api = APIClient()
    api.force_authenticate(users["managers"])
    created = api.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["lead.created"]}, format="json")
    assert created.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert created.json()["secret"] == endpoint.secret and created.json()["format"] == "json"
    read = api.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert "secret" not in read and read["events"] == ["lead.created"]
    assert api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json() == []
    patched = api.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"events": ["lead.won", "nope"]}, format="json")
    assert patched.status_code == 400


def test_the_api_refuses_a_private_address_with_a_field_error(users, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    api = APIClient()
    api.force_authenticate(users["managers"])
    answer = api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:6379/", "events": ["lead.created"]}, format="json")
    assert answer.status_code == 400 and "public hosts only" in answer.json()["url"][0]


@pytest.fixture
def manager_api(users):
    api = APIClient()
    api.force_authenticate(users["managers"])
    return api


def failed_delivery(receiver, django_capture_on_commit_callbacks, **endpoint):
    from leads.services import lead_capture

    WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED], **endpoint)
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        lead_capture(data={"email": "ada@example.com"})
    receiver.status = 200
    return WebhookDelivery.objects.get()


def test_the_api_resends_a_delivery_with_the_pages_service(manager_api, receiver, django_capture_on_commit_callbacks):
    delivery = failed_delivery(receiver, django_capture_on_commit_callbacks)
    assert delivery.state == WebhookDelivery.State.FAILED
    url = f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries/{delivery.pk}/resend/"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = manager_api.post(url)
    assert answer.status_code == 202
    assert answer.json()["id"] == delivery.pk and answer.json()["state"] == "pending"
    assert len(queued) == 1
    queued[0]()
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED and delivery.attempt_log.count() == 2
    assert [request["headers"]["X-Tandem-Delivery"] for request in receiver.requests] == [str(delivery.event_id)] * 2


def test_the_api_answers_404_for_another_endpoints_delivery(manager_api, receiver, django_capture_on_commit_callbacks):
    delivery = failed_delivery(receiver, django_capture_on_commit_callbacks)
    other = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_WON])
    for url in (
        f"/api/v1/webhooks/{other.pk}/deliveries/{delivery.pk}/resend/",
        f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries/{delivery.pk + 1000}/resend/",
    ):
        with django_capture_on_commit_callbacks(execute=True) as queued:
            assert manager_api.post(url).status_code == 404, url
        assert queued == []
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.FAILED and delivery.attempts == 1


REFUSALS = [({"active": False}, "enable it"), ({"state": "erased"}, "erased")]


@pytest.mark.parametrize(("change", "message"), REFUSALS, ids=["disabled", "erased"])
def test_the_api_refuses_to_resend_with_the_services_reason(
    manager_api, receiver, django_capture_on_commit_callbacks, change, message
):
    delivery = failed_delivery(receiver, django_capture_on_commit_callbacks)
    if "active" in change:
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(**change)
    else:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**change)
    url = f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries/{delivery.pk}/resend/"
    with django_capture_on_commit_callbacks(execute=True) as queued:
        answer = manager_api.post(url)
    assert answer.status_code == 400 and message in json.dumps(answer.json())
    assert queued == [] and len(receiver.requests) == 1


@pytest.mark.parametrize("role", ["marketing", "sales", "norole"])
def test_only_managers_resend_through_the_api(users, role, receiver, django_capture_on_commit_callbacks):
    delivery = failed_delivery(receiver, django_capture_on_commit_callbacks)
    api = APIClient()
    api.force_authenticate(users[role])
    answer = api.post(f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries/{delivery.pk}/resend/")
    assert answer.status_code == 403
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.FAILED

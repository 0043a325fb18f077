"""Rotating an endpoint's secret: both secrets sign during the grace, only the new one after, audited without it."""

import datetime
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from crm import events
from crm.models import AuditEntry
from integrations import services, transport
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.tests.factories import WebhookEndpointFactory
from integrations.tests.test_delivery import capture, readme_verifier

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def signed_delivery(receiver, callbacks_fixture, email):
    """Capture a lead (the endpoint wants lead.created) and return the header and body the receiver got."""
    with callbacks_fixture(execute=True):
        capture(email=email)
    request = receiver.requests[-1]
    return request["headers"][transport.SIGNATURE_HEADER], request["body"]


def last_v1_only(secret, header, body):
    """A receiver still on the README's check before rotation: a dict of the fields, so the last v1 wins."""
    import hashlib
    import hmac

    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def test_both_secrets_verify_during_the_grace_and_only_the_new_one_after(
    receiver, users, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_SECRET_GRACE_HOURS = 6
    verify = readme_verifier()
    endpoint = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    old = endpoint.secret
    with time_machine.travel(START, tick=False) as clock:
        services.endpoint_rotate_secret(endpoint=endpoint, actor=users["managers"])
        endpoint.refresh_from_db()
        new = endpoint.secret
        assert new != old and endpoint.previous_secret == old
        assert endpoint.previous_secret_expires_at == START + datetime.timedelta(hours=6)

        clock.move_to(START + datetime.timedelta(hours=6) - datetime.timedelta(seconds=1))
        header, body = signed_delivery(receiver, django_capture_on_commit_callbacks, "during@example.com")
        assert header.count("v1=") == 2
        assert verify(new, header, body) and verify(old, header, body)
        assert not verify("whsec_other", header, body) and not verify(new, header, body + b" ")
        # A receiver that reads one v1 (the last) keeps verifying with the secret it has not replaced yet.
        assert last_v1_only(old, header, body)

        clock.move_to(START + datetime.timedelta(hours=6))
        header, body = signed_delivery(receiver, django_capture_on_commit_callbacks, "after@example.com")
        assert header.count("v1=") == 1
        assert verify(new, header, body) and not verify(old, header, body)


def test_a_resend_after_the_grace_is_signed_with_the_new_secret_alone(
    receiver, users, django_capture_on_commit_callbacks
):
    verify = readme_verifier()
    endpoint = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    old = endpoint.secret
    with time_machine.travel(START, tick=False) as clock:
        header, body = signed_delivery(receiver, django_capture_on_commit_callbacks, "ada@example.com")
        assert verify(old, header, body)
        services.endpoint_rotate_secret(endpoint=endpoint, actor=users["managers"])
        clock.shift(datetime.timedelta(hours=24, seconds=1))  # the default grace, WEBHOOK_SECRET_GRACE_HOURS
        delivery = WebhookDelivery.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            services.delivery_resend(delivery=delivery, actor=users["managers"])
    endpoint.refresh_from_db()
    header, body = receiver.requests[-1]["headers"][transport.SIGNATURE_HEADER], receiver.requests[-1]["body"]
    assert json.loads(body)["id"] == str(delivery.event_id)
    with time_machine.travel(START + datetime.timedelta(hours=24, seconds=1), tick=False):
        assert verify(endpoint.secret, header, body) and not verify(old, header, body)


def test_with_no_grace_the_old_secret_stops_at_once(receiver, users, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_SECRET_GRACE_HOURS = 0
    verify = readme_verifier()
    endpoint = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    old = endpoint.secret
    services.endpoint_rotate_secret(endpoint=endpoint, actor=users["managers"])
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == "" and endpoint.previous_secret_expires_at is None
    header, body = signed_delivery(receiver, django_capture_on_commit_callbacks, "ada@example.com")
    assert verify(endpoint.secret, header, body) and not verify(old, header, body)


def test_rotating_again_within_the_grace_keeps_only_the_secret_just_replaced(users):
    endpoint = WebhookEndpointFactory()
    first = endpoint.secret
    with time_machine.travel(START, tick=False) as clock:
        services.endpoint_rotate_secret(endpoint=endpoint, actor=users["managers"])
        second = WebhookEndpoint.objects.get().secret
        clock.shift(datetime.timedelta(hours=1))
        services.endpoint_rotate_secret(endpoint=endpoint, actor=users["managers"])
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.signing_secrets(START + datetime.timedelta(hours=2)) == [endpoint.secret, second]
        assert first not in (endpoint.secret, endpoint.previous_secret)
        assert endpoint.previous_secret_expires_at == START + datetime.timedelta(hours=25)


def test_a_rotation_is_audited_without_either_secret(users):
    endpoint = WebhookEndpointFactory()
    old = endpoint.secret
    with time_machine.travel(START, tick=False):
        services.endpoint_rotate_secret(endpoint=endpoint, actor=users["managers"])
    endpoint.refresh_from_db()
    entry = AuditEntry.objects.get(object_type="webhook_endpoint", object_id=str(endpoint.pk))
    assert entry.action == "secret rotated" and entry.actor_label == "max" and entry.at == START
    expires = (START + datetime.timedelta(hours=24)).isoformat()
    assert entry.changes == {"previous_secret_expires_at": {"old": None, "new": expires}}
    stored = json.dumps([list(row) for row in AuditEntry.objects.values_list()], default=str)
    assert old not in stored and endpoint.secret not in stored


def test_the_page_shows_the_new_secret_in_the_rotation_answer_only(client, users):
    client.force_login(users["managers"])
    endpoint = WebhookEndpointFactory()
    old = endpoint.secret
    response = client.post(reverse("integrations:endpoint_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="new-secret"' in page and endpoint.secret in page
    assert 'data-testid="secret-grace"' in page and "secret rotated" in page  # the grace and the audit card
    # Nothing carries the secret to a later request: no message, no session value.
    assert endpoint.secret not in json.dumps(dict(client.session.items()), default=str)
    assert all(endpoint.secret not in morsel.value for morsel in response.cookies.values())
    later = client.get(reverse("integrations:endpoint_detail", args=[endpoint.pk])).content.decode()
    assert 'data-testid="new-secret"' not in later


@pytest.mark.parametrize("role", ["marketing", "sales", "norole"])
def test_only_managers_rotate_a_secret(client, users, role):
    endpoint = WebhookEndpointFactory()
    old = endpoint.secret
    client.force_login(users[role])
    assert client.post(reverse("integrations:endpoint_rotate", args=[endpoint.pk])).status_code == 403
    api = APIClient()
    api.force_authenticate(users[role])
    assert api.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/").status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.secret == old and not endpoint.previous_secret
    assert not AuditEntry.objects.filter(object_type="webhook_endpoint").exists()


def test_the_api_rotates_and_answers_the_new_secret_once(users):
    api = APIClient()
    api.force_authenticate(users["managers"])
    endpoint = WebhookEndpointFactory()
    old = endpoint.secret
    with time_machine.travel(START, tick=False):
        answer = api.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/")
    endpoint.refresh_from_db()
    assert answer.status_code == 200
    body = answer.json()
    assert body["secret"] == endpoint.secret != old
    assert parse_datetime(body["previous_secret_expires_at"]) == START + datetime.timedelta(hours=24)
    read = api.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert "secret" not in read and old not in json.dumps(read) and endpoint.secret not in json.dumps(read)
    assert read["previous_secret_expires_at"] == body["previous_secret_expires_at"]
    assert api.post("/api/v1/webhooks/999999/rotate-secret/").status_code == 404


def test_the_admin_shows_neither_secret(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    endpoint = WebhookEndpointFactory()
    services.endpoint_rotate_secret(endpoint=endpoint, actor=admin)
    endpoint.refresh_from_db()
    page = client.get(reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in page and endpoint.previous_secret not in page

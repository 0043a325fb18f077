"""Consent on capture forms: required when the form says so, kept with the touchpoint, shown and exported."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from leads import capture
from leads.models import CaptureForm, Lead, Touchpoint
from leads.tests.factories import CaptureFormFactory

pytestmark = pytest.mark.django_db

TEXT = "I agree that Initech may e-mail me about <b>its products</b>."


@pytest.fixture
def form():
    return CaptureFormFactory(consent_required=True, consent_text=TEXT)


def post(client, form, **payload):
    return client.post(f"/api/v1/capture/{form.key}/", {"email": "ada@example.com", **payload})


def test_a_form_requiring_consent_refuses_a_submission_without_it(client, form):
    response = post(client, form)
    assert response.status_code == 400 and "consent" in response.json()
    assert not Lead.objects.exists()
    assert post(client, form, consent="false").status_code == 400


def test_the_consent_is_kept_with_the_touchpoint_its_text_version_time_and_page(client, form):
    response = post(client, form, consent="on", page_url="https://www.example.com/whitepaper")
    assert response.status_code == 201
    touch = Touchpoint.objects.get()
    assert (
        touch.consent_text == TEXT and touch.consent_version == form.consent_version and len(form.consent_version) == 12
    )
    assert touch.consent_at == touch.occurred_at and touch.page_url == "https://www.example.com/whitepaper"


def test_a_new_text_is_a_new_version_and_earlier_touchpoints_keep_theirs(client, form, users):
    post(client, form, consent="true")
    first_version = form.consent_version
    capture.capture_form_update(form=form, actor=users["marketing"], consent_text="New wording.")
    assert form.consent_version != first_version
    post(client, form, consent="true")
    texts = list(Touchpoint.objects.order_by("id").values_list("consent_text", "consent_version"))
    assert texts == [(TEXT, first_version), ("New wording.", form.consent_version)]


def test_a_form_without_the_requirement_captures_as_before(client):
    plain = CaptureFormFactory()
    assert post(client, plain).status_code == 201
    assert Touchpoint.objects.get().consent_at is None


def test_requiring_consent_needs_a_text(users):
    with pytest.raises(ValidationError):
        capture.capture_form_create(actor=users["marketing"], name="Gated", consent_required=True)
    api = APIClient()
    api.force_authenticate(users["marketing"])
    answer = api.post("/api/v1/forms/", {"name": "Gated", "consent_required": True}, format="json")
    assert answer.status_code == 400 and "consent_text" in answer.json()
    answer = api.post(
        "/api/v1/forms/", {"name": "Gated", "consent_required": True, "consent_text": "OK"}, format="json"
    )
    assert answer.status_code == 201 and answer.json()["consent_version"]


def test_the_lead_page_api_and_export_show_the_consent(client, form, users):
    post(client, form, consent="on", page_url="https://www.example.com/whitepaper")
    lead = Lead.objects.get()
    client.force_login(users["marketing"])
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "I agree that Initech may e-mail me about &lt;b&gt;its products&lt;/b&gt;." in page
    assert form.consent_version in page and "https://www.example.com/whitepaper" in page
    consent = client.get(f"/api/v1/leads/{lead.pk}/").json()["consent"]
    assert consent["text"] == TEXT and consent["version"] == form.consent_version
    assert consent["page"] == "https://www.example.com/whitepaper" and consent["at"]
    assert client.get("/api/v1/leads/").json()["results"][0]["consent"] == consent
    body = b"".join(client.get(reverse("leads:export")).streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["consent_text"] == TEXT and rows[0]["consent_version"] == form.consent_version
    assert rows[0]["consent_page"] == "https://www.example.com/whitepaper" and rows[0]["consent_at"]


def test_the_snippet_shows_the_consent_box(form):
    snippet = capture.capture_snippet(form, "https://crm.example.com/api/v1/capture/x/")
    assert 'name="consent"' in snippet and " required>" in snippet and "&lt;b&gt;its products" in snippet


def test_the_form_page_asks_for_the_text_when_consent_is_required(client, users):
    client.force_login(users["marketing"])
    response = client.post(reverse("leads:capture_form_create"), {"name": "Gated", "consent_required": "on"})
    assert response.status_code == 200 and "Write the consent text" in response.content.decode()
    response = client.post(
        reverse("leads:capture_form_create"), {"name": "Gated", "consent_required": "on", "consent_text": "I agree."}
    )
    assert response.status_code == 302
    assert CaptureForm.objects.get(name="Gated").consent_text == "I agree."

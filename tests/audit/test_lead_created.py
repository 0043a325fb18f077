"""A lead made by a person or a token is in the audit trail as "created", by whom, in the insert's
transaction, without personal values; a website visitor's capture is not (its touchpoint names the
form and the page), nor each lead of an import (its job names who imported the file)."""

import json

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from campaigns.tests.factories import CampaignFactory
from crm.models import AuditEntry
from leads import importing
from leads.models import IdealCustomerProfile, Lead, Touchpoint
from leads.services import lead_capture
from leads.tests.factories import CaptureFormFactory

pytestmark = pytest.mark.django_db


def created(lead):
    return list(AuditEntry.objects.filter(object_type="lead", object_id=str(lead.pk), action="created"))


def assert_created_entry(entry, lead):
    assert set(entry.changes) == {"source", "first_touch_campaign", "score", "fit"}
    assert entry.changes["source"] == {"old": None, "new": lead.source}
    assert entry.changes["first_touch_campaign"] == {"old": None, "new": lead.first_touch_campaign_id}
    assert entry.changes["score"] == {"old": None, "new": lead.score}
    assert not hasattr(entry, "personal") or entry.personal is None or not entry.personal.changes


@pytest.fixture(autouse=True)
def profile():
    IdealCustomerProfile.current()


def test_a_lead_made_by_hand_on_its_page_is_recorded_with_its_maker(client, users):
    client.force_login(users["marketing"])
    response = client.post("/leads/new/", {"email": "hand@example.com", "first_name": "Hand", "company": "Acme"})
    assert response.status_code == 302
    lead = Lead.objects.get(email="hand@example.com")
    (entry,) = created(lead)
    assert_created_entry(entry, lead)
    assert (entry.actor_kind, entry.actor_label) == ("user", users["marketing"].username)


def test_a_lead_made_through_the_api_is_recorded_with_the_token(users):
    api = APIClient()
    token = Token.objects.create(user=users["marketing"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    campaign = CampaignFactory(utm_campaign="spring")
    response = api.post("/api/v1/leads/", {"email": "api@example.com", "campaign": campaign.slug}, format="json")
    assert response.status_code == 201, response.content
    lead = Lead.objects.get(email="api@example.com")
    (entry,) = created(lead)
    assert_created_entry(entry, lead)
    assert entry.actor_kind == "token" and entry.changes["first_touch_campaign"]["new"] == campaign.pk


@pytest.mark.parametrize("rows", [1, 3], ids=["a single row", "a batch"])
def test_the_leads_of_an_import_are_not_each_recorded(users, settings, tmp_path, rows):
    settings.MEDIA_ROOT = tmp_path
    csv = "email,first_name\r\n" + "".join(f"row{n}@example.com,Row\r\n" for n in range(rows))
    job = importing.import_job_create(
        file=ContentFile(csv.encode(), name="fair.csv"), actor=users["marketing"], run_in_background=False
    )
    importing.import_job_run(job=job)
    assert Lead.objects.filter(email__startswith="row").count() == rows
    assert not AuditEntry.objects.filter(object_type="lead", action="created").exists()
    assert job.created_by == users["marketing"]  # the job names who imported the file


def test_a_known_email_makes_no_created_entry(users):
    first = lead_capture(data={"email": "twice@example.com"}, kind=Touchpoint.Kind.MANUAL, actor=users["marketing"])
    lead_capture(data={"email": "Twice@Example.com"}, kind=Touchpoint.Kind.MANUAL, actor=users["marketing"])
    assert len(created(first.lead)) == 1


def test_a_website_visitors_capture_is_not_in_the_audit_trail(client):
    form = CaptureFormFactory(campaign=CampaignFactory())
    response = client.post(f"/api/v1/capture/{form.key}/", json.dumps({"email": "web@example.com"}), "application/json")
    assert response.status_code == 201
    lead = Lead.objects.get(email="web@example.com")
    assert created(lead) == []
    assert Touchpoint.objects.get(lead=lead).form == form


def test_the_entry_rolls_back_with_the_lead(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        lead_capture(data={"email": "gone@example.com"}, kind=Touchpoint.Kind.MANUAL, actor=users["marketing"])
        raise RuntimeError("roll back")
    assert not AuditEntry.objects.filter(action="created", object_type="lead").exists()

"""The audit page, the audit cards and the personal-data pages, as each role sees them."""

import csv
import datetime
import io
import json

import pytest
from rest_framework.test import APIClient

from alignment.services import service_level_update
from campaigns.services import campaign_update
from campaigns.tests.factories import CampaignFactory
from crm.models import AuditEntry
from handoffs.services import handoff_create
from leads.models import Lead
from leads.scoring_setup import scoring_rule_create
from leads.services import lead_update
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(users):
    """A lead owned by sid, edited by marketing; a lead nobody owns, edited too."""
    owned = LeadFactory(owner=users["sales"], status=Lead.Status.SAL, industry="retail")
    lead_update(lead=owned, actor=users["marketing"], industry="software-owned")
    other = LeadFactory(industry="retail")
    lead_update(lead=other, actor=users["marketing"], industry="software-other")
    return owned, other


def _signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["marketing", "sales", "norole"])
def test_only_managers_open_the_audit_and_personal_data_pages(client, users, role, edited):
    _signed_in(client, users[role])
    for url in ("/audit/", "/audit/export.csv", "/privacy/", f"/privacy/leads/{edited[0].pk}/export/"):
        assert client.get(url).status_code == 403, url
    response = client.post(f"/privacy/leads/{edited[0].pk}/erase/", {"email": edited[0].email})
    assert response.status_code == 403
    assert Lead.objects.get(pk=edited[0].pk).email == edited[0].email


def test_a_rep_reads_the_trail_of_its_own_lead_and_not_of_a_lead_it_may_not_work(client, users, edited):
    owned, other = edited
    _signed_in(client, users["sales"])
    page = client.get(f"/leads/{owned.pk}/").content.decode()
    # The old value is only in the card: the page shows the current one.
    assert 'data-testid="audit-card"' in page and "retail" in page
    page = client.get(f"/leads/{other.pk}/").content.decode()
    assert 'data-testid="audit-card"' not in page and "retail" not in page
    # Nor through the audit page or its export.
    assert client.get(f"/audit/?object_type=lead&object_id={other.pk}").status_code == 403


def test_a_manager_sees_the_trail_on_lead_campaign_and_hand_off_pages(client, users, edited):
    _, other = edited
    campaign = CampaignFactory(name="Spring", owner=users["marketing"])
    campaign_update(campaign=campaign, actor=users["marketing"], name="Spring sale")
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], context_note="Hot", assignee=users["sales"])
    _signed_in(client, users["managers"])
    assert "retail" in client.get(f"/leads/{other.pk}/").content.decode()
    assert "Spring sale" in client.get(f"/campaigns/{campaign.slug}/").content.decode()
    page = client.get(f"/handoffs/{handoff.pk}/reject/").content.decode()
    assert 'data-testid="audit-card"' in page and "context_note" in page


def test_the_audit_page_filters_by_object_actor_and_dates_and_exports_csv(client, users, edited):
    owned, other = edited
    _signed_in(client, users["managers"])
    page = client.get(f"/audit/?object_type=lead&object_id={owned.pk}").content.decode()
    assert "software-owned" in page and "software-other" not in page
    assert "software-other" in client.get("/audit/?actor=mia").content.decode()
    assert "software-other" not in client.get("/audit/?actor=sid").content.decode()
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    assert "software-other" not in client.get(f"/audit/?since={tomorrow}").content.decode()
    upside_down = client.get(f"/audit/?since={tomorrow}&until=2020-01-01").content.decode()
    assert "The range ends before it starts" in upside_down
    response = client.get(f"/audit/export.csv?object_type=lead&object_id={other.pk}")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["actor"] for row in rows] == ["mia"]
    assert json.loads(rows[0]["changes"])["industry"] == {"old": "retail", "new": "software-other"}


def test_the_audit_page_is_paginated(client, users):
    for n in range(55):
        lead_update(lead=LeadFactory(), actor=users["marketing"], industry=f"industry-{n}")
    _signed_in(client, users["managers"])
    first = client.get("/audit/?object_type=lead").content.decode()
    second = client.get("/audit/?object_type=lead&page=2").content.decode()
    assert "industry-54" in first and "industry-0<" not in first
    assert "industry-0" in second and "Page 2 of 2" in second


def test_a_manager_finds_exports_and_erases_a_person(client, users, edited):
    owned, _ = edited
    _signed_in(client, users["managers"])
    page = client.get(f"/privacy/?email={owned.email.upper()}").content.decode()
    assert f"/privacy/leads/{owned.pk}/export/" in page
    assert "holds no lead" in client.get("/privacy/?email=nobody@example.com").content.decode()
    response = client.get(f"/privacy/leads/{owned.pk}/export/")
    assert response["Content-Disposition"] == f'attachment; filename="lead-{owned.pk}-personal-data.json"'
    assert json.loads(response.content)["lead"]["email"] == owned.email
    refused = client.post(f"/privacy/leads/{owned.pk}/erase/", {"email": "someone@else.com"})
    assert refused.status_code == 200 and "not the e-mail address" in refused.content.decode()
    assert Lead.objects.get(pk=owned.pk).first_name == owned.first_name
    response = client.post(f"/privacy/leads/{owned.pk}/erase/", {"email": owned.email})
    assert response.status_code == 302
    assert Lead.objects.get(pk=owned.pk).first_name == ""
    assert AuditEntry.objects.filter(object_id=str(owned.pk), action="erased", actor_label="max").exists()


@pytest.mark.parametrize(("role", "status"), [("managers", 200), ("marketing", 403), ("sales", 403)])
def test_the_privacy_api_is_for_managers(users, edited, role, status):
    owned, _ = edited
    client = APIClient()
    client.force_authenticate(users[role])
    export = client.get(f"/api/v1/privacy/leads/{owned.pk}/export/")
    assert export.status_code == status
    erase = client.post(f"/api/v1/privacy/leads/{owned.pk}/erase/")
    assert erase.status_code == status
    assert (Lead.objects.get(pk=owned.pk).first_name == "") == (status == 200)
    if status == 200:
        assert export.json()["lead"]["id"] == owned.pk
        assert client.post(f"/api/v1/privacy/leads/{owned.pk}/erase/").status_code == 409


def test_shared_settings_pages_show_their_trail_to_who_may_change_them(client, users):
    scoring_rule_create(actor=users["marketing"], field="industry", operator="equals", value="fintech-xyz", points=9)
    service_level_update(actor=users["managers"], hours_to_accept=13)
    _signed_in(client, users["marketing"])
    assert "fintech-xyz" in client.get("/leads/scoring/").content.decode().split('data-testid="audit-card"')[-1]
    _signed_in(client, users["sales"])
    assert 'data-testid="audit-card"' not in client.get("/leads/scoring/").content.decode()
    _signed_in(client, users["managers"])
    card = client.get("/team/").content.decode().split('data-testid="audit-card"')[-1]
    assert "hours_to_accept" in card and "13" in card


def test_the_trail_names_people_not_their_ids(client, users):
    from leads.services import lead_assign_owner

    lead = LeadFactory()
    lead_assign_owner(lead=lead, owner=users["sales"], actor=users["managers"])
    _signed_in(client, users["managers"])
    page = client.get(f"/audit/?object_type=lead&object_id={lead.pk}").content.decode()
    assert f"→ {users['sales'].username}" in page
    assert f"→ {users['sales'].pk}<" not in page

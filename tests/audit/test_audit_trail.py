"""Every app's services write the audit trail in the transaction of their change, with old and new values."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alignment.services import service_level_update
from campaigns import services as campaign_services
from campaigns.tests.factories import CampaignFactory, SpendFactory
from crm.models import AuditEntry
from handoffs.services import handoff_accept, handoff_create, handoff_reject
from leads import importing
from leads.models import Lead
from leads.scoring_setup import icp_update, scoring_rule_create, scoring_rule_update
from leads.services import lead_assign_owner, lead_transition, lead_update
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def entries(object_type, object_id):
    return list(AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("id"))


def test_a_profile_edit_is_recorded_with_old_and_new_values_and_the_personal_ones_apart(users):
    lead = LeadFactory(first_name="Ann", company="Acme", industry="retail")
    lead_update(lead=lead, actor=users["marketing"], first_name="Anna", industry="software")
    (entry,) = entries("lead", lead.pk)
    assert entry.action == "updated"
    assert entry.changes["industry"] == {"old": "retail", "new": "software"}
    assert entry.changes["first_name"] == {"personal": True}
    assert entry.personal.changes["first_name"] == {"old": "Ann", "new": "Anna"}
    assert (entry.actor_kind, entry.actor_label) == ("user", "mia")


def test_owner_and_status_changes_are_recorded(users):
    lead = LeadFactory(status=Lead.Status.SAL)
    lead_assign_owner(lead=lead, owner=users["sales"], actor=users["managers"])
    lead_transition(lead=lead, to_status=Lead.Status.SQL, actor=users["sales"], note="Budget confirmed.")
    owner, status = entries("lead", lead.pk)
    assert owner.changes == {"owner": {"old": None, "new": users["sales"].pk}}
    assert status.changes["status"] == {"old": "sal", "new": "sql"}
    assert status.personal.changes["note"]["new"] == "Budget confirmed."
    assert status.actor_label == "sid"


def test_a_refused_change_leaves_no_entry(users):
    lead = LeadFactory(status=Lead.Status.NEW)
    with pytest.raises(Exception):  # noqa: B017 - the lifecycle's refusal, whatever its class
        lead_transition(lead=lead, to_status=Lead.Status.WON, actor=users["managers"])
    assert entries("lead", lead.pk) == []


def test_an_entry_rolls_back_with_its_change(users):
    lead = LeadFactory(industry="retail")
    with pytest.raises(RuntimeError), transaction.atomic():
        lead_update(lead=lead, actor=users["marketing"], industry="software")
        raise RuntimeError
    assert entries("lead", lead.pk) == []


def test_handoffs_are_recorded_on_themselves_and_on_their_lead(users):
    lead = LeadFactory(status=Lead.Status.NEW)
    handoff = handoff_create(
        lead=lead, actor=users["marketing"], context_note="Asked for a demo", assignee=users["sales"]
    )
    handoff_accept(handoff=handoff, actor=users["sales"])
    created, accepted = entries("handoff", handoff.pk)
    assert created.changes["assigned_to"] == {"old": None, "new": users["sales"].pk}
    assert created.personal.changes["context_note"]["new"] == "Asked for a demo"
    assert accepted.changes["outcome"] == {"old": "pending", "new": "accepted"}
    assert (accepted.parent_type, accepted.parent_id) == ("lead", str(lead.pk))


def test_a_rejection_keeps_the_reason_and_puts_the_feedback_apart(users):
    lead = LeadFactory(status=Lead.Status.NEW)
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"])
    handoff_reject(handoff=handoff, actor=users["sales"], reason="no_budget", feedback="Said no money")
    rejected = entries("handoff", handoff.pk)[-1]
    assert rejected.changes["reject_reason"] == {"old": "", "new": "no_budget"}
    assert rejected.changes["feedback"] == {"personal": True}


def test_campaign_and_spend_changes_are_recorded_on_the_campaign(users):
    campaign = CampaignFactory(name="Spring", budget=Decimal("100.00"))
    campaign_services.campaign_update(campaign=campaign, actor=users["marketing"], budget=Decimal("250.00"))
    spend = campaign_services.spend_add(
        campaign=campaign, actor=users["marketing"], date=datetime.date(2026, 3, 2), amount=Decimal("40.00")
    )
    campaign_services.spend_update(
        spend=spend, actor=users["marketing"], date=spend.date, amount=Decimal("45.50"), note=""
    )
    spend_id = spend.pk
    campaign_services.spend_delete(spend=spend, actor=users["managers"])
    (update,) = entries("campaign", campaign.pk)
    assert update.changes == {"budget": {"old": "100.00", "new": "250.00"}}
    added, corrected, deleted = entries("spend", spend_id)
    assert added.changes["amount"] == {"old": None, "new": "40.00"}
    assert corrected.changes == {"amount": {"old": "40.00", "new": "45.50"}}
    assert (deleted.action, deleted.actor_label, deleted.parent_id) == ("deleted", "max", str(campaign.pk))


def test_an_unchanged_save_writes_no_entry(users):
    spend = SpendFactory(amount=Decimal("10.00"), note="")
    campaign_services.spend_update(spend=spend, actor=users["marketing"], date=spend.date, amount=Decimal("10.00"))
    assert entries("spend", spend.pk) == []


def test_scoring_rules_the_profile_and_the_service_level_are_recorded(users):
    rule = scoring_rule_create(
        actor=users["marketing"], field="industry", operator="equals", value="software", points=10
    )
    scoring_rule_update(rule=rule, actor=users["marketing"], points=15)
    icp_update(actor=users["marketing"], mql_threshold=42)
    service_level_update(actor=users["managers"], hours_to_accept=12)
    assert [e.action for e in entries("scoring_rule", rule.pk)] == ["created", "updated"]
    assert entries("scoring_rule", rule.pk)[1].changes == {"points": {"old": 10, "new": 15}}
    assert AuditEntry.objects.get(object_type="icp").changes["mql_threshold"]["new"] == 42
    assert AuditEntry.objects.get(object_type="service_level").changes["hours_to_accept"]["new"] == 12


def test_a_change_through_the_api_is_attributed_to_the_token_with_the_request_id(users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['sales']).key}")
    response = client.post(
        f"/api/v1/leads/{lead.pk}/transition/",
        {"to_status": "sql", "version": lead.version},
        format="json",
        headers={"X-Request-ID": "req-42"},
    )
    assert response.status_code == 200, response.content
    (entry,) = entries("lead", lead.pk)
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("token", str(users["sales"].pk), "sid (API token)")
    assert entry.request_id == "req-42"


def test_a_change_on_a_page_is_attributed_to_the_signed_in_user(client, users):
    campaign = CampaignFactory(owner=users["marketing"])
    client.force_login(users["managers"])
    response = client.post(f"/campaigns/{campaign.slug}/archive/")
    assert response.status_code in (200, 302)
    (entry,) = entries("campaign", campaign.pk)
    assert (entry.action, entry.actor_kind, entry.actor_label) == ("archived", "user", "max")
    assert entry.request_id


def test_leads_an_import_makes_mqls_are_recorded_as_the_import_jobs_doing(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    icp_update(actor=users["marketing"], mql_threshold=0)
    csv = "email,first_name\r\nada@example.com,Ada\r\nbob@example.com,Bob\r\n"
    job = importing.import_job_create(
        file=ContentFile(csv.encode(), name="fair.csv"), actor=users["marketing"], run_in_background=False
    )
    importing.import_job_run(job=job)
    made = AuditEntry.objects.filter(object_type="lead", action="status_changed")
    assert made.count() == 2
    assert {(e.actor_kind, e.actor_id, e.actor_label) for e in made} == {
        ("import", str(job.pk), f"import #{job.pk} (fair.csv)")
    }
    assert {e.changes["status"]["new"] for e in made} == {"mql"}

"""The database itself keeps the lead invariants, whoever writes: constraints and on_delete."""

from decimal import Decimal

import pytest
from django.db.models import ProtectedError

from campaigns.tests.factories import CampaignFactory
from handoffs.tests.factories import HandoffFactory
from leads.models import Activity, Lead, StatusChange, Touchpoint
from leads.tests.factories import ActivityFactory, LeadFactory, StatusChangeFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
S = Lead.Status


def test_two_leads_whose_emails_differ_only_in_case_are_refused(db_refuses):
    LeadFactory(email="ada@example.com")
    assert db_refuses(LeadFactory, email="ADA@Example.COM")
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "is_refused"),
    [
        ({"deal_value": Decimal("-1.00")}, True),
        ({"deal_value": Decimal("0.00")}, False),
        ({"status": S.WON, "deal_value": None}, True),
        ({"status": S.WON, "deal_value": Decimal("0.00")}, True),
        ({"status": S.WON, "deal_value": Decimal("0.01")}, False),
        ({"status": S.LOST, "lost_reason": ""}, True),
        ({"status": S.LOST, "lost_reason": Lead.LostReason.PRICE}, False),
    ],
)
def test_money_and_outcomes_are_checked_by_the_database(db_refuses, fields, is_refused):
    assert db_refuses(LeadFactory, **fields) is is_refused


def test_deleting_a_campaign_keeps_its_leads_and_their_touchpoints():
    campaign = CampaignFactory()
    lead = LeadFactory(first_touch_campaign=campaign, last_touch_campaign=campaign)
    TouchpointFactory(lead=lead, campaign=campaign)
    campaign.delete()
    lead.refresh_from_db()
    assert (lead.first_touch_campaign, lead.last_touch_campaign) == (None, None)
    assert Touchpoint.objects.get(lead=lead).campaign is None


def test_deleting_a_user_keeps_the_leads_history_and_activities_they_touched(users):
    rep = users["sales"]
    lead = LeadFactory(status=S.SAL, owner=rep)
    StatusChangeFactory(lead=lead, from_status=S.MQL, to_status=S.SAL, changed_by=rep)
    ActivityFactory(lead=lead, user=rep)
    handoff = HandoffFactory(lead=lead, assigned_to=rep, created_by=users["marketing"])
    rep.delete()
    lead.refresh_from_db()
    handoff.refresh_from_db()
    assert lead.owner is None
    assert StatusChange.objects.get(lead=lead).changed_by is None
    assert Activity.objects.get(lead=lead).user is None
    assert handoff.assigned_to is None


def test_a_lead_with_a_hand_off_cannot_be_deleted():
    lead = HandoffFactory().lead
    with pytest.raises(ProtectedError):
        lead.delete()
    assert Lead.objects.filter(pk=lead.pk).exists()

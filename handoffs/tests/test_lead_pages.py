"""Hand-offs as seen from the lead pages: on the timeline, and moved by a merge."""

import pytest
from django.urls import reverse

from handoffs.models import Handoff
from handoffs.services import handoff_accept, handoff_create, handoff_reject
from handoffs.tests.factories import HandoffFactory
from leads.models import Lead
from leads.services import MergeRefused, lead_merge
from leads.tests.factories import LeadFactory
from leads.timeline import lead_timeline

pytestmark = pytest.mark.django_db


def test_hand_off_events_are_on_the_lead_timeline(users):
    lead = LeadFactory(status=Lead.Status.NEW)
    handoff = handoff_create(
        lead=lead, actor=users["marketing"], context_note="Asked for pricing", assignee=users["sales"]
    )
    handoff_accept(handoff=handoff, actor=users["sales"])
    titles = [entry.title for entry in lead_timeline(lead).entries]
    assert "Handed to sales: sid" in titles and "Hand-off accepted" in titles
    # Newest first: the acceptance (and its move to SAL) come after the hand-off was created.
    assert titles.index("Hand-off accepted") < titles.index("Handed to sales: sid")


def test_a_rejected_hand_off_shows_its_reason_and_feedback(users, client):
    lead = LeadFactory(status=Lead.Status.MQL)
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"])
    handoff_reject(handoff=handoff, actor=users["sales"], reason="no_budget", feedback="Frozen until Q3")
    client.force_login(users["marketing"])
    html = client.get(lead.get_absolute_url()).content.decode()
    assert "Hand-off rejected: No budget" in html and "Frozen until Q3" in html


def test_merging_moves_the_duplicates_hand_offs(users):
    survivor = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    duplicate = LeadFactory(status=Lead.Status.MQL)
    HandoffFactory(lead=survivor, outcome=Handoff.Outcome.ACCEPTED, responded_at=survivor.created_at)
    pending = HandoffFactory(lead=duplicate)
    lead_merge(survivor=survivor, duplicate=duplicate, actor=users["managers"])
    assert Handoff.objects.get(pk=pending.pk).lead_id == survivor.pk
    assert Handoff.objects.filter(lead=survivor).count() == 2


def test_merging_two_leads_with_pending_hand_offs_is_refused(users, client):
    survivor, duplicate = LeadFactory(status=Lead.Status.MQL), LeadFactory(status=Lead.Status.MQL)
    HandoffFactory(lead=survivor)
    HandoffFactory(lead=duplicate)
    with pytest.raises(MergeRefused) as info:
        lead_merge(survivor=survivor, duplicate=duplicate, actor=users["managers"])
    assert "pending" in str(info.value) and "Settle one of them" in str(info.value)
    assert Lead.objects.filter(pk=duplicate.pk).exists()
    assert Handoff.objects.filter(lead=duplicate).count() == 1
    client.force_login(users["managers"])
    response = client.post(reverse("leads:merge", args=[survivor.pk]), {"duplicate": duplicate.pk})
    assert response.status_code == 409
    assert "Both leads have a handoff with outcome pending" in response.content.decode()
    assert Lead.objects.filter(pk=duplicate.pk).exists()

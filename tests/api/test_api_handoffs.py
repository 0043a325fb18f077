"""Hand-offs through the API: create, accept, reject, and answering twice."""

import pytest
from django.utils import timezone

from handoffs.models import Handoff
from handoffs.tests.factories import HandoffFactory
from leads.models import Lead, StatusChange
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_creating_a_hand_off_makes_the_lead_an_mql_and_assigns_a_rep(users, api_as):
    lead = LeadFactory(status=Lead.Status.NEW)
    response = api_as(users["marketing"]).post(
        "/api/v1/handoffs/", {"lead": lead.pk, "context_note": "Asked for a demo."}, format="json"
    )
    assert response.status_code == 201
    handoff = Handoff.objects.get(pk=response.json()["id"])
    assert handoff.created_by == users["marketing"]
    assert handoff.assigned_to in (users["sales"], users["sales2"])
    assert response.json()["assigned_to_username"] == handoff.assigned_to.username
    assert response.json()["lead_summary"]["status"] == "mql"
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.MQL


def test_a_second_pending_hand_off_of_a_lead_is_a_409(users, api_as):
    handoff = HandoffFactory(assigned_to=users["sales"])
    response = api_as(users["marketing"]).post("/api/v1/handoffs/", {"lead": handoff.lead_id}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "handoff_pending"
    assert Handoff.objects.count() == 1


def test_a_lead_already_worked_cannot_be_handed_off(users, api_as):
    lead = LeadFactory(status=Lead.Status.SQL)
    response = api_as(users["managers"]).post("/api/v1/handoffs/", {"lead": lead.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"to_status": ["A lead cannot move from sql to mql."]}
    missing = api_as(users["managers"]).post("/api/v1/handoffs/", {"lead": 999999}, format="json")
    assert missing.status_code == 400
    assert "lead" in missing.json()
    assert not Handoff.objects.exists()


def test_accepting_makes_the_lead_sal_and_the_rep_its_owner(users, api_as):
    handoff = HandoffFactory(assigned_to=users["sales"])
    response = api_as(users["sales"]).post(f"/api/v1/handoffs/{handoff.pk}/accept/")
    assert response.status_code == 200
    assert response.json()["outcome"] == "accepted"
    lead = Lead.objects.get(pk=handoff.lead_id)
    assert (lead.status, lead.owner) == (Lead.Status.SAL, users["sales"])
    assert StatusChange.objects.get(lead=lead).changed_by == users["sales"]


def test_answering_twice_is_a_409_that_names_the_outcome(users, api_as):
    handoff = HandoffFactory(assigned_to=users["sales"])
    client = api_as(users["sales"])
    assert client.post(f"/api/v1/handoffs/{handoff.pk}/accept/").status_code == 200
    again = client.post(f"/api/v1/handoffs/{handoff.pk}/reject/", {"reason": "other", "feedback": "x"}, format="json")
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["current_outcome"]) == ("already_answered", "accepted")
    accept_again = client.post(f"/api/v1/handoffs/{handoff.pk}/accept/")
    assert accept_again.status_code == 409
    assert StatusChange.objects.filter(lead_id=handoff.lead_id).count() == 1


@pytest.mark.parametrize(("reason", "status"), [("not_ready", "recycled"), ("no_budget", "disqualified")])
def test_rejecting_recycles_or_disqualifies_and_keeps_the_feedback(users, api_as, reason, status):
    handoff = HandoffFactory(assigned_to=users["sales"])
    response = api_as(users["sales"]).post(
        f"/api/v1/handoffs/{handoff.pk}/reject/", {"reason": reason, "feedback": " Call back in Q3. "}, format="json"
    )
    assert response.status_code == 200
    handoff.refresh_from_db()
    assert (handoff.outcome, handoff.reject_reason, handoff.feedback) == ("rejected", reason, "Call back in Q3.")
    assert Lead.objects.get(pk=handoff.lead_id).status == status


def test_rejecting_without_reason_or_feedback_is_refused(users, api_as):
    handoff = HandoffFactory(assigned_to=users["sales"])
    client = api_as(users["sales"])
    response = client.post(f"/api/v1/handoffs/{handoff.pk}/reject/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"reason", "feedback"}
    blank = client.post(f"/api/v1/handoffs/{handoff.pk}/reject/", {"reason": "other", "feedback": "   "}, format="json")
    assert blank.status_code == 400
    assert "feedback" in blank.json()
    handoff.refresh_from_db()
    assert handoff.outcome == Handoff.Outcome.PENDING


def test_the_list_filters_by_outcome_and_mine(users, api_as):
    mine = HandoffFactory(assigned_to=users["sales"])
    HandoffFactory(assigned_to=users["sales2"])
    HandoffFactory(
        assigned_to=users["sales"],
        outcome=Handoff.Outcome.REJECTED,
        reject_reason="other",
        responded_at=timezone.now(),
    )
    client = api_as(users["sales"])
    pending_mine = client.get("/api/v1/handoffs/", {"mine": "true", "outcome": "pending"}).json()
    assert [row["id"] for row in pending_mine["results"]] == [mine.pk]
    everything = client.get("/api/v1/handoffs/").json()
    assert everything["count"] == 3

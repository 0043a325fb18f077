"""Activities through the API answer as the page does: the clock of the service level is the
server's, reported times stay within bounds, and tasks go only to whom the page offers."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from handoffs.models import Handoff
from handoffs.tests.factories import HandoffFactory
from leads.models import Activity, Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)


def _accepted_lead(users, *, created_days_ago=10, accepted_days_ago=2):
    lead = LeadFactory(
        owner=users["sales"], status=Lead.Status.SAL, created_at=NOW - datetime.timedelta(days=created_days_ago)
    )
    handoff = HandoffFactory(
        lead=lead,
        assigned_to=users["sales"],
        outcome=Handoff.Outcome.ACCEPTED,
        responded_at=NOW - datetime.timedelta(days=accepted_days_ago),
        first_contact_deadline=NOW - datetime.timedelta(days=accepted_days_ago - 1),
    )
    return lead, handoff


@time_machine.travel(NOW, tick=False)
def test_a_backdated_call_keeps_its_time_but_the_first_contact_is_when_it_was_recorded(users, api_as):
    lead, handoff = _accepted_lead(users)
    said = NOW - datetime.timedelta(days=1, hours=20)  # would meet the (missed) contact deadline
    response = api_as(users["sales"]).post(
        f"/api/v1/leads/{lead.pk}/activities/",
        {"kind": "call", "subject": "Intro", "occurred_at": said.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    activity = Activity.objects.get(pk=response.json()["id"])
    assert (activity.occurred_at, activity.recorded_at) == (said, NOW)
    assert response.json()["recorded_at"] is not None
    handoff.refresh_from_db()
    assert handoff.first_contact_at == NOW
    assert handoff.first_contact_at > handoff.first_contact_deadline  # the SLA sees the miss


@pytest.mark.parametrize(
    "occurred_at, why",
    [
        (NOW + datetime.timedelta(minutes=5), "future"),
        (NOW - datetime.timedelta(days=11), "before the lead existed"),
        (datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), "year 1"),
        (datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC), "year 9999"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_a_reported_time_out_of_bounds_is_refused(users, api_as, occurred_at, why):
    lead, handoff = _accepted_lead(users)
    response = api_as(users["sales"]).post(
        f"/api/v1/leads/{lead.pk}/activities/",
        {"kind": "call", "subject": "Intro", "occurred_at": occurred_at.isoformat()},
        format="json",
    )
    assert response.status_code == 400, why
    assert list(response.json()) == ["occurred_at"]
    assert not Activity.objects.exists()
    handoff.refresh_from_db()
    assert handoff.first_contact_at is None


@time_machine.travel(NOW, tick=False)
def test_a_task_due_in_year_9999_is_refused(users, api_as):
    lead, _ = _accepted_lead(users)
    response = api_as(users["sales"]).post(
        f"/api/v1/leads/{lead.pk}/activities/",
        {"kind": "task", "subject": "Call back", "due_at": "9999-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["due_at"]


def _task(api_as, actor, lead, assignee):
    return api_as(actor).post(
        f"/api/v1/leads/{lead.pk}/activities/",
        {"kind": "task", "subject": "Send offer", "due_at": timezone.now().isoformat(), "assignee": assignee.pk},
        format="json",
    )


def test_a_rep_cannot_give_a_task_to_someone_else(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL)
    for other in ("sales2", "managers", "marketing"):
        response = _task(api_as, users["sales"], lead, users[other])
        assert response.status_code == 400, other
        assert list(response.json()) == ["assignee"]
    assert not Activity.objects.exists()
    assert _task(api_as, users["sales"], lead, users["sales"]).status_code == 201


def test_a_manager_gives_tasks_to_sales_reps_only_as_on_the_page(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL)
    assert _task(api_as, users["managers"], lead, users["marketing"]).status_code == 400
    response = _task(api_as, users["managers"], lead, users["sales2"])
    assert response.status_code == 201
    assert Activity.objects.get().assignee == users["sales2"]

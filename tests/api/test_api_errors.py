"""The API's exception handler: service refusals as JSON, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from rest_framework.exceptions import NotFound

from crm.api_errors import exception_handler
from handoffs.services import HandoffAlreadyAnswered, HandoffExists
from handoffs.tests.factories import HandoffFactory
from leads.services import InvalidTransition, StaleLead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            ValidationError({"email": "Enter a valid e-mail address."}),
            400,
            {"email": ["Enter a valid e-mail address."]},
        ),
        (ValidationError("Only tasks can be completed."), 400, {"non_field_errors": ["Only tasks can be completed."]}),
        (InvalidTransition("won", "new"), 400, {"to_status": ["A lead cannot move from won to new."]}),
        (IntegrityError("duplicate key"), 409, {"code": "conflict"}),
        (NotFound(), 404, {"detail": "Not found."}),
    ],
)
def test_errors_become_json_answers(error, status, body):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert body.items() <= response.data.items()


def test_a_stale_lead_answers_409_with_its_current_state():
    lead = LeadFactory(status="sql", version=9)
    response = exception_handler(StaleLead(lead), {})
    assert response.status_code == 409
    assert (response.data["current_version"], response.data["current_status"]) == (9, "sql")


def test_hand_off_refusals_answer_409():
    handoff = HandoffFactory(outcome="accepted", responded_at=LeadFactory().created_at)
    answered = exception_handler(HandoffAlreadyAnswered(handoff), {})
    assert (answered.status_code, answered.data["current_outcome"]) == (409, "accepted")
    pending = exception_handler(HandoffExists(handoff.lead), {})
    assert (pending.status_code, pending.data["code"]) == (409, "handoff_pending")


def test_other_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-thing/",
        "/api/v1/no-such-thing",
        "/api/v1/campaigns/a%0Ab/variants/",  # an encoded newline: `.` alone does not match it
        "/api/v1/campaigns/%F2%B0%9F%A4%1F/variants/",
        "/api/v1/leads/1/%0D%0A/",
    ],
)
def test_every_unknown_api_path_answers_json_404(client, users, path):
    client.force_login(users["managers"])
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()

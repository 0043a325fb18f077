"""The database itself keeps the hand-off invariants, whoever writes."""

import pytest
from django.utils import timezone

from handoffs.models import Handoff
from handoffs.tests.factories import HandoffFactory
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db
OUTCOME = Handoff.Outcome


def test_a_lead_has_at_most_one_pending_hand_off(db_refuses):
    lead = LeadFactory()
    HandoffFactory(lead=lead)
    assert db_refuses(HandoffFactory, lead=lead)
    assert Handoff.objects.filter(lead=lead).count() == 1


def test_answered_hand_offs_of_a_lead_do_not_count_against_the_pending_one(db_refuses):
    lead = LeadFactory()
    HandoffFactory(lead=lead, outcome=OUTCOME.REJECTED, reject_reason="not_ready", responded_at=timezone.now())
    HandoffFactory(lead=lead, outcome=OUTCOME.ACCEPTED, responded_at=timezone.now())
    assert not db_refuses(HandoffFactory, lead=lead)


@pytest.mark.parametrize(
    ("fields", "is_refused"),
    [
        ({"outcome": OUTCOME.REJECTED, "reject_reason": "", "responded_at": timezone.now()}, True),
        ({"outcome": OUTCOME.ACCEPTED, "responded_at": None}, True),
        ({"outcome": OUTCOME.REJECTED, "reject_reason": "no_budget", "responded_at": timezone.now()}, False),
    ],
)
def test_an_answer_needs_its_time_and_a_rejection_its_reason(db_refuses, fields, is_refused):
    assert db_refuses(HandoffFactory, **fields) is is_refused

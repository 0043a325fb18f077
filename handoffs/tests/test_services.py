"""Hand-offs through handoffs.services: assignment, deadlines, accepting and rejecting."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handoffs.models import Handoff, SalesRep, ServiceLevel
from handoffs.services import (
    HandoffAlreadyAnswered,
    HandoffExists,
    handoff_accept,
    handoff_assign,
    handoff_create,
    handoff_reject,
    pick_assignee,
    rep_loads,
)
from handoffs.tests.factories import SalesRepFactory
from leads.models import Lead, StatusChange
from leads.services import InvalidTransition
from leads.tests.factories import LeadFactory

# These tests assume the 24-hour clocks of the original service level.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("round_the_clock")]

S = Lead.Status
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def minutes(n):
    return T0 + datetime.timedelta(minutes=n)


@pytest.fixture
def reps(make_user):
    """Three sales reps, created in name order."""
    return [make_user(name, "sales") for name in ("rae", "rob", "ron")]


def hand_off(actor, at, **lead_fields):
    return handoff_create(lead=LeadFactory(**lead_fields), actor=actor, at=at)


def test_assignment_rotates_fairly_over_the_reps(reps, users):
    # `users` adds two more sales reps; take them off rotation so three remain.
    for extra in (users["sales"], users["sales2"]):
        SalesRepFactory(user=extra, accepting=False)
    handoffs = [hand_off(users["marketing"], minutes(i)) for i in range(6)]
    assert [h.assigned_to for h in handoffs] == [reps[0], reps[1], reps[2], reps[0], reps[1], reps[2]]
    assert not any(h.over_capacity for h in handoffs)
    assert SalesRep.objects.get(user=reps[2]).last_assigned_at == minutes(5)


def test_a_rep_at_capacity_is_skipped_and_a_rep_capacity_overrides_the_default(reps, make_user):
    level = ServiceLevel.current()
    level.default_rep_capacity = 1
    level.save()
    SalesRepFactory(user=reps[0], capacity=3)
    LeadFactory(status=S.SAL, owner=reps[1])  # rob is full at the default capacity of one
    marketer = make_user("mae", "marketing")
    assigned = [hand_off(marketer, minutes(i)).assigned_to for i in range(4)]
    # ron fills his one seat with the first pending hand-off he gets; rae carries three.
    assert assigned == [reps[0], reps[2], reps[0], reps[0]]


def test_a_rep_who_is_not_accepting_gets_nothing(reps, make_user):
    SalesRepFactory(user=reps[0], accepting=False)
    SalesRepFactory(user=reps[1], accepting=False)
    marketer = make_user("mae", "marketing")
    assert {hand_off(marketer, minutes(i)).assigned_to for i in range(3)} == {reps[2]}


def test_when_nobody_has_room_the_handoff_waits_unassigned_over_capacity(reps, make_user):
    level = ServiceLevel.current()
    level.default_rep_capacity = 1
    level.save()
    for rep in reps:
        LeadFactory(status=S.SQL, owner=rep)
    handoff = hand_off(make_user("mae", "marketing"), T0)
    fresh = Handoff.objects.get(pk=handoff.pk)
    assert fresh.assigned_to is None
    assert fresh.over_capacity is True
    assert fresh.outcome == Handoff.Outcome.PENDING
    assert pick_assignee(level=level, now=T0) is None


def test_deadlines_follow_the_service_level(users):
    level = ServiceLevel.current()
    level.hours_to_accept = 6
    level.hours_to_first_contact = 10
    level.save()
    handoff = hand_off(users["marketing"], T0)
    assert handoff.accept_deadline == T0 + datetime.timedelta(hours=6)
    assert handoff.first_contact_deadline is None
    accepted = handoff_accept(handoff=handoff, actor=handoff.assigned_to, at=minutes(90))
    fresh = Handoff.objects.get(pk=accepted.pk)
    assert fresh.responded_at == minutes(90)
    assert fresh.first_contact_deadline == minutes(90) + datetime.timedelta(hours=10)
    assert fresh.responded_in_time()


def test_creating_a_handoff_makes_a_new_lead_an_mql_with_history(users):
    handoff = hand_off(users["marketing"], T0, status=S.NEW)
    lead = Lead.objects.get(pk=handoff.lead_id)
    assert lead.status == S.MQL
    change = StatusChange.objects.get(lead=lead)
    assert (change.from_status, change.to_status, change.changed_by, change.changed_at) == (
        S.NEW,
        S.MQL,
        users["marketing"],
        T0,
    )


def test_accepting_makes_the_lead_sal_owned_by_the_assignee(users):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=T0)
    handoff_accept(handoff=handoff, actor=users["sales"], at=minutes(30))
    lead = Lead.objects.get(pk=handoff.lead_id)
    assert (lead.status, lead.owner) == (S.SAL, users["sales"])
    fresh = Handoff.objects.get(pk=handoff.pk)
    assert (fresh.outcome, fresh.responded_by, fresh.assigned_to) == (
        Handoff.Outcome.ACCEPTED,
        users["sales"],
        users["sales"],
    )
    moves = list(StatusChange.objects.filter(lead=lead).order_by("changed_at").values_list("to_status", "changed_by"))
    assert moves == [(S.MQL, users["marketing"].pk), (S.SAL, users["sales"].pk)]


def test_a_manager_accepting_an_assigned_handoff_gives_the_lead_to_the_assignee(users):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales2"], at=T0)
    handoff_accept(handoff=handoff, actor=users["managers"], at=minutes(5))
    assert Lead.objects.get(pk=handoff.lead_id).owner == users["sales2"]


@pytest.mark.parametrize(
    ("reason", "status"),
    [(reason, S.RECYCLED if reason == "not_ready" else S.DISQUALIFIED) for reason in Handoff.RejectReason.values],
)
def test_rejecting_recycles_when_not_ready_and_disqualifies_otherwise(users, reason, status):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=T0)
    handoff_reject(handoff=handoff, actor=users["sales"], reason=reason, feedback="  Spoke to them.  ", at=minutes(9))
    fresh = Handoff.objects.get(pk=handoff.pk)
    assert (fresh.outcome, fresh.reject_reason, fresh.feedback, fresh.responded_at) == (
        Handoff.Outcome.REJECTED,
        reason,
        "Spoke to them.",
        minutes(9),
    )
    lead = Lead.objects.get(pk=handoff.lead_id)
    assert lead.status == status
    assert lead.owner is None
    assert StatusChange.objects.filter(lead=lead).latest("changed_at", "id").to_status == status


@pytest.mark.parametrize(
    ("reason", "feedback", "keys"),
    [
        ("", "Wrong person.", {"reason"}),
        ("made_up", "Wrong person.", {"reason"}),
        ("not_icp_fit", "   ", {"feedback"}),
        ("not_icp_fit", None, {"feedback"}),
        ("", "", {"reason", "feedback"}),
    ],
)
def test_rejecting_without_reason_or_feedback_is_refused(users, reason, feedback, keys):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=T0)
    with pytest.raises(ValidationError) as info:
        handoff_reject(handoff=handoff, actor=users["sales"], reason=reason, feedback=feedback)
    assert set(info.value.message_dict) == keys
    assert Handoff.objects.get(pk=handoff.pk).outcome == Handoff.Outcome.PENDING
    assert Lead.objects.get(pk=handoff.lead_id).status == S.MQL


@pytest.mark.parametrize("first", ["accept", "reject"])
@pytest.mark.parametrize("second", ["accept", "reject"])
def test_answering_twice_is_refused(users, first, second):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=T0)
    answer = {
        "accept": lambda: handoff_accept(handoff=handoff, actor=users["sales"]),
        "reject": lambda: handoff_reject(handoff=handoff, actor=users["sales"], reason="duplicate", feedback="Dup."),
    }
    answer[first]()
    status_after_first = Lead.objects.get(pk=handoff.lead_id).status
    with pytest.raises(HandoffAlreadyAnswered):
        answer[second]()
    assert Lead.objects.get(pk=handoff.lead_id).status == status_after_first
    assert StatusChange.objects.filter(lead_id=handoff.lead_id).count() == 2


def test_a_second_handoff_while_one_is_pending_is_refused(users):
    lead = LeadFactory()
    handoff_create(lead=lead, actor=users["marketing"], at=T0)
    with pytest.raises(HandoffExists):
        handoff_create(lead=lead, actor=users["marketing"], at=minutes(1))
    assert Handoff.objects.filter(lead=lead).count() == 1


def test_a_recycled_lead_can_be_handed_off_again(users):
    lead = LeadFactory()
    first = handoff_create(lead=lead, actor=users["marketing"], at=T0)
    handoff_reject(handoff=first, actor=users["sales"], reason="not_ready", feedback="Call in Q3.", at=minutes(1))
    again = handoff_create(lead=lead, actor=users["marketing"], at=minutes(2))
    assert again.outcome == Handoff.Outcome.PENDING
    assert Lead.objects.get(pk=lead.pk).status == S.MQL


@pytest.mark.parametrize("status", [S.WON, S.SAL, S.SQL, S.DISQUALIFIED, S.LOST])
def test_handing_off_a_lead_beyond_marketing_is_refused(users, status):
    lead = LeadFactory(status=status, deal_value=10 if status == S.WON else None, lost_reason="price")
    with pytest.raises(InvalidTransition):
        handoff_create(lead=lead, actor=users["marketing"], at=T0)
    assert not Handoff.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == status


def test_a_manager_reassigns_a_pending_handoff_to_a_sales_rep(users, reps):
    level = ServiceLevel.current()
    level.default_rep_capacity = 0
    level.save()
    handoff = hand_off(users["marketing"], T0)
    assert handoff.over_capacity
    handoff_assign(handoff=handoff, actor=users["managers"], assignee=reps[1], at=minutes(3))
    fresh = Handoff.objects.get(pk=handoff.pk)
    assert (fresh.assigned_to, fresh.over_capacity) == (reps[1], False)
    # The manager's pick counts as the rep's turn in the rotation, at the time it was made.
    assert SalesRep.objects.get(user=reps[1]).last_assigned_at == minutes(3)


@pytest.mark.parametrize("who", ["marketing", "managers", "norole"])
def test_reassigning_to_someone_outside_sales_is_refused(users, who):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=T0)
    with pytest.raises(ValidationError) as info:
        handoff_assign(handoff=handoff, actor=users["managers"], assignee=users[who])
    assert "assignee" in info.value.message_dict
    assert Handoff.objects.get(pk=handoff.pk).assigned_to == users["sales"]


def test_reassigning_to_an_inactive_rep_is_refused(users, make_user):
    gone = make_user("gil", "sales", is_active=False)
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=T0)
    with pytest.raises(ValidationError):
        handoff_assign(handoff=handoff, actor=users["managers"], assignee=gone)


def test_reassigning_an_answered_handoff_is_refused(users):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=T0)
    handoff_accept(handoff=handoff, actor=users["sales"])
    with pytest.raises(HandoffAlreadyAnswered):
        handoff_assign(handoff=handoff, actor=users["managers"], assignee=users["sales2"])
    assert Handoff.objects.get(pk=handoff.pk).assigned_to == users["sales"]


def test_an_overdue_pending_handoff_is_a_breach():
    handoff = Handoff(outcome=Handoff.Outcome.PENDING, accept_deadline=T0)
    assert handoff.is_overdue(now=minutes(1))
    assert not handoff.is_overdue(now=T0)
    assert not Handoff(outcome=Handoff.Outcome.ACCEPTED, accept_deadline=T0).is_overdue(now=timezone.now())


def test_reassigning_to_nobody_is_refused(users):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=T0)
    with pytest.raises(ValidationError) as info:
        handoff_assign(handoff=handoff, actor=users["managers"], assignee=None)
    assert "assignee" in info.value.message_dict


def test_a_reps_load_is_open_leads_plus_pending_handoffs_whatever_their_history(users, reps):
    rep = reps[0]
    for status in (S.SAL, S.SQL, S.WON, S.LOST, S.DISQUALIFIED):
        LeadFactory(status=status, owner=rep, deal_value=5 if status == S.WON else None, lost_reason="price")
    answered = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=rep, at=T0)
    handoff_reject(handoff=answered, actor=rep, reason="duplicate", feedback="Dup.", at=minutes(1))
    handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=rep, at=minutes(2))
    handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=reps[1], at=minutes(3))
    with CaptureQueriesContext(connection) as queries:
        loads = rep_loads([rep.pk, reps[1].pk, reps[2].pk])
    assert loads == {rep.pk: 3, reps[1].pk: 1, reps[2].pk: 0}
    # Grouped counts per table: never a join of a rep's leads with their hand-offs.
    assert len(queries) == 2
    assert not any("JOIN" in q["sql"].upper() for q in queries.captured_queries)


def test_the_sweep_hands_off_an_mql_whose_handoff_was_never_queued(users):
    import datetime

    from django.utils import timezone

    from handoffs.models import Handoff
    from handoffs.services import handoff_create, handoffs_for_unrouted_mqls
    from leads.models import Lead
    from leads.tests.factories import LeadFactory

    long_ago = timezone.now() - datetime.timedelta(hours=1)
    orphan = LeadFactory(status=Lead.Status.MQL, status_changed_at=long_ago)
    just_now = LeadFactory(status=Lead.Status.MQL)  # its queued task may still be on its way
    routed = LeadFactory(status=Lead.Status.NEW)
    handoff_create(lead=routed, actor=users["marketing"], at=long_ago)
    assert handoffs_for_unrouted_mqls() == 1
    assert Handoff.objects.get(lead=orphan).outcome == Handoff.Outcome.PENDING
    assert not Handoff.objects.filter(lead=just_now).exists()
    assert Handoff.objects.filter(lead=routed).count() == 1
    assert handoffs_for_unrouted_mqls() == 0  # a second run finds nothing to do

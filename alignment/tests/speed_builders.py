"""A hand-built week of hand-offs and first contacts for the speed-to-lead figures (alignment/metrics/contact.py).

Week 2026-W10 (Mon 2 – Sun 8 March), UTC, working hours Monday–Friday 09:00–17:00; the
answers are worked out in alignment/tests/test_first_contact.py.
"""

import datetime

from campaigns.models import Channel
from handoffs.models import Handoff, ServiceLevel
from handoffs.tests.factories import HandoffFactory
from leads.models import Activity, Lead
from leads.tests.factories import ActivityFactory, LeadFactory

A = Activity.Kind


def t(day, hour, minute=0):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=datetime.UTC)


def handed_off(source, rep, created, outcome=Handoff.Outcome.ACCEPTED, deadline=None):
    outcome_fields = {}
    if outcome != Handoff.Outcome.PENDING:
        outcome_fields = {"responded_at": created + datetime.timedelta(minutes=1)}
    if outcome == Handoff.Outcome.REJECTED:
        outcome_fields["reject_reason"] = Handoff.RejectReason.NOT_ICP_FIT
    return HandoffFactory(
        lead=LeadFactory(source=source, status=Lead.Status.SAL),
        assigned_to=rep,
        created_at=created,
        outcome=outcome,
        first_contact_deadline=deadline,
        **outcome_fields,
    )


def contact(handoff, user, when, kind=A.CALL):
    return ActivityFactory(lead=handoff.lead, user=user, kind=kind, occurred_at=when)


def build_speed_week(make_user):
    """Build the hand-offs of 2026-W10 (TIME_ZONE UTC) whose speed-to-lead figures the tests work out by hand."""
    ServiceLevel.current()  # the default: Monday–Friday 09:00–17:00
    rae, rob = make_user("rae", "sales"), make_user("rob", "sales")
    # H1 Mon 10:00, call at 10:04: 4 min, in time (deadline Tue 10:01).
    h1 = handed_off(Channel.EMAIL, rae, t(2, 10), deadline=t(3, 10, 1))
    contact(h1, rae, t(2, 10, 4))
    # H2 Fri 16:50, e-mail Mon 9 Mar 09:15: 10 min on Friday + 15 on Monday = 25 working minutes.
    h2 = handed_off(Channel.PAID_SEARCH, rae, t(6, 16, 50), deadline=t(9, 16, 51))
    contact(h2, rae, t(9, 9, 15), kind=A.EMAIL)
    # H3 Tue 11:00, meeting Wed 12:00: 6 h on Tuesday + 3 h on Wednesday = 540 min, after its deadline.
    h3 = handed_off(Channel.EMAIL, rob, t(3, 11), deadline=t(4, 11, 1))
    contact(h3, rob, t(4, 12), kind=A.MEETING)
    contact(h3, rob, t(3, 10))  # before the hand-off: not its contact
    contact(h3, rob, t(3, 11, 10), kind=A.NOTE)  # a note is no contact
    contact(h3, rae, t(3, 11, 5))  # not the owner
    # H4 Wed 09:00, still pending, called at 09:45: 45 min, in time (its deadline has not started).
    h4 = handed_off(Channel.EMAIL, rob, t(4, 9), outcome=Handoff.Outcome.PENDING)
    contact(h4, rob, t(4, 9, 45))
    # H5 Thu 14:00, accepted, never contacted.
    handed_off(Channel.PAID_SEARCH, rob, t(5, 14), deadline=t(6, 14, 1))
    # H6 rejected: not sales' to contact, left out even though called.
    h6 = handed_off(Channel.EMAIL, rae, t(5, 15), outcome=Handoff.Outcome.REJECTED)
    contact(h6, rae, t(5, 15, 1))
    # H7 in the next week: left out.
    h7 = handed_off(Channel.EMAIL, rae, t(9, 10), deadline=t(10, 10, 1))
    contact(h7, rae, t(9, 10, 1))
    # H8 Saturday, nobody had room: unassigned, not contacted.
    handed_off(Channel.REFERRAL, None, t(7, 10), outcome=Handoff.Outcome.PENDING)

"""Hand-built history for the weekly numbers: leads with StatusChange rows as lead_transition writes them."""

import datetime
from decimal import Decimal

from django.utils import timezone

from campaigns.models import Channel
from campaigns.tests.factories import CampaignFactory, SpendFactory
from crm.weeks import Week
from handoffs.models import Handoff, SalesRep, ServiceLevel
from leads.models import Lead, StatusChange, Touchpoint
from leads.tests.factories import LeadFactory


def at(day, hour=0, minute=0, tz=None):
    """Return an aware datetime on the date at the hour, in TIME_ZONE (or tz)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz or timezone.get_default_timezone())


def lead_with_history(*, created_at, path=(), source=Channel.PAID_SEARCH, campaign=None, owner=None, **fields):
    """Create a lead created at `created_at` that moved along `path` [(status, when), ...]; keep status consistent."""
    lead = LeadFactory(
        created_at=created_at,
        status_changed_at=created_at,
        source=source,
        first_touch_campaign=campaign,
        last_touch_campaign=campaign,
        owner=owner,
    )
    status = Lead.Status.NEW
    for to_status, when in path:
        StatusChange.objects.create(lead=lead, from_status=status, to_status=to_status, changed_at=when)
        status = to_status
        lead.status_changed_at = when
    lead.status = status
    for name, value in fields.items():
        setattr(lead, name, value)
    if status == Lead.Status.WON and not lead.deal_value:
        lead.deal_value = Decimal("1000.00")
    if status == Lead.Status.LOST and not lead.lost_reason:
        lead.lost_reason = Lead.LostReason.OTHER
    lead.save()
    return lead


def touch(lead, when, channel, campaign=None):
    """Record a touchpoint of the lead."""
    return Touchpoint.objects.create(lead=lead, occurred_at=when, channel=channel, campaign=campaign)


def handoff(lead, created_at, *, outcome=Handoff.Outcome.PENDING, responded_at=None, assigned_to=None, **fields):
    """Create a hand-off row as handoff_create/accept/reject leave it."""
    return Handoff.objects.create(
        lead=lead,
        created_at=created_at,
        accept_deadline=fields.pop("accept_deadline", created_at + datetime.timedelta(hours=24)),
        outcome=outcome,
        responded_at=responded_at,
        assigned_to=assigned_to,
        **fields,
    )


S = Lead.Status
MON = datetime.date(2026, 3, 2)


def day(n):
    return MON + datetime.timedelta(days=n)


def build_week_2026_w10(users):
    """Create the hand-built week of alignment/tests/conftest.py (TIME_ZONE must be UTC) and return its parts."""
    level = ServiceLevel.current()
    level.weekly_mql_target = 5
    level.default_rep_capacity = 25
    level.save()
    sid, sue = users["sales"], users["sales2"]
    SalesRep.objects.create(user=sid, capacity=3)
    search = CampaignFactory(slug="spring-search", name="Spring search", channel=Channel.PAID_SEARCH)
    webinar = CampaignFactory(slug="webinar-x", name="Webinar X", channel=Channel.WEBINAR)
    SpendFactory(campaign=search, date=day(0), amount=Decimal("100.00"))
    SpendFactory(campaign=search, date=day(6), amount=Decimal("200.00"))
    SpendFactory(campaign=search, date=day(7), amount=Decimal("50.00"))

    l1 = lead_with_history(
        created_at=at(day(0), 9),
        campaign=search,
        owner=sid,
        path=[
            (S.MQL, at(day(0), 10)),
            (S.SAL, at(day(0), 14)),
            (S.SQL, at(day(1), 12)),
            (S.WON, at(day(2), 15)),
        ],
        deal_value=Decimal("1000.00"),
    )
    touch(l1, at(day(0), 9), Channel.PAID_SEARCH, search)
    touch(l1, at(day(1), 9), Channel.EMAIL)
    touch(l1, at(day(2), 9), Channel.WEBINAR)
    touch(l1, at(day(3), 9), Channel.REFERRAL)  # after the win: no credit
    handoff(
        l1,
        at(day(0), 10),
        outcome=Handoff.Outcome.ACCEPTED,
        responded_at=at(day(0), 14),
        assigned_to=sid,
        first_contact_at=at(day(0), 16),
        first_contact_deadline=at(day(2), 14),
    )

    l2 = lead_with_history(
        created_at=at(day(0), 11),
        campaign=search,
        path=[(S.MQL, at(day(0), 12)), (S.DISQUALIFIED, at(day(1), 8))],
    )
    handoff(
        l2,
        at(day(0), 12),
        outcome=Handoff.Outcome.REJECTED,
        responded_at=at(day(1), 8),
        assigned_to=sid,
        reject_reason=Handoff.RejectReason.NOT_ICP_FIT,
        feedback="Too small <b>for us</b>",
    )

    l3 = lead_with_history(
        created_at=at(day(1), 10), source=Channel.WEBINAR, campaign=webinar, path=[(S.MQL, at(day(1), 10))]
    )
    handoff(l3, at(day(1), 10), assigned_to=sue)

    lead_with_history(created_at=at(day(2), 10), source=Channel.REFERRAL)

    l5 = lead_with_history(
        created_at=at(day(-5), 10),
        campaign=search,
        owner=sid,
        path=[
            (S.MQL, at(day(-5), 10)),
            (S.SAL, at(day(-4), 7)),
            (S.SQL, at(day(3), 10)),
            (S.LOST, at(day(4), 10)),
        ],
        lost_reason=Lead.LostReason.PRICE,
    )
    handoff(l5, at(day(-5), 10), outcome=Handoff.Outcome.ACCEPTED, responded_at=at(day(-4), 7), assigned_to=sid)

    l6 = lead_with_history(
        created_at=at(day(3), 8),
        source=Channel.WEBINAR,
        campaign=webinar,
        owner=sid,
        path=[(S.MQL, at(day(3), 9)), (S.SAL, at(day(4), 12))],
    )
    handoff(
        l6,
        at(day(3), 9),
        outcome=Handoff.Outcome.ACCEPTED,
        responded_at=at(day(4), 12),
        assigned_to=sid,
        first_contact_deadline=at(day(6), 12),
    )
    return {
        "week": Week(2026, 10),
        "now": at(day(8), 9),
        "campaigns": {"search": search, "webinar": webinar},
        "leads": {"l1": l1, "l2": l2, "l3": l3, "l5": l5, "l6": l6},
    }

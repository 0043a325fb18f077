"""A small, hand-built week whose every number is written in the tests (TIME_ZONE=UTC).

Week 2026-W10 runs Monday 2 March 00:00 to Monday 9 March 00:00. "Now" is Tuesday 10 March.

* L1 paid search (spring-search), mql → hand-off accepted after 4 h → sal → sql → won 1000;
  touches: paid_search (Mon), email (Tue, before sql), webinar (Wed, after sql, before won).
* L2 paid search (spring-search), mql → hand-off rejected in time (not_icp_fit) → disqualified.
* L3 webinar (webinar-x), mql → hand-off still pending, past its deadline: a breach.
* L4 referral, no campaign, stays new.
* L5 created the week before (W09), accepted then; in W10: sql → lost (price).
* L6 webinar (webinar-x), mql → hand-off accepted after 27 h (a breach) → sal, never contacted.
* Spend: spring-search 100 (Mon) + 200 (Sun) in W10, 50 on the next Monday; webinar-x none.
"""

import datetime
from decimal import Decimal

import pytest

from campaigns.models import Channel
from campaigns.tests.factories import CampaignFactory, SpendFactory
from crm.tests.builders import at, handoff, lead_with_history, touch
from crm.weeks import Week
from handoffs.models import Handoff, SalesRep, ServiceLevel
from leads.models import Lead

S = Lead.Status
MON = datetime.date(2026, 3, 2)


def day(n):
    return MON + datetime.timedelta(days=n)


@pytest.fixture
def week_data(db, users, settings):
    settings.TIME_ZONE = "UTC"
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

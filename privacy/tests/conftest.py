"""A few weeks of history written through the services, around two people to erase."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from campaigns.services import spend_add
from campaigns.tests.factories import CampaignFactory
from crm.weeks import Week
from handoffs.services import handoff_accept, handoff_create, handoff_reject
from leads.models import Activity, Lead
from leads.services import activity_log, lead_capture, lead_transition, lead_update


@dataclass
class History:
    weeks: list
    ada: Lead  # captured, handed off, accepted, worked, won
    bob: Lead  # captured, handed off, rejected with feedback
    cyd: Lead  # another person, lost; never erased


def _at(week, days, hours=10):
    return week.start + datetime.timedelta(days=days, hours=hours)


@pytest.fixture
def history(users):
    weeks = [Week.last_complete()]
    for _ in range(3):
        weeks.insert(0, weeks[0].previous())
    w1, w2, w3, _w4 = weeks
    campaign = CampaignFactory(slug="spring", utm_campaign="spring", owner=users["marketing"])
    for index, week in enumerate(weeks):
        spend_add(campaign=campaign, actor=users["marketing"], date=week.first_day, amount=Decimal(100 + 10 * index))

    def capture(email, first, when, page):
        data = {"email": email, "first_name": first, "last_name": "Doe", "company": "Initech", "title": "CTO"}
        data |= {"phone": "+44 20 7946 0000", "utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring"}
        data["page_url"] = page
        return lead_capture(data=data, occurred_at=when).lead

    ada = capture("ada@example.com", "Ada", _at(w1, 1), "https://example.com/pricing?ref=ada")
    lead_capture(data={"email": "ada@example.com", "page_url": "https://example.com/demo"}, occurred_at=_at(w1, 2))
    lead_update(lead=ada, actor=users["marketing"], industry="software", title="Chief Technology Officer")
    handoff = handoff_create(
        lead=ada, actor=users["marketing"], context_note="Ada asked for a demo", assignee=users["sales"], at=_at(w1, 2)
    )
    handoff_accept(handoff=handoff, actor=users["sales"], at=_at(w1, 2, 14))
    ada.refresh_from_db()
    activity_log(
        lead=ada, actor=users["sales"], kind=Activity.Kind.CALL, body="Ada's mobile works", occurred_at=_at(w1, 3)
    )
    lead_transition(lead=ada, to_status=Lead.Status.SQL, actor=users["sales"], note="Ada has budget", at=_at(w2, 1))
    lead_transition(
        lead=ada, to_status=Lead.Status.WON, actor=users["sales"], deal_value="4200.00", note="Signed", at=_at(w3, 2)
    )

    bob = capture("bob@example.com", "Bob", _at(w1, 4), "https://example.com/blog")
    handoff = handoff_create(lead=bob, actor=users["marketing"], assignee=users["sales"], at=_at(w1, 4, 12))
    handoff_reject(
        handoff=handoff, actor=users["sales"], reason="no_budget", feedback="Bob has no budget", at=_at(w2, 0)
    )

    cyd = capture("cyd@example.com", "Cyd", _at(w2, 2), "https://example.com/")
    handoff = handoff_create(lead=cyd, actor=users["marketing"], assignee=users["sales2"], at=_at(w2, 2, 12))
    handoff_accept(handoff=handoff, actor=users["sales2"], at=_at(w2, 3))
    cyd.refresh_from_db()
    lead_transition(lead=cyd, to_status=Lead.Status.LOST, actor=users["sales2"], lost_reason="no_budget", at=_at(w3, 3))
    for lead in (ada, bob, cyd):
        lead.refresh_from_db()
    return History(weeks=weeks, ada=ada, bob=bob, cyd=cyd)

"""Speed to lead (alignment/metrics/contact.py) on a hand-built week whose answers are worked out here.

Week 2026-W10 (Mon 2 – Sun 8 March), UTC, working hours Monday–Friday 09:00–17:00.
"""

import datetime

import pytest

from alignment.metrics import weekly_metrics
from alignment.metrics.contact import percentile
from campaigns.models import Channel
from crm.weeks import Week
from handoffs.models import Handoff, ServiceLevel
from handoffs.tests.factories import HandoffFactory
from leads.models import Activity, Lead
from leads.tests.factories import ActivityFactory, LeadFactory

pytestmark = pytest.mark.django_db
A = Activity.Kind
WEEK = Week(2026, 10)
NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)


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


@pytest.fixture
def week(settings, make_user):
    settings.TIME_ZONE = "UTC"
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


def test_first_contact_figures_of_the_week(week):
    numbers = weekly_metrics(WEEK, now=NOW).first_contact
    # Six hand-offs count (H1–H5, H8); four contacted after 4, 25, 45 and 540 working minutes.
    assert numbers.overall.as_json() == {
        "handed_off": 6,
        "contacted": 4,
        "median_minutes": 35.0,  # (25 + 45) / 2
        "p90_minutes": 540.0,  # nearest rank: the 4th of 4
        "within_5_min_rate": 0.1667,  # H1
        "within_30_min_rate": 0.3333,  # H1, H2
        "within_60_min_rate": 0.5,  # H1, H2, H4
        "within_sla_rate": 0.5,  # H1, H2, H4 (H3 late)
        "not_contacted_rate": 0.3333,  # H5, H8
    }


def test_first_contact_by_rep_and_by_source(week):
    numbers = weekly_metrics(WEEK, now=NOW).first_contact
    rae, rob, nobody = (numbers.by_rep[name] for name in ("rae", "rob", "unassigned"))
    assert (rae.handed_off, rae.median_minutes, rae.p90_minutes, rae.within_sla_rate) == (2, 14.5, 25.0, 1.0)
    assert rae.within_rates == {5: 0.5, 30: 1.0, 60: 1.0}
    assert (rob.handed_off, rob.contacted, rob.median_minutes, rob.p90_minutes) == (3, 2, 292.5, 540.0)
    assert rob.within_rates == {5: 0.0, 30: 0.0, 60: 0.3333}
    assert (rob.within_sla_rate, rob.not_contacted_rate) == (0.3333, 0.3333)
    assert (nobody.handed_off, nobody.median_minutes, nobody.not_contacted_rate) == (1, None, 1.0)
    assert list(numbers.by_source) == ["email", "paid_search", "referral"]
    email, paid = numbers.by_source["email"], numbers.by_source["paid_search"]
    assert (email.handed_off, email.median_minutes, email.p90_minutes, email.within_sla_rate) == (
        3,
        45.0,
        540.0,
        0.6667,
    )
    assert email.within_rates == {5: 0.3333, 30: 0.3333, 60: 0.6667}
    assert (paid.handed_off, paid.median_minutes, paid.within_rates[30], paid.not_contacted_rate) == (2, 25.0, 0.5, 0.5)


def test_first_contact_counts_working_minutes_across_the_dst_change(settings, make_user):
    settings.TIME_ZONE = "Europe/Berlin"
    rep = make_user("rae", "sales")
    berlin = datetime.timezone(datetime.timedelta(hours=1))
    # Friday 27 March 16:30 CET; Monday 30 March 09:30 CEST: 30 + 30 working minutes.
    handoff = handed_off(Channel.EMAIL, rep, datetime.datetime(2026, 3, 27, 16, 30, tzinfo=berlin))
    contact(handoff, rep, datetime.datetime(2026, 3, 30, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))))
    numbers = weekly_metrics(Week(2026, 13), now=NOW + datetime.timedelta(days=14)).first_contact
    assert numbers.overall.median_minutes == 60.0


def test_a_week_without_hand_offs_has_no_speed_figures(settings):
    numbers = weekly_metrics(WEEK, now=NOW).first_contact
    assert numbers.overall.as_json()["median_minutes"] is None
    assert numbers.overall.not_contacted_rate is None and numbers.by_rep == {}


@pytest.mark.parametrize(
    ("values", "share", "expected"), [([1], 0.9, 1), ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9), ([1, 2], 0.5, 1)]
)
def test_percentile_is_the_nearest_rank(values, share, expected):
    assert percentile(values, share) == expected


def test_the_report_api_carries_the_first_contact_figures_and_documents_them(client, users, week):
    client.force_login(users["marketing"])
    data = client.get("/api/v1/reports/weekly/", {"week": "2026-W10"}).json()["first_contact"]
    assert (data["handed_off"], data["median_minutes"], data["within_sla_rate"]) == (6, 35.0, 0.5)
    assert data["by_rep"]["rob"]["p90_minutes"] == 540.0
    assert data["by_source"]["paid_search"]["not_contacted_rate"] == 0.5
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert "first_contact" in schemas["WeeklyReport"]["properties"]
    assert {"median_minutes", "p90_minutes", "within_5_min_rate", "within_sla_rate", "by_rep", "by_source"} <= set(
        schemas["FirstContact"]["properties"]
    )

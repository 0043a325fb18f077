"""Speed to lead (alignment/metrics/contact.py) on a hand-built week whose answers are worked out here.

Week 2026-W10 (Mon 2 – Sun 8 March), UTC, working hours Monday–Friday 09:00–17:00.
"""

import datetime

import pytest

from alignment.metrics import weekly_metrics
from alignment.metrics.contact import percentile
from alignment.tests.speed_builders import build_speed_week, contact, handed_off
from campaigns.models import Channel
from crm.weeks import Week

pytestmark = pytest.mark.django_db
WEEK = Week(2026, 10)
NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def week(settings, make_user):
    settings.TIME_ZONE = "UTC"
    build_speed_week(make_user)


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


def test_the_dashboard_charts_and_tabulates_speed_to_lead(client, users, week):
    client.force_login(users["managers"])
    response = client.get("/", {"week": "2026-W10"})
    speed = response.context["charts"]["speed"]
    assert speed["labels"] == ["All", "rae", "rob", "unassigned"]
    assert [series["label"] for series in speed["series"]] == [
        "Within 5 min",
        "Within 30 min",
        "Within 60 min",
        "Within the SLA",
    ]
    assert speed["series"][2]["data"] == [0.5, 1.0, 0.3333, 0.0]
    rows = {row["label"]: row["figures"] for row in response.context["speed"]}
    assert set(rows) == {"All", "rae", "rob", "unassigned", "E-mail", "Paid search", "Referral"}
    html = response.content.decode()
    table = html[html.index('id="speed-table"') :]
    # The team: median 35 min, 90th percentile 540 min = 9 h, 50% in SLA, 33% not contacted.
    assert '<td>All</td><td class="text-end">6</td><td class="text-end">35 min</td>' in table
    assert '<td class="text-end">9 h</td><td class="text-end">50%</td><td class="text-end">33%</td>' in table

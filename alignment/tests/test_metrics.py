"""The weekly numbers, each definition on a hand-built week (alignment/tests/conftest.py), answers written here."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment.metrics import weekly_metrics
from alignment.models import QuarterlyGoal
from alignment.tests.builders import at, handoff, lead_with_history
from campaigns.models import Channel
from campaigns.tests.factories import CampaignFactory, SpendFactory
from crm.weeks import InvalidWeek, Quarter, Week
from handoffs.models import Handoff
from leads.models import Lead, StatusChange

pytestmark = pytest.mark.django_db
S = Lead.Status


@pytest.fixture
def metrics(week_data):
    return weekly_metrics(week_data["week"], now=week_data["now"])


# --- The week window ---------------------------------------------------------------------


def test_a_week_runs_monday_midnight_to_monday_midnight_in_the_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    week = Week.parse("2026-W10")
    assert week.start.isoformat() == "2026-03-02T00:00:00-05:00"
    # Clocks go forward on Sunday 8 March: the week is an hour short.
    assert week.end.isoformat() == "2026-03-09T00:00:00-04:00"
    assert week.end.timestamp() - week.start.timestamp() == 167 * 3600


def test_week_labels_parse_and_format_including_week_53():
    week = Week.parse("2026-W53")
    assert week.label == "2026-W53"
    assert week.first_day == datetime.date(2026, 12, 28)
    assert week.next().label == "2027-W01"
    assert Week.parse("2027-W01").previous() == week
    assert Week.parse(" 2026-W07 ").label == "2026-W07"


@pytest.mark.parametrize("label", ["2025-W53", "2026-W00", "2026-W54", "2026-47", "2026-W7", "", "W47-2026", None])
def test_malformed_or_missing_weeks_are_refused(label):
    with pytest.raises(InvalidWeek):
        Week.parse(label)


def test_the_default_week_is_the_last_complete_one(settings):
    settings.TIME_ZONE = "UTC"
    assert Week.last_complete(at(datetime.date(2026, 3, 9), 0, 30)).label == "2026-W10"
    assert Week.last_complete(at(datetime.date(2026, 3, 8), 23, 59)).label == "2026-W09"


def test_a_lead_created_sunday_2330_in_new_york_counts_in_that_week(db, settings):
    settings.TIME_ZONE = "America/New_York"
    lead = lead_with_history(created_at=at(datetime.date(2026, 3, 8), 23, 30))
    # In UTC it is already Monday 03:30 of the next week.
    assert lead.created_at.astimezone(datetime.UTC).isoformat() == "2026-03-09T03:30:00+00:00"
    now = at(datetime.date(2026, 3, 20), 12)
    assert weekly_metrics(Week(2026, 10), now=now).new_leads.total == 1
    assert weekly_metrics(Week(2026, 11), now=now).new_leads.total == 0
    settings.TIME_ZONE = "UTC"
    assert weekly_metrics(Week(2026, 11), now=now).new_leads.total == 1


def test_week_53_collects_the_days_around_new_year(db, settings):
    settings.TIME_ZONE = "UTC"
    lead_with_history(created_at=at(datetime.date(2027, 1, 2), 12), path=[(S.MQL, at(datetime.date(2027, 1, 3), 23))])
    lead_with_history(created_at=at(datetime.date(2027, 1, 4), 0))  # Monday of 2027-W01
    numbers = weekly_metrics(Week.parse("2026-W53"), now=at(datetime.date(2027, 2, 1)))
    assert numbers.new_leads.total == 1
    assert numbers.funnel["mql"] == 1
    assert numbers.as_json()["week"] == "2026-W53"
    assert numbers.goals.quarter == Quarter(2026, 4)
    following = weekly_metrics(Week.parse("2027-W01"), now=at(datetime.date(2027, 2, 1)))
    assert (following.previous.week.label, following.previous.new_leads) == ("2026-W53", 1)
    assert following.new_leads.total == 1


def test_an_empty_week_is_all_zeros_with_null_rates(db, settings):
    settings.TIME_ZONE = "UTC"
    data = weekly_metrics(Week(2026, 10), now=at(datetime.date(2026, 3, 10))).as_json()
    assert data["new_leads"] == {"total": 0, "by_source": {}, "by_campaign": {}}
    assert set(data["funnel"].values()) == {0}
    assert data["handoffs"] == {
        "created": 0,
        "accepted": 0,
        "rejected": 0,
        "pending": 0,
        "acceptance_rate": None,
        "rejected_by_reason": {},
        "median_hours_to_accept": None,
    }
    assert data["service_level"] == {
        "responded_in_time_rate": None,
        "first_contact_in_time_rate": None,
        "breaches": 0,
        "mqls": 0,
        "mql_target": 50,
    }
    assert data["outcomes"]["revenue"] == "0.00"
    assert data["outcomes"]["revenue_by_source"] == {"first_touch": {}, "last_touch": {}, "linear": {}}
    assert data["campaigns"] == []
    assert [point["week"] for point in data["trend"]] == [f"2026-W{n:02d}" for n in range(2, 10)]
    assert all(point["new_leads"] == 0 and point["acceptance_rate"] is None for point in data["trend"])


# --- Each definition on the hand-built week ---------------------------------------------------


def test_new_leads_are_counted_by_source_and_first_touch_campaign(metrics):
    assert metrics.new_leads.total == 5
    assert metrics.new_leads.by_source == {"paid_search": 2, "webinar": 2, "referral": 1}
    assert metrics.new_leads.by_campaign == {"spring-search": 2, "webinar-x": 2}


def test_the_funnel_counts_leads_entering_each_status(metrics):
    assert metrics.funnel == {
        "new": 5,
        "mql": 4,
        "sal": 2,
        "sql": 2,
        "won": 1,
        "lost": 1,
        "recycled": 0,
        "disqualified": 1,
    }


def test_handoffs_of_the_week_by_outcome_with_acceptance_and_median(metrics):
    h = metrics.handoffs
    assert (h.created, h.accepted, h.rejected, h.pending) == (4, 2, 1, 1)
    assert h.acceptance_rate == 0.6667
    assert h.rejected_by_reason == {"not_icp_fit": 1}
    assert h.median_hours_to_accept == 15.5  # median of 4 h and 27 h


def test_a_handoff_pending_past_its_deadline_is_a_breach(metrics):
    sl = metrics.service_level
    # In time: L1 (4 h), L2 rejected after 20 h. Breaches: L3 still pending past the deadline, L6 answered after 27 h.
    assert sl.breaches == 2
    assert sl.responded_in_time_rate == 0.5
    assert (sl.mqls, sl.mql_target) == (4, 5)


def test_a_pending_handoff_before_its_deadline_is_not_yet_decided(week_data):
    # Tuesday noon: L3's hand-off (deadline Wednesday 10:00) is pending and still in time.
    numbers = weekly_metrics(week_data["week"], now=at(datetime.date(2026, 3, 3), 12))
    assert numbers.service_level.breaches == 1  # only L6, answered after 27 h
    assert numbers.service_level.responded_in_time_rate == 0.6667


def test_first_contact_in_time_counts_only_decided_accepted_handoffs(metrics, week_data):
    # L1 contacted 2 h after accepting; L6 never contacted, its deadline (Sunday noon) passed.
    assert metrics.service_level.first_contact_in_time_rate == 0.5
    sunday_morning = at(datetime.date(2026, 3, 8), 9)
    early = weekly_metrics(week_data["week"], now=sunday_morning)
    assert early.service_level.first_contact_in_time_rate == 1.0


def test_outcomes_count_wins_with_revenue_and_losses_with_reasons(metrics):
    o = metrics.outcomes
    assert (o.won, o.revenue, o.lost) == (1, Decimal("1000.00"), 1)
    assert o.lost_by_reason == {"price": 1}
    assert o.won_by_source == {"paid_search": 1}


def test_mqls_are_counted_by_source(metrics):
    assert metrics.mqls_by_source == {"paid_search": 2, "webinar": 2}


def test_revenue_is_attributed_by_first_touch_last_touch_before_sql_and_linear(metrics):
    by_model = metrics.as_json()["outcomes"]["revenue_by_source"]
    assert by_model["first_touch"] == {"paid_search": "1000.00"}
    # The last touch at or before entering sql (Tuesday noon) is Tuesday's e-mail.
    assert by_model["last_touch"] == {"email": "1000.00"}
    # Three touches up to the win share it; the referral touch after the win gets nothing.
    assert by_model["linear"] == {"email": "333.33", "paid_search": "333.33", "webinar": "333.33"}


def test_a_win_without_touchpoints_credits_its_source_in_every_model(db, settings):
    settings.TIME_ZONE = "UTC"
    mon = datetime.date(2026, 3, 2)
    lead_with_history(
        created_at=at(mon, 9),
        source=Channel.EVENTS,
        path=[(S.MQL, at(mon, 9)), (S.SAL, at(mon, 10)), (S.SQL, at(mon, 11)), (S.WON, at(mon, 12))],
        deal_value=Decimal("250.50"),
    )
    by_model = weekly_metrics(Week(2026, 10), now=at(mon, 18)).as_json()["outcomes"]["revenue_by_source"]
    assert by_model == {model: {"events": "250.50"} for model in ("first_touch", "last_touch", "linear")}


def test_campaigns_show_spend_leads_wins_cost_and_roi(metrics):
    rows = {row["slug"]: row for row in metrics.as_json()["campaigns"]}
    assert rows["spring-search"] == {
        "slug": "spring-search",
        "spend": "300.00",
        "new_leads": 2,
        "mqls": 2,
        "wins": 1,
        "revenue": "1000.00",
        "cost_per_lead": "150.00",
        "cost_per_win": "300.00",
        "roi": 2.3333,
    }


def test_a_campaign_with_zero_spend_has_null_roi(metrics):
    row = next(row for row in metrics.as_json()["campaigns"] if row["slug"] == "webinar-x")
    assert row["spend"] == "0.00"
    assert (row["new_leads"], row["mqls"], row["wins"]) == (2, 2, 0)
    assert row["roi"] is None
    assert row["cost_per_win"] is None
    assert row["cost_per_lead"] == "0.00"


def test_spend_outside_the_week_is_not_counted(metrics):
    assert metrics.spend == Decimal("300.00")
    assert metrics.cost_per_lead == Decimal("60.00")


def test_capacity_per_rep_is_open_leads_against_capacity(metrics, users):
    assert metrics.as_json()["capacity"] == [
        {"rep": "sid", "open_leads": 1, "capacity": 3, "handoffs_received": 3},
        {"rep": "sue", "open_leads": 0, "capacity": 25, "handoffs_received": 1},
    ]
    summary = metrics.capacity_summary
    assert (summary.capacity, summary.open_leads, summary.free_seats, summary.mqls) == (28, 1, 27, 4)
    assert not summary.flooded


def test_inactive_or_non_sales_users_are_not_reps(week_data, users):
    users["sales2"].is_active = False
    users["sales2"].save()
    numbers = weekly_metrics(week_data["week"], now=week_data["now"])
    assert [row.rep for row in numbers.capacity] == ["sid"]


def test_the_trend_has_the_eight_weeks_before(metrics):
    trend = metrics.as_json()["trend"]
    assert [point["week"] for point in trend] == [f"2026-W{n:02d}" for n in range(2, 10)]
    assert trend[-1] == {
        "week": "2026-W09",
        "new_leads": 1,
        "mqls": 1,
        "acceptance_rate": 1.0,
        "won": 0,
        "revenue": "0.00",
    }
    assert all(point["new_leads"] == 0 for point in trend[:-1])


def test_each_trend_point_equals_that_weeks_own_numbers(metrics, week_data):
    previous = weekly_metrics(Week(2026, 9), now=week_data["now"])
    point = metrics.previous
    assert point.new_leads == previous.new_leads.total
    assert point.mqls == previous.service_level.mqls
    assert point.acceptance_rate == previous.handoffs.acceptance_rate
    assert point.responded_in_time_rate == previous.service_level.responded_in_time_rate
    assert point.won == previous.outcomes.won and point.revenue == previous.outcomes.revenue
    assert metrics.this_week.new_leads == metrics.new_leads.total


def test_quarter_to_date_progress_against_goals(metrics, week_data, users):
    assert metrics.goals.quarter == Quarter(2026, 1)
    assert metrics.goals.has_goal is False
    QuarterlyGoal.objects.create(year=2026, quarter=1, mqls=10, accepted=4, wins=2, revenue=Decimal("4000"))
    numbers = weekly_metrics(week_data["week"], now=week_data["now"])
    lines = {line.key: line for line in numbers.goals.lines}
    # L5 became an MQL in W09 and was accepted then: quarter to date, not only the week.
    assert (lines["mqls"].actual, lines["mqls"].progress) == (5, 0.5)
    assert (lines["accepted"].actual, lines["accepted"].progress) == (3, 0.75)
    assert (lines["wins"].actual, lines["wins"].progress) == (1, 0.5)
    assert (lines["revenue"].actual, lines["revenue"].progress) == (Decimal("1000.00"), 0.25)


def test_money_is_rendered_with_two_places_and_rates_between_zero_and_one(metrics):
    data = metrics.as_json()
    assert data["start"] == "2026-03-02T00:00:00+00:00" and data["end"] == "2026-03-09T00:00:00+00:00"
    assert data["outcomes"]["revenue"] == "1000.00"
    assert 0 <= data["handoffs"]["acceptance_rate"] <= 1


def test_the_current_week_so_far_and_the_default_week(week_data):
    wednesday = at(datetime.date(2026, 3, 4), 12)
    assert not weekly_metrics(Week(2026, 10), now=wednesday).complete
    assert weekly_metrics(now=wednesday).week.label == "2026-W09"
    default = weekly_metrics(now=week_data["now"])
    assert default.week.label == "2026-W10" and default.complete
    assert default.as_json() == weekly_metrics(Week(2026, 10), now=week_data["now"]).as_json()


# --- Cost --------------------------------------------------------------------------------


def _bulk_week(count, week):
    """Create `count` leads in the week with history, touches and hand-offs, in bulk."""
    campaign = CampaignFactory()
    SpendFactory(campaign=campaign, date=week.first_day)
    start = week.start
    leads = Lead.objects.bulk_create(
        Lead(
            email=f"bulk{count}-{i}@example.com",
            created_at=start + datetime.timedelta(minutes=i % 9000),
            status_changed_at=start,
            source=[Channel.PAID_SEARCH, Channel.EMAIL, Channel.WEBINAR][i % 3],
            first_touch_campaign=campaign if i % 2 else None,
            status=S.WON if i % 10 == 0 else S.MQL,
            deal_value=Decimal("100.00") if i % 10 == 0 else None,
        )
        for i in range(count)
    )
    changes = []
    for i, lead in enumerate(leads):
        changes.append(StatusChange(lead=lead, from_status=S.NEW, to_status=S.MQL, changed_at=lead.created_at))
        if i % 10 == 0:
            for status in (S.SAL, S.SQL, S.WON):
                changes.append(StatusChange(lead=lead, from_status=S.MQL, to_status=status, changed_at=lead.created_at))
    StatusChange.objects.bulk_create(changes)
    Handoff.objects.bulk_create(
        Handoff(
            lead=lead,
            created_at=lead.created_at,
            accept_deadline=lead.created_at + datetime.timedelta(hours=24),
            outcome=Handoff.Outcome.ACCEPTED,
            responded_at=lead.created_at + datetime.timedelta(hours=2),
        )
        for lead in leads[::5]
    )


def _queries_for(week, now):
    with CaptureQueriesContext(connection) as queries:
        weekly_metrics(week, now=now).as_json()
    return len(queries)


def test_the_metrics_cost_the_same_queries_for_100_and_10000_leads(db, settings, users):
    settings.TIME_ZONE = "UTC"
    week, now = Week(2026, 10), at(datetime.date(2026, 3, 20))
    lead_with_history(created_at=at(datetime.date(2026, 3, 3)))  # the service level row exists from here on
    handoff(lead_with_history(created_at=at(datetime.date(2026, 3, 3))), at(datetime.date(2026, 3, 3)))
    weekly_metrics(week, now=now)
    _bulk_week(100, week)
    small = _queries_for(week, now)
    _bulk_week(10_000, week)
    large = _queries_for(week, now)
    assert weekly_metrics(week, now=now).new_leads.total == 10_102
    assert small == large
    assert small <= 15

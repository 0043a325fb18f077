"""Stored weeks (alignment.metrics.rollups): read back equal to the live numbers, and never trusted after a change.

Every test compares with the numbers computed live from the rows (rollups switched off), on
the hand-built week of alignment/tests/conftest.py, and checks that the change made a difference,
so a stale stored row would fail it.
"""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from alignment import dashboard, metrics
from alignment.metrics import rollups
from alignment.models import RollupChange, WeekRollup
from alignment.tests.builders import at, day, handoff, lead_with_history, touch
from campaigns.models import Campaign, Channel
from campaigns.tests.factories import SpendFactory
from handoffs.models import Handoff, ServiceLevel
from leads.models import Lead, StatusChange
from leads.services import lead_merge
from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
S = Lead.Status


def snapshot(m):
    """Everything the dashboard, the API and the digest read of the numbers."""
    return {
        "json": m.as_json(),
        "charts": dashboard.chart_data(m),
        "cards": dashboard.headline_cards(m),
        "mqls_by_source": m.mqls_by_source,
        "won_by_source": m.outcomes.won_by_source,
        "over_capacity": m.handoffs.over_capacity,
        "campaign_names": [row.name for row in m.campaigns],
        "goals": [(line.key, line.actual) for line in m.goals.lines],
        "trend": [
            (p.week.label, p.new_leads, p.mqls, p.accepted, p.rejected, p.won, p.revenue, p.spend, p.breaches)
            for p in m.chart_weeks
        ],
        "sources": [p.new_leads_by_source for p in m.chart_weeks],
    }


@pytest.fixture
def computed(monkeypatch):
    """Count the computations from rows (a stored hit computes nothing)."""
    calls = []
    real = metrics.week_figures

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(metrics, "week_figures", counting)
    return calls


@pytest.fixture
def numbers(week_data, settings):
    def get(now=None, live=False):
        settings.METRICS_ROLLUPS = not live
        try:
            return metrics.weekly_metrics(week_data["week"], now=now or week_data["now"])
        finally:
            settings.METRICS_ROLLUPS = True

    return get


def test_a_complete_week_is_stored_and_read_back_exactly(numbers, computed):
    first = numbers()
    assert len(computed) == 1
    assert WeekRollup.objects.count() == 9
    assert WeekRollup.objects.exclude(detail=None).get().week == "2026-W10"
    again = numbers()
    assert len(computed) == 1  # served from the stored rows
    assert snapshot(again) == snapshot(first) == snapshot(numbers(live=True))
    assert again.outcomes.revenue == Decimal("1000.00") and again.campaigns[0].name == "Spring search"


def test_stored_weeks_are_off_when_switched_off(numbers):
    numbers(live=True)
    assert not WeekRollup.objects.exists()


def _answer_pending(week_data):
    Handoff.objects.filter(lead=week_data["leads"]["l3"]).update(
        outcome=Handoff.Outcome.ACCEPTED, responded_at=at(day(1), 12)
    )


def _move_source(week_data):
    Lead.objects.filter(source=Channel.REFERRAL).update(source=Channel.EVENTS)


def _change_deal_value(week_data):
    Lead.objects.filter(pk=week_data["leads"]["l1"].pk).update(deal_value=Decimal("2500.00"))


def _merge_leads(week_data):
    # The duplicate (created in W, an MQL there) is deleted; its history moves to a lead of W09.
    lead_merge(survivor=week_data["leads"]["l5"], duplicate=week_data["leads"]["l2"], actor=None)


def _backdated_entry(week_data):
    lead = Lead.objects.get(source=Channel.REFERRAL)
    StatusChange.objects.create(lead=lead, from_status=S.NEW, to_status=S.MQL, changed_at=at(day(5), 10))


def _touch_before_win(week_data):
    touch(week_data["leads"]["l1"], at(day(2), 10), Channel.EVENTS)


def _rename_campaign(week_data):
    Campaign.objects.filter(slug="spring-search").update(slug="spring-paid", name="Spring paid")


def _lead_in_a_trend_week(week_data):
    lead_with_history(created_at=at(day(-20), 10), source=Channel.CONTENT, path=[(S.MQL, at(day(-20), 11))])


def _late_spend(week_data):
    SpendFactory(campaign=week_data["campaigns"]["webinar"], date=day(3), amount=Decimal("75.00"))


def _quarter_entry(week_data):
    # Before the trend's nine weeks but inside the quarter: only the goals see it.
    lead = lead_with_history(created_at=at(datetime.date(2026, 1, 2), 9))
    StatusChange.objects.create(
        lead=lead, from_status=S.NEW, to_status=S.MQL, changed_at=at(datetime.date(2026, 1, 2), 10)
    )


CHANGES = [
    _answer_pending,
    _move_source,
    _change_deal_value,
    _merge_leads,
    _backdated_entry,
    _touch_before_win,
    _rename_campaign,
    _lead_in_a_trend_week,
    _late_spend,
    _quarter_entry,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_a_change_after_the_fact_is_seen(change, week_data, numbers):
    before = snapshot(numbers())
    change(week_data)
    after = snapshot(numbers())
    assert after == snapshot(numbers(live=True))
    assert after != before  # the change matters, so a stale row would have failed


def test_time_alone_turns_a_pending_hand_off_into_a_breach(week_data, numbers):
    now = week_data["now"]
    lead = lead_with_history(created_at=at(day(6), 20), path=[(S.MQL, at(day(6), 21))])
    handoff(lead, at(day(6), 21), accept_deadline=now + datetime.timedelta(hours=2))
    before = numbers()
    later = now + datetime.timedelta(hours=3)
    after = numbers(now=later)
    assert after.service_level.breaches == before.service_level.breaches + 1
    assert snapshot(after) == snapshot(numbers(now=later, live=True))
    assert snapshot(numbers(now=now)) == snapshot(before)  # an earlier "now" is computed again, not guessed


def test_a_first_contact_deadline_passing_changes_the_contact_rate(week_data, numbers):
    now = week_data["now"]
    Handoff.objects.filter(lead=week_data["leads"]["l6"]).update(
        first_contact_deadline=now + datetime.timedelta(hours=1)
    )
    before = numbers()
    later = numbers(now=now + datetime.timedelta(hours=2))
    assert later.service_level.first_contact_in_time_rate != before.service_level.first_contact_in_time_rate
    assert snapshot(later) == snapshot(numbers(now=now + datetime.timedelta(hours=2), live=True))


def test_a_new_service_level_recomputes_the_contact_figures(week_data, numbers, computed):
    numbers()
    level = ServiceLevel.current()
    level.hours_to_first_contact = 200
    level.save()
    after = numbers()
    assert len(computed) == 2
    assert snapshot(after) == snapshot(numbers(live=True))


def test_fresh_rows_note_no_change_and_old_ones_do():
    RollupChange.objects.all().delete()
    LeadFactory(created_at=timezone.now())
    assert not RollupChange.objects.exists()  # captures and imports pay nothing
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    LeadFactory(created_at=two_days_ago)
    note = RollupChange.objects.get()
    assert note.hour == two_days_ago.replace(minute=0, second=0, microsecond=0) and note.n == 1


def test_weeks_not_yet_complete_are_never_stored(users, computed):
    from crm.weeks import Week

    current = Week.current()
    metrics.weekly_metrics(current)
    assert not WeekRollup.objects.filter(week=current.label).exists()
    metrics.weekly_metrics(current)
    assert len(computed) == 2


def test_a_change_committed_while_computing_is_not_trusted(week_data, numbers, monkeypatch, computed):
    real = metrics.week_figures

    def racing(*args, **kwargs):
        figures = real(*args, **kwargs)
        _answer_pending(week_data)  # lands after the stamps were read: the stored row must not be used
        return figures

    monkeypatch.setattr(metrics, "week_figures", racing)
    numbers()
    monkeypatch.setattr(metrics, "week_figures", real)
    after = numbers()
    assert after.handoffs.pending == 0
    assert snapshot(after) == snapshot(numbers(live=True))


def test_compaction_keeps_the_sums_and_so_the_stored_rows(week_data, numbers, computed):
    for _ in range(3):
        _late_spend(week_data)
        _backdated_entry(week_data)
    numbers()
    notes = RollupChange.objects.count()
    rollups.compact()
    assert RollupChange.objects.count() < notes
    numbers()
    assert len(computed) == 1


def test_the_weekly_task_compacts_the_notes(week_data):
    from alignment.tasks import compact_rollup_changes

    _backdated_entry(week_data)
    _backdated_entry(week_data)
    hours = Counter()
    for hour, n in RollupChange.objects.values_list("hour", "n"):
        hours[hour] += n
    assert RollupChange.objects.count() > len(hours)
    compact_rollup_changes()
    assert dict(RollupChange.objects.values_list("hour", "n")) == hours
    assert RollupChange.objects.count() == len(hours)


def test_rows_of_another_format_are_computed_again(numbers, computed):
    first = numbers()
    WeekRollup.objects.update(point={"format": rollups.FORMAT - 1}, detail={"format": rollups.FORMAT - 1})
    again = numbers()
    assert len(computed) == 2
    assert snapshot(again) == snapshot(first)
    numbers()
    assert len(computed) == 2  # and stored again in the current format


def test_the_monday_task_stores_the_week_just_ended(users):
    from alignment.tasks import store_last_week
    from crm.weeks import Week

    week = Week.last_complete()
    assert store_last_week() == {"week": week.label, "stored": True}
    stored = WeekRollup.objects.filter(week=week.label)
    if week.end <= timezone.now() - rollups.STORE_AFTER:
        assert stored.exclude(detail=None).exists()
    else:  # run within six hours of Monday 00:00: too early to store, by design
        assert not stored.exists()


def test_the_beat_schedule_stores_the_week_before_the_digests_go_out(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    store, digests = schedule["store-last-week"]["schedule"], schedule["weekly-digests"]["schedule"]
    assert store.day_of_week == digests.day_of_week == {1}
    assert min(store.hour) * 60 + min(store.minute) < min(digests.hour) * 60 + min(digests.minute)
    assert min(store.hour) >= rollups.STORE_AFTER.total_seconds() // 3600

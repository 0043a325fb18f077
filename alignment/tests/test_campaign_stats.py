"""A campaign's figures, its variants compared, and the feedback counts, on hand-built data."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from alignment import campaign_stats
from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory
from handoffs.models import Handoff
from handoffs.tests.factories import HandoffFactory
from leads.models import Lead, Touchpoint
from leads.tests.factories import LeadFactory, StatusChangeFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

START, END = datetime.date(2026, 3, 2), datetime.date(2026, 3, 29)  # four ISO weeks, Monday to Sunday


def at(day, hour=12):
    return datetime.datetime(2026, *day, hour, tzinfo=timezone.get_current_timezone())


def lead(campaign, created, status=Lead.Status.NEW, mql=False, deal_value=None):
    row = LeadFactory(first_touch_campaign=campaign, created_at=at(created), status=status, deal_value=deal_value)
    if mql:
        StatusChangeFactory(lead=row, to_status=Lead.Status.MQL, changed_at=at(created, 13))
    return row


def handoff(lead_row, outcome, reason=""):
    created = lead_row.created_at + datetime.timedelta(hours=2)
    return HandoffFactory(
        lead=lead_row,
        created_at=created,
        outcome=outcome,
        responded_at=created + datetime.timedelta(hours=3),
        reject_reason=reason,
        feedback="Not our market." if reason else "",
    )


@pytest.fixture
def spring():
    """Four leads in range: one won for 1000.00 and one more accepted, one rejected, one new; 500.00 spent."""
    campaign = CampaignFactory(slug="spring")
    other = CampaignFactory(slug="other")
    won = lead(campaign, (3, 3), Lead.Status.WON, mql=True, deal_value=Decimal("1000.00"))
    handoff(won, Handoff.Outcome.ACCEPTED)
    accepted = lead(campaign, (3, 10), Lead.Status.SAL, mql=True)
    handoff(accepted, Handoff.Outcome.ACCEPTED)
    rejected = lead(campaign, (3, 11), Lead.Status.DISQUALIFIED, mql=True)
    handoff(rejected, Handoff.Outcome.REJECTED, Handoff.RejectReason.NOT_ICP_FIT)
    lead(campaign, (3, 24))
    # Outside the figures: a lead before the range, and another campaign's won lead in it.
    before = lead(campaign, (2, 20), Lead.Status.WON, mql=True, deal_value=Decimal("5000.00"))
    handoff(before, Handoff.Outcome.ACCEPTED)
    lead(other, (3, 5), Lead.Status.WON, mql=True, deal_value=Decimal("700.00"))
    SpendFactory(campaign=campaign, date=datetime.date(2026, 3, 5), amount=Decimal("300.00"))
    SpendFactory(campaign=campaign, date=datetime.date(2026, 3, 29), amount=Decimal("200.00"))
    SpendFactory(campaign=campaign, date=datetime.date(2026, 3, 1), amount=Decimal("999.00"))
    SpendFactory(campaign=other, date=datetime.date(2026, 3, 5), amount=Decimal("100.00"))
    return campaign


def test_figures_of_a_hand_built_campaign(spring, django_assert_num_queries):
    with django_assert_num_queries(3):
        figures = campaign_stats.campaign_figures(campaign=spring, start=START, end=END)
    assert (figures.leads, figures.mqls, figures.accepted, figures.rejected, figures.wins) == (4, 3, 2, 1, 1)
    assert figures.revenue == Decimal("1000.00")
    assert figures.spend == Decimal("500.00")
    assert figures.cost_per_lead == Decimal("125.00")  # 500 / 4
    assert figures.cost_per_win == Decimal("500.00")  # 500 / 1
    assert figures.roi == Decimal("1.00")  # (1000 − 500) / 500
    assert figures.acceptance_rate == pytest.approx(2 / 3)


def test_without_spend_there_is_no_roi_and_without_wins_no_cost_per_win():
    campaign = CampaignFactory()
    lead(campaign, (3, 3))
    figures = campaign_stats.campaign_figures(campaign=campaign, start=START, end=END)
    assert (figures.leads, figures.spend, figures.cost_per_lead) == (1, Decimal("0.00"), Decimal("0.00"))
    assert figures.roi is None and figures.cost_per_win is None


def test_a_range_with_nothing_in_it_has_no_ratios(spring):
    figures = campaign_stats.campaign_figures(
        campaign=spring, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31)
    )
    assert (figures.leads, figures.wins, figures.revenue, figures.spend) == (0, 0, Decimal("0.00"), Decimal("0"))
    assert (figures.cost_per_lead, figures.cost_per_win, figures.roi) == (None, None, None)


def test_a_loss_shows_as_negative_roi():
    campaign = CampaignFactory()
    lead(campaign, (3, 3), Lead.Status.WON, mql=True, deal_value=Decimal("100.00"))
    SpendFactory(campaign=campaign, date=datetime.date(2026, 3, 3), amount=Decimal("400.00"))
    figures = campaign_stats.campaign_figures(campaign=campaign, start=START, end=END)
    assert figures.roi == Decimal("-0.75")  # (100 − 400) / 400


def test_days_are_counted_in_the_configured_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    campaign = CampaignFactory()
    # 23:30 UTC on Sunday 1 March is 00:30 on Monday 2 March in Berlin: inside the range.
    LeadFactory(first_touch_campaign=campaign, created_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC))
    # 23:30 UTC on Sunday 29 March is already Monday 30 March in Berlin (summer time): outside.
    LeadFactory(first_touch_campaign=campaign, created_at=datetime.datetime(2026, 3, 29, 22, 30, tzinfo=datetime.UTC))
    assert campaign_stats.campaign_figures(campaign=campaign, start=START, end=END).leads == 1
    weeks = campaign_stats.campaign_leads_per_week(campaign=campaign, start=START, end=END)
    assert weeks[0] == (datetime.date(2026, 3, 2), 1)


def test_leads_per_week_lists_every_week_with_zeros(spring):
    assert campaign_stats.campaign_leads_per_week(campaign=spring, start=START, end=END) == [
        (datetime.date(2026, 3, 2), 1),
        (datetime.date(2026, 3, 9), 2),
        (datetime.date(2026, 3, 16), 0),
        (datetime.date(2026, 3, 23), 1),
    ]


def test_a_range_starting_midweek_begins_with_that_weeks_monday(spring):
    weeks = campaign_stats.campaign_leads_per_week(
        campaign=spring, start=datetime.date(2026, 3, 11), end=datetime.date(2026, 3, 17)
    )
    assert weeks == [(datetime.date(2026, 3, 9), 1), (datetime.date(2026, 3, 16), 0)]


def test_the_default_range_is_the_last_twelve_iso_weeks():
    start, end = campaign_stats.default_range(today=datetime.date(2026, 3, 26))  # a Thursday
    assert (start, end) == (datetime.date(2026, 1, 5), datetime.date(2026, 3, 26))
    assert start.weekday() == 0 and (end - start).days // 7 + 1 == 12


# --- A/B ----------------------------------------------------------------------------------


def test_variant_figures_count_each_lead_once_per_variant_it_touched():
    campaign = CampaignFactory()
    a = VariantFactory(campaign=campaign, name="A", utm_content="a")
    b = VariantFactory(campaign=campaign, name="B", utm_content="b")
    VariantFactory(campaign=campaign, name="C", utm_content="c")  # no touches at all
    t = at((3, 3))
    won = LeadFactory(status=Lead.Status.WON, deal_value=Decimal("10"))
    handoff(won, Handoff.Outcome.ACCEPTED)
    TouchpointFactory.create_batch(2, lead=won, campaign=campaign, variant=a, occurred_at=t)  # twice: counts once
    rejected = LeadFactory()
    handoff(rejected, Handoff.Outcome.REJECTED, Handoff.RejectReason.NO_BUDGET)
    TouchpointFactory(lead=rejected, campaign=campaign, variant=a, occurred_at=t)
    both = LeadFactory(status=Lead.Status.SAL)
    handoff(both, Handoff.Outcome.ACCEPTED)
    TouchpointFactory(lead=both, campaign=campaign, variant=a, occurred_at=t)
    TouchpointFactory(lead=both, campaign=campaign, variant=b, occurred_at=t)
    TouchpointFactory(lead=LeadFactory(), campaign=campaign, variant=b, occurred_at=at((1, 5)))  # before the range
    rows = campaign_stats.variant_figures(campaign=campaign, start=START, end=END)
    assert [(r.variant.name, r.leads, r.accepted, r.won) for r in rows] == [
        ("A", 3, 2, 1),
        ("B", 1, 1, 0),
        ("C", 0, 0, 0),
    ]
    assert rows[0].accept_rate == pytest.approx(2 / 3) and rows[2].win_rate is None
    all_time = campaign_stats.variant_figures(campaign=campaign)
    assert [r.leads for r in all_time] == [3, 2, 0]


def test_variants_are_compared_with_the_first_by_z_test():
    campaign = CampaignFactory()
    a = VariantFactory(campaign=campaign, name="A", utm_content="a")
    b = VariantFactory(campaign=campaign, name="B", utm_content="b")
    small = VariantFactory(campaign=campaign, name="C", utm_content="c")
    # A: 30 of 100 won; B: 45 of 100 won (z ≈ −2.19, p ≈ 0.028); C: 5 leads.
    leads = Lead.objects.bulk_create(
        [
            Lead(
                email=f"ab{i}@example.com",
                status=Lead.Status.WON if won else Lead.Status.NEW,
                deal_value=Decimal("1.00") if won else None,
            )
            for i, won in enumerate([True] * 30 + [False] * 70 + [True] * 45 + [False] * 55 + [False] * 5)
        ]
    )
    variants = [a] * 100 + [b] * 100 + [small] * 5
    Touchpoint.objects.bulk_create(
        [
            TouchpointFactory.build(lead=row, campaign=campaign, variant=variant, occurred_at=at((3, 3)))
            for row, variant in zip(leads, variants, strict=True)
        ]
    )
    result = campaign_stats.variant_comparison(campaign=campaign, start=START, end=END)
    assert [(r.variant.name, r.leads, r.won) for r in result.variants] == [("A", 100, 30), ("B", 100, 45), ("C", 5, 0)]
    against_b, against_c = result.comparisons
    assert against_b.won.text == "B converts better, p = 0.03"
    assert against_b.won.test.z == pytest.approx(-2.19, abs=0.01)
    assert against_b.accepted.text == "no significant difference (p = 1.00)"
    assert against_c.won.text == "not enough data yet: n < 30 per variant"


def test_a_campaign_without_variants_has_nothing_to_compare():
    result = campaign_stats.variant_comparison(campaign=CampaignFactory())
    assert (result.variants, result.comparisons) == ([], [])


# --- Feedback -----------------------------------------------------------------------------


def test_rejected_handoffs_and_their_reasons_counted(spring):
    extra = lead(spring, (3, 12), Lead.Status.RECYCLED, mql=True)
    handoff(extra, Handoff.Outcome.REJECTED, Handoff.RejectReason.NOT_READY)
    another = lead(spring, (3, 13), Lead.Status.DISQUALIFIED, mql=True)
    handoff(another, Handoff.Outcome.REJECTED, Handoff.RejectReason.NOT_ICP_FIT)
    rejected = campaign_stats.rejected_handoffs()
    assert [h.lead for h in rejected] == [another, extra, Lead.objects.get(created_at=at((3, 11)))]
    counts = campaign_stats.reject_reason_counts(rejected)
    assert counts[0] == ("not_icp_fit", "Not an ICP fit", 2)
    assert {value: count for value, _, count in counts} == {
        "not_icp_fit": 2,
        "no_budget": 0,
        "bad_contact_data": 0,
        "duplicate": 0,
        "not_ready": 1,
        "other": 0,
    }

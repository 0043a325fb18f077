"""The marketers' cross-app pages: campaign figures, A/B comparison, feedback from sales."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory
from handoffs.models import Handoff
from handoffs.tests.factories import HandoffFactory
from leads.models import Lead
from leads.tests.factories import LeadFactory, StatusChangeFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def at(month, day, hour=12):
    return datetime.datetime(2026, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def spring():
    campaign = CampaignFactory(name="Spring launch", slug="spring")
    VariantFactory(campaign=campaign, name="A", utm_content="a")
    VariantFactory(campaign=campaign, name="B", utm_content="b")
    return campaign


def rejected(lead, reason, feedback, when, rep=None):
    return HandoffFactory(
        lead=lead,
        created_at=when - datetime.timedelta(hours=4),
        outcome=Handoff.Outcome.REJECTED,
        responded_at=when,
        responded_by=rep,
        assigned_to=rep,
        reject_reason=reason,
        feedback=feedback,
    )


def urls(campaign):
    return {
        "detail": campaign.get_absolute_url(),
        "ab": reverse("marketing:campaign-ab", args=[campaign.slug]),
        "feedback": reverse("marketing:feedback"),
    }


@pytest.mark.parametrize("page", ["detail", "ab", "feedback"])
@pytest.mark.parametrize(
    ("role", "status"), [(None, 302), ("norole", 403), ("sales", 200), ("marketing", 200), ("managers", 200)]
)
def test_role_matrix(client, users, spring, page, role, status):
    if role:
        client.force_login(users[role])
    response = client.get(urls(spring)[page])
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/?next=")


def test_an_unknown_campaign_is_not_found(client, users):
    client.force_login(users["sales"])
    assert client.get("/campaigns/nope/").status_code == 404
    assert client.get("/campaigns/nope/ab/").status_code == 404


def test_the_detail_page_shows_the_figures_of_the_chosen_range(client, users, spring):
    won = LeadFactory(first_touch_campaign=spring, created_at=at(3, 3), status=Lead.Status.WON, deal_value=1000)
    StatusChangeFactory(lead=won, to_status=Lead.Status.MQL, changed_at=at(3, 3, 13))
    HandoffFactory(lead=won, outcome=Handoff.Outcome.ACCEPTED, created_at=at(3, 3, 14), responded_at=at(3, 3, 15))
    LeadFactory.create_batch(3, first_touch_campaign=spring, created_at=at(3, 10))
    SpendFactory(campaign=spring, date=datetime.date(2026, 3, 4), amount=Decimal("500.00"))
    client.force_login(users["sales"])
    response = client.get(spring.get_absolute_url(), {"date_from": "2026-03-02", "date_to": "2026-03-15"})
    figures = response.context["figures"]
    assert (figures.leads, figures.mqls, figures.accepted, figures.wins) == (4, 1, 1, 1)
    html = response.content.decode()
    assert 'data-testid="figure-leads">4<' in html
    assert 'data-testid="figure-cpl">€125.00<' in html
    assert 'data-testid="figure-cpw">€500.00<' in html
    assert 'data-testid="figure-roi">100%<' in html
    assert 'data-testid="figure-revenue">€1,000.00<' in html
    chart = json.loads(html.split('<script id="leads-per-week" type="application/json">')[1].split("</script>")[0])
    assert chart == {"labels": ["02 Mar 2026", "09 Mar 2026"], "series": [{"label": "New leads", "data": [1, 3]}]}
    assert "chart.umd.min.js" in html and "js/campaigns.js" in html


@time_machine.travel(datetime.datetime(2026, 3, 26, 12, tzinfo=datetime.UTC), tick=False)
def test_the_detail_page_defaults_to_the_last_twelve_weeks(client, users, spring):
    LeadFactory(first_touch_campaign=spring, created_at=at(1, 4))  # the Sunday before the range
    LeadFactory(first_touch_campaign=spring, created_at=at(1, 5))
    client.force_login(users["sales"])
    response = client.get(spring.get_absolute_url())
    figures = response.context["figures"]
    assert (figures.start, figures.end, figures.leads) == (datetime.date(2026, 1, 5), datetime.date(2026, 3, 26), 1)
    assert len(response.context["chart"]["labels"]) == 12


@time_machine.travel(datetime.datetime(2026, 3, 26, 12, tzinfo=datetime.UTC), tick=False)
def test_an_impossible_range_falls_back_to_the_default_and_says_so(client, users, spring):
    client.force_login(users["sales"])
    response = client.get(spring.get_absolute_url(), {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert response.context["figures"].start == datetime.date(2026, 1, 5)
    assert "The end of the range cannot be before its start." in response.content.decode()


def test_the_detail_page_lists_spend_and_variants(client, users, spring):
    SpendFactory(campaign=spring, amount=Decimal("42.00"), note="Invoice 7")
    client.force_login(users["marketing"])
    html = client.get(spring.get_absolute_url()).content.decode()
    assert "Invoice 7" in html and 'data-testid="spend-add-form"' in html
    assert html.count('data-testid="variant-row"') == 2
    assert reverse("marketing:campaign-ab", args=["spring"]) in html


def test_the_detail_page_costs_a_fixed_number_of_queries(client, users, spring, django_assert_max_num_queries):
    client.force_login(users["sales"])
    SpendFactory.create_batch(3, campaign=spring)
    LeadFactory.create_batch(3, first_touch_campaign=spring)
    with django_assert_max_num_queries(20) as few:
        client.get(spring.get_absolute_url())
    SpendFactory.create_batch(15, campaign=spring)
    LeadFactory.create_batch(15, first_touch_campaign=spring)
    VariantFactory.create_batch(5, campaign=spring)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(spring.get_absolute_url())


def test_the_ab_page_shows_rates_and_a_verdict(client, users, spring):
    a, b = spring.variants.order_by("name")
    for variant, count in ((a, 3), (b, 2)):
        for lead in LeadFactory.create_batch(count):
            TouchpointFactory(lead=lead, campaign=spring, variant=variant)
    client.force_login(users["sales"])
    response = client.get(reverse("marketing:campaign-ab", args=[spring.slug]))
    html = response.content.decode()
    assert [row.leads for row in response.context["comparison"].variants] == [3, 2]
    assert html.count('data-testid="ab-row"') == 2
    assert "Not enough data yet: n &lt; 30 per variant" in html


def test_the_ab_page_without_variants_says_so(client, users):
    campaign = CampaignFactory()
    client.force_login(users["marketing"])
    assert "has no variants yet" in client.get(reverse("marketing:campaign-ab", args=[campaign.slug])).content.decode()


# --- Feedback ----------------------------------------------------------------------------


@pytest.fixture
def feedback_rows(users, spring):
    other = CampaignFactory(name="Autumn", slug="autumn")
    rep = users["sales"]
    return {
        "icp": rejected(
            LeadFactory(first_touch_campaign=spring, first_name="Ida", company="Tiny GmbH"),
            Handoff.RejectReason.NOT_ICP_FIT,
            "Two people <b>company</b>, not our market.",
            at(3, 3),
            rep,
        ),
        "budget": rejected(
            LeadFactory(first_touch_campaign=spring, first_name="Bo"),
            Handoff.RejectReason.NO_BUDGET,
            "No budget until next year.",
            at(3, 10),
            rep,
        ),
        "autumn": rejected(
            LeadFactory(first_touch_campaign=other, first_name="Al"),
            Handoff.RejectReason.NOT_ICP_FIT,
            "Students.",
            at(4, 1),
            users["sales2"],
        ),
        "accepted": HandoffFactory(
            lead=LeadFactory(first_touch_campaign=spring),
            outcome=Handoff.Outcome.ACCEPTED,
            responded_at=at(3, 4),
        ),
    }


def listed(client, **query):
    response = client.get(reverse("marketing:feedback"), query)
    return response, [h.feedback.split()[0] for h in response.context["page"]]


def test_feedback_lists_rejections_newest_first_with_reason_rep_and_campaign(client, users, feedback_rows):
    client.force_login(users["marketing"])
    response, firsts = listed(client)
    assert firsts == ["Students.", "No", "Two"]
    html = response.content.decode()
    assert "Not an ICP fit" in html and "Spring launch" in html and "sue" in html and "Tiny GmbH" in html
    assert "&lt;b&gt;company&lt;/b&gt;" in html and "<b>company</b>" not in html
    assert response.context["total"] == 3


def test_feedback_filters_by_campaign_reason_and_date(client, users, feedback_rows):
    client.force_login(users["sales"])
    assert listed(client, campaign="spring")[1] == ["No", "Two"]
    assert listed(client, reason="not_icp_fit")[1] == ["Students.", "Two"]
    assert listed(client, date_from="2026-03-05", date_to="2026-03-31")[1] == ["No"]
    response, firsts = listed(client, campaign="spring", reason="not_icp_fit")
    assert firsts == ["Two"]


def test_feedback_counts_per_reason_follow_the_filters(client, users, feedback_rows):
    client.force_login(users["sales"])
    response, _ = listed(client, campaign="spring")
    counts = {value: count for value, _, count in response.context["reasons"]}
    assert (counts["not_icp_fit"], counts["no_budget"], counts["duplicate"]) == (1, 1, 0)
    html = response.content.decode()
    chart = json.loads(html.split('<script id="reason-data" type="application/json">')[1].split("</script>")[0])
    assert chart["labels"][0] == "Not an ICP fit" and chart["series"][0]["data"] == [1, 1, 0, 0, 0, 0]


def test_feedback_is_paginated(client, users, spring):
    for i in range(27):
        rejected(LeadFactory(), Handoff.RejectReason.OTHER, f"Reason {i}", at(3, 1) + datetime.timedelta(hours=i))
    client.force_login(users["sales"])
    first = client.get(reverse("marketing:feedback"))
    second = client.get(reverse("marketing:feedback"), {"page": 2})
    assert (len(first.context["page"]), len(second.context["page"])) == (25, 2)
    assert "Page 1 of 2" in first.content.decode()


def test_feedback_page_queries_do_not_grow_with_rows(client, users, django_assert_max_num_queries):
    client.force_login(users["sales"])
    for i in range(3):
        rejected(LeadFactory(first_touch_campaign=CampaignFactory()), "other", f"r{i}", at(3, 1), users["sales"])
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("marketing:feedback"))
    for i in range(15):
        rejected(LeadFactory(first_touch_campaign=CampaignFactory()), "other", f"s{i}", at(3, 2), users["sales2"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("marketing:feedback"))


@pytest.mark.parametrize("role", ["marketing", "sales", "managers"])
def test_the_navigation_offers_campaigns_and_feedback(client, users, role):
    client.force_login(users[role])
    html = client.get("/").content.decode()
    assert 'href="/campaigns/"' in html and 'href="/feedback/"' in html

"""The database itself keeps the campaign invariants: unique keys and money that is never negative."""

import datetime
from decimal import Decimal

import pytest

from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory, SpendFactory

pytestmark = pytest.mark.django_db


def test_slug_and_utm_key_are_unique_in_the_database(db_refuses):
    CampaignFactory(slug="spring", utm_campaign="spring_2026")
    assert db_refuses(CampaignFactory, slug="spring", utm_campaign="other")
    assert db_refuses(CampaignFactory, slug="other", utm_campaign="spring_2026")
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize(("budget", "is_refused"), [(Decimal("-0.01"), True), (Decimal("0"), False)])
def test_a_negative_budget_is_refused(db_refuses, budget, is_refused):
    assert db_refuses(CampaignFactory, budget=budget) is is_refused


@pytest.mark.parametrize(("amount", "is_refused"), [(Decimal("-5.00"), True), (Decimal("0.00"), False)])
def test_negative_spend_is_refused(db_refuses, amount, is_refused):
    assert db_refuses(SpendFactory, amount=amount) is is_refused


def test_a_campaign_cannot_end_before_it_starts(db_refuses):
    start = datetime.date(2026, 3, 2)
    assert db_refuses(CampaignFactory, start_date=start, end_date=start - datetime.timedelta(days=1))
    assert not db_refuses(CampaignFactory, start_date=start, end_date=start)

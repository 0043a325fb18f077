import datetime
from decimal import Decimal

import factory

from campaigns.models import Campaign, Channel, Spend, Variant


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    utm_campaign = factory.Sequence(lambda n: f"utm-campaign-{n}")
    channel = Channel.PAID_SEARCH
    status = Campaign.Status.ACTIVE
    start_date = datetime.date(2026, 1, 5)
    budget = Decimal("1000.00")


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Variant {chr(65 + n % 26)}{n}")
    utm_content = factory.Sequence(lambda n: f"variant-{n}")


class SpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Spend

    campaign = factory.SubFactory(CampaignFactory)
    date = datetime.date(2026, 1, 5)
    amount = Decimal("100.00")

"""Writes on campaigns, variants and spend: validation as field errors, delete versus archive."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Campaign, Channel, Spend, Variant
from campaigns.services import (
    CampaignInUse,
    VariantInUse,
    campaign_archive,
    campaign_create,
    campaign_delete,
    campaign_restore,
    campaign_update,
    spend_add,
    spend_update,
    variant_create,
    variant_delete,
)
from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory
from leads.tests.factories import LeadFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Spring launch",
    "slug": "spring-launch",
    "channel": Channel.PAID_SEARCH,
    "start_date": datetime.date(2026, 3, 2),
    "utm_campaign": "spring_launch",
}


def test_creating_a_campaign_stores_it(users):
    campaign = campaign_create(actor=users["marketing"], budget=Decimal("2500.00"), owner=users["marketing"], **FIELDS)
    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.slug, stored.utm_campaign, stored.budget, stored.owner) == (
        "spring-launch",
        "spring_launch",
        Decimal("2500.00"),
        users["marketing"],
    )


def test_a_duplicate_slug_is_a_field_error(users):
    CampaignFactory(slug="spring-launch")
    with pytest.raises(ValidationError) as error:
        campaign_create(actor=users["marketing"], **FIELDS)
    assert "slug" in error.value.message_dict
    assert Campaign.objects.filter(slug="spring-launch").count() == 1


def test_a_utm_key_differing_only_in_case_is_a_duplicate(users):
    CampaignFactory(name="Old", utm_campaign="SPRING_LAUNCH")
    with pytest.raises(ValidationError) as error:
        campaign_create(actor=users["marketing"], **FIELDS)
    assert "Old" in error.value.message_dict["utm_campaign"][0]


def test_a_reserved_slug_is_refused(users):
    with pytest.raises(ValidationError) as error:
        campaign_create(actor=users["marketing"], **{**FIELDS, "slug": "new"})
    assert "reserved" in error.value.message_dict["slug"][0]


def test_a_negative_budget_is_a_field_error(users):
    with pytest.raises(ValidationError) as error:
        campaign_create(actor=users["marketing"], budget=Decimal("-1.00"), **FIELDS)
    assert error.value.message_dict["budget"] == ["A budget cannot be negative."]


def test_an_end_before_the_start_is_a_field_error(users):
    with pytest.raises(ValidationError) as error:
        campaign_create(actor=users["marketing"], end_date=datetime.date(2026, 3, 1), **FIELDS)
    assert error.value.message_dict["end_date"] == ["The end date cannot be before the start date."]


def test_unknown_fields_are_refused(users):
    with pytest.raises(ValidationError):
        campaign_create(actor=users["marketing"], archived=True, **FIELDS)


def test_updating_keeps_its_own_keys_and_changes_fields(users):
    campaign = CampaignFactory(slug="spring-launch", utm_campaign="spring_launch")
    campaign_update(campaign=campaign, actor=users["marketing"], name="Spring relaunch", slug="spring-launch")
    assert Campaign.objects.get(pk=campaign.pk).name == "Spring relaunch"


def test_archiving_and_restoring(users):
    campaign = CampaignFactory()
    campaign_archive(campaign=campaign, actor=users["marketing"])
    assert Campaign.objects.get(pk=campaign.pk).archived is True
    campaign_restore(campaign=campaign, actor=users["marketing"])
    assert Campaign.objects.get(pk=campaign.pk).archived is False


def test_a_campaign_without_leads_is_deleted_with_its_variants_and_spend(users):
    campaign = CampaignFactory()
    VariantFactory(campaign=campaign)
    SpendFactory(campaign=campaign)
    campaign_delete(campaign=campaign, actor=users["marketing"])
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert not Variant.objects.exists() and not Spend.objects.exists()


def test_a_campaign_with_leads_cannot_be_deleted(users):
    campaign = CampaignFactory()
    LeadFactory(first_touch_campaign=campaign, last_touch_campaign=campaign)
    with pytest.raises(CampaignInUse) as refused:
        campaign_delete(campaign=campaign, actor=users["marketing"])
    assert refused.value.references == {"leads (first touch campaign)": 1, "leads (last touch campaign)": 1}
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_a_campaign_with_only_touchpoints_cannot_be_deleted(users):
    campaign = CampaignFactory()
    TouchpointFactory(campaign=campaign)
    with pytest.raises(CampaignInUse) as refused:
        campaign_delete(campaign=campaign, actor=users["marketing"])
    assert refused.value.references == {"touchpoints": 1}
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_variant_names_and_utm_content_are_unique_per_campaign(users):
    campaign = CampaignFactory()
    variant_create(campaign=campaign, actor=users["marketing"], name="A", utm_content="hero-a")
    with pytest.raises(ValidationError) as error:
        variant_create(campaign=campaign, actor=users["marketing"], name="a", utm_content="HERO-A")
    assert set(error.value.message_dict) == {"name", "utm_content"}
    # Another campaign may reuse both.
    variant_create(campaign=CampaignFactory(), actor=users["marketing"], name="A", utm_content="hero-a")
    assert Variant.objects.count() == 2


def test_a_variant_with_touchpoints_cannot_be_deleted(users):
    variant = VariantFactory()
    TouchpointFactory(campaign=variant.campaign, variant=variant)
    with pytest.raises(VariantInUse):
        variant_delete(variant=variant, actor=users["marketing"])
    assert Variant.objects.filter(pk=variant.pk).exists()


def test_an_unused_variant_is_deleted(users):
    variant = VariantFactory()
    variant_delete(variant=variant, actor=users["marketing"])
    assert not Variant.objects.filter(pk=variant.pk).exists()


def test_spend_is_recorded_and_corrected(users):
    campaign = CampaignFactory()
    spend = spend_add(
        campaign=campaign, actor=users["marketing"], date=datetime.date(2026, 3, 2), amount=Decimal("120.00")
    )
    spend_update(spend=spend, actor=users["marketing"], date=datetime.date(2026, 3, 3), amount=Decimal("80.00"))
    stored = Spend.objects.get(pk=spend.pk)
    assert (stored.date, stored.amount) == (datetime.date(2026, 3, 3), Decimal("80.00"))


def test_negative_spend_is_a_field_error(users):
    with pytest.raises(ValidationError) as error:
        spend_add(
            campaign=CampaignFactory(), actor=users["marketing"], date=datetime.date(2026, 3, 2), amount=Decimal("-5")
        )
    assert error.value.message_dict == {"amount": ["Spend cannot be negative."]}
    assert not Spend.objects.exists()

"""The API refuses what the campaign pages refuse: a utm key taken in another case, dates out of range."""

import datetime

import pytest

from campaigns.models import Campaign, Spend, Variant
from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory

pytestmark = pytest.mark.django_db

BODY = {"name": "Autumn launch", "slug": "autumn-launch", "channel": "webinar", "start_date": "2026-09-01"}


def test_a_utm_campaign_differing_only_in_case_is_refused_on_create_and_edit(users, api_as):
    CampaignFactory(name="Spring", utm_campaign="Spring-Webinar")
    client = api_as(users["marketing"])
    created = client.post("/api/v1/campaigns/", {**BODY, "utm_campaign": "spring-webinar"}, format="json")
    assert created.status_code == 400
    assert "Spring" in created.json()["utm_campaign"][0]
    assert not Campaign.objects.filter(slug="autumn-launch").exists()
    mine = CampaignFactory(slug="mine", utm_campaign="mine")
    edited = client.patch("/api/v1/campaigns/mine/", {"utm_campaign": "SPRING-WEBINAR"}, format="json")
    assert edited.status_code == 400 and list(edited.json()) == ["utm_campaign"]
    mine.refresh_from_db()
    assert mine.utm_campaign == "mine"


def test_a_variant_utm_content_differing_only_in_case_is_refused(users, api_as):
    variant = VariantFactory(utm_content="Hero")
    url = f"/api/v1/campaigns/{variant.campaign.slug}/variants/"
    response = api_as(users["marketing"]).post(url, {"name": "Other", "utm_content": "hero"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["utm_content"]
    assert Variant.objects.count() == 1


def test_the_database_refuses_keys_differing_only_in_case(db_refuses):
    CampaignFactory(utm_campaign="Spring")
    assert db_refuses(CampaignFactory, utm_campaign="SPRING")
    variant = VariantFactory(utm_content="Hero")
    assert db_refuses(VariantFactory, campaign=variant.campaign, utm_content="hERO")


def test_a_create_through_the_api_still_archives_when_asked(users, api_as):
    response = api_as(users["marketing"]).post(
        "/api/v1/campaigns/", {**BODY, "utm_campaign": "autumn", "archived": True}, format="json"
    )
    assert response.status_code == 201
    campaign = Campaign.objects.get(slug="autumn-launch")
    assert campaign.archived and campaign.owner == users["marketing"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"])
def test_dates_outside_the_accepted_range_are_refused_for_campaigns_and_spend(users, api_as, day):
    client = api_as(users["marketing"])
    created = client.post("/api/v1/campaigns/", {**BODY, "utm_campaign": "autumn", "start_date": day}, format="json")
    assert created.status_code == 400 and list(created.json()) == ["start_date"]
    campaign = CampaignFactory(slug="live")
    ended = client.patch("/api/v1/campaigns/live/", {"end_date": day}, format="json")
    assert ended.status_code == 400 and list(ended.json()) == ["end_date"]
    spent = client.post("/api/v1/campaigns/live/spend/", {"date": day, "amount": "10.00"}, format="json")
    assert spent.status_code == 400 and list(spent.json()) == ["date"]
    spend = SpendFactory(campaign=campaign)
    moved = client.patch(f"/api/v1/campaigns/live/spend/{spend.pk}/", {"date": day}, format="json")
    assert moved.status_code == 400
    spend.refresh_from_db()
    assert spend.date == datetime.date(2026, 1, 5)
    assert Spend.objects.count() == 1


def test_the_edges_of_the_range_are_accepted(users, api_as):
    client = api_as(users["marketing"])
    body = {**BODY, "utm_campaign": "autumn", "start_date": "2000-01-01", "end_date": "2099-12-31"}
    assert client.post("/api/v1/campaigns/", body, format="json").status_code == 201


def test_control_characters_are_refused_in_campaign_and_variant_names(users, api_as):
    client = api_as(users["marketing"])
    created = client.post(
        "/api/v1/campaigns/", {**BODY, "utm_campaign": "autumn", "name": "Fall\x1b[31m"}, format="json"
    )
    assert created.status_code == 400 and list(created.json()) == ["name"]
    campaign = CampaignFactory(slug="live")
    url = f"/api/v1/campaigns/{campaign.slug}/variants/"
    variant = client.post(url, {"name": "A\x9fB", "utm_content": "a"}, format="json")
    assert variant.status_code == 400 and list(variant.json()) == ["name"]
    assert not Variant.objects.exists()

"""Campaigns, variants, spend and capture forms through the API."""

import datetime
from decimal import Decimal

import pytest

from campaigns.models import Campaign, Spend, Variant
from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory
from leads.models import CaptureForm
from leads.tests.factories import CaptureFormFactory, LeadFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Autumn launch",
    "slug": "autumn-launch",
    "channel": "webinar",
    "start_date": "2026-09-01",
    "utm_campaign": "autumn",
    "budget": "500.00",
}


def test_creating_a_campaign_makes_you_its_owner_and_it_is_found_by_slug(users, api_as):
    client = api_as(users["marketing"])
    response = client.post("/api/v1/campaigns/", BODY, format="json")
    assert response.status_code == 201
    campaign = Campaign.objects.get(slug="autumn-launch")
    assert (campaign.owner, campaign.budget, campaign.channel) == (users["marketing"], Decimal("500.00"), "webinar")
    detail = client.get("/api/v1/campaigns/autumn-launch/")
    assert detail.status_code == 200
    assert (detail.json()["id"], detail.json()["owner_username"]) == (campaign.pk, "mia")
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/").status_code == 404  # by slug, not id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2026-08-01"}, "end_date"),
        ({"budget": "-1"}, "budget"),
        ({"channel": "direct"}, "channel"),
        ({"slug": "has spaces"}, "slug"),
        ({"slug": "taken"}, "slug"),
        ({"utm_campaign": "taken-utm"}, "utm_campaign"),
    ],
)
def test_a_campaign_with_bad_fields_is_refused_by_field(users, api_as, change, field):
    CampaignFactory(slug="taken", utm_campaign="taken-utm")
    response = api_as(users["marketing"]).post("/api/v1/campaigns/", {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Campaign.objects.filter(name="Autumn launch").exists()


def test_patching_the_end_date_checks_it_against_the_stored_start(users, api_as):
    campaign = CampaignFactory(start_date=datetime.date(2026, 5, 1))
    response = api_as(users["managers"]).patch(
        f"/api/v1/campaigns/{campaign.slug}/", {"end_date": "2026-04-30"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"end_date": ["The end date cannot be before the start date."]}


def test_a_campaign_with_history_is_archived_not_deleted(users, api_as):
    campaign = CampaignFactory()
    LeadFactory(first_touch_campaign=campaign)
    client = api_as(users["marketing"])
    refused = client.delete(f"/api/v1/campaigns/{campaign.slug}/")
    assert refused.status_code == 409
    assert "Archive" in refused.json()["detail"]
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    archived = client.patch(f"/api/v1/campaigns/{campaign.slug}/", {"archived": True}, format="json")
    assert archived.status_code == 200
    assert Campaign.objects.get(pk=campaign.pk).archived is True
    spent = SpendFactory().campaign
    assert client.delete(f"/api/v1/campaigns/{spent.slug}/").status_code == 409


def test_the_campaign_list_filters_by_status_and_channel(users, api_as):
    active = CampaignFactory(status=Campaign.Status.ACTIVE, channel="email")
    CampaignFactory(status=Campaign.Status.PAUSED, channel="email")
    CampaignFactory(status=Campaign.Status.ACTIVE, channel="events")
    response = api_as(users["sales"]).get("/api/v1/campaigns/", {"status": "active", "channel": "email"})
    assert [row["slug"] for row in response.json()["results"]] == [active.slug]


def test_variants_belong_to_their_campaign_and_are_unique_in_it(users, api_as):
    campaign, other = CampaignFactory(), CampaignFactory()
    VariantFactory(campaign=campaign, name="A", utm_content="a")
    foreign = VariantFactory(campaign=other, name="B", utm_content="b")
    client = api_as(users["marketing"])
    url = f"/api/v1/campaigns/{campaign.slug}/variants/"
    duplicate = client.post(url, {"name": "A", "utm_content": "a"}, format="json")
    assert duplicate.status_code == 400
    assert set(duplicate.json()) == {"name", "utm_content"}
    created = client.post(url, {"name": "B", "utm_content": "b"}, format="json")  # same as other's: fine here
    assert created.status_code == 201
    assert Variant.objects.get(pk=created.json()["id"]).campaign == campaign
    assert [row["name"] for row in client.get(url).json()["results"]] == ["A", "B"]
    assert client.get(f"{url}{foreign.pk}/").status_code == 404
    assert client.get("/api/v1/campaigns/no-such/variants/").status_code == 404


def test_a_variant_named_by_touchpoints_is_kept(users, api_as):
    variant = VariantFactory()
    TouchpointFactory(campaign=variant.campaign, variant=variant)
    response = api_as(users["marketing"]).delete(f"/api/v1/campaigns/{variant.campaign.slug}/variants/{variant.pk}/")
    assert response.status_code == 409
    assert Variant.objects.filter(pk=variant.pk).exists()


def test_spend_is_logged_corrected_and_deleted_on_its_campaign(users, api_as):
    campaign = CampaignFactory()
    client = api_as(users["marketing"])
    url = f"/api/v1/campaigns/{campaign.slug}/spend/"
    created = client.post(url, {"date": "2026-03-09", "amount": "120.50", "note": "Ads"}, format="json")
    assert created.status_code == 201
    spend = Spend.objects.get(pk=created.json()["id"])
    assert (spend.campaign, spend.amount, spend.date) == (campaign, Decimal("120.50"), datetime.date(2026, 3, 9))
    corrected = client.patch(f"{url}{spend.pk}/", {"amount": "99.99"}, format="json")
    assert corrected.status_code == 200
    assert Spend.objects.get(pk=spend.pk).amount == Decimal("99.99")
    negative = client.patch(f"{url}{spend.pk}/", {"amount": "-5"}, format="json")
    assert negative.status_code == 400
    assert "amount" in negative.json()
    assert client.delete(f"{url}{spend.pk}/").status_code == 204
    assert not Spend.objects.exists()


def test_spend_of_another_campaign_is_not_reachable_through_this_one(users, api_as):
    spend = SpendFactory()
    other = CampaignFactory()
    response = api_as(users["marketing"]).delete(f"/api/v1/campaigns/{other.slug}/spend/{spend.pk}/")
    assert response.status_code == 404
    assert Spend.objects.filter(pk=spend.pk).exists()


def test_a_capture_form_gets_a_key_and_its_origins_as_a_list(users, api_as):
    campaign = CampaignFactory(slug="fair")
    client = api_as(users["marketing"])
    response = client.post(
        "/api/v1/forms/",
        {
            "name": "Website",
            "campaign": "fair",
            "allowed_origins": ["https://www.example.com/", "http://localhost:8080"],
        },
        format="json",
    )
    assert response.status_code == 201
    form = CaptureForm.objects.get(pk=response.json()["id"])
    assert form.key and form.created_by == users["marketing"] and form.campaign == campaign
    assert form.origin_list() == ["https://www.example.com", "http://localhost:8080"]
    assert response.json()["allowed_origins"] == ["https://www.example.com", "http://localhost:8080"]
    assert response.json()["capture_url"] == f"/api/v1/capture/{form.key}/"


def test_a_capture_form_refuses_non_origins_and_a_taken_key(users, api_as):
    CaptureFormFactory(key="taken")
    client = api_as(users["marketing"])
    origins = client.post(
        "/api/v1/forms/", {"name": "W", "allowed_origins": ["www.example.com", "https://x.com/path"]}, format="json"
    )
    assert origins.status_code == 400
    assert len(origins.json()["allowed_origins"]) == 2
    key = client.post("/api/v1/forms/", {"name": "W", "key": "taken"}, format="json")
    assert key.status_code == 400
    assert "key" in key.json()
    assert CaptureForm.objects.count() == 1

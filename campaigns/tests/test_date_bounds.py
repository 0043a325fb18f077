"""The campaign and spend pages accept dates only in the documented range (crm.validators)."""

import pytest

from campaigns.forms import CampaignForm, SpendForm
from campaigns.tests.factories import CampaignFactory
from crm.validators import EARLIEST_DATE, LATEST_DATE

pytestmark = pytest.mark.django_db

OUTSIDE = ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", OUTSIDE)
def test_the_spend_form_refuses_a_date_out_of_range(day):
    form = SpendForm(data={"date": day, "amount": "10.00"})
    assert not form.is_valid()
    assert list(form.errors) == ["date"]


@pytest.mark.parametrize("day", OUTSIDE)
def test_the_campaign_form_refuses_start_and_end_dates_out_of_range(day):
    data = {"name": "Fair", "channel": "events", "objective": "lead_generation", "status": "planned", "budget": "0"}
    starts = CampaignForm(data={**data, "start_date": day})
    assert not starts.is_valid() and "start_date" in starts.errors
    ends = CampaignForm(data={**data, "start_date": "2026-01-05", "end_date": day})
    assert not ends.is_valid() and "end_date" in ends.errors


def test_the_range_edges_are_accepted():
    assert SpendForm(data={"date": EARLIEST_DATE, "amount": "1"}).is_valid()
    assert SpendForm(data={"date": LATEST_DATE, "amount": "1"}).is_valid()


@pytest.mark.parametrize(
    "query", ["date_from=9999-12-01&date_to=9999-12-31", "date_from=0001-01-01&date_to=0002-01-01"]
)
def test_the_campaign_pages_answer_a_range_out_of_bounds_with_the_default_range(client, users, query):
    campaign = CampaignFactory(slug="fair")
    client.force_login(users["marketing"])
    for path in (f"/campaigns/{campaign.slug}/", f"/campaigns/{campaign.slug}/ab/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200
        assert response.context["range_form"].errors

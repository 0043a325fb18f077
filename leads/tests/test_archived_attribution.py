"""An archived campaign receives no new attribution; a completed (or paused) one still does.

The same rule for every way in: the website form, the API, one capture, and the batch of an import.
"""

import json

import pytest
from django.core.files.base import ContentFile

from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory
from leads import importing
from leads.bulk_capture import leads_capture_batch
from leads.models import Lead, Touchpoint
from leads.services import lead_capture
from leads.tests.factories import CaptureFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns():
    return {
        "archived": CampaignFactory(utm_campaign="old-spring", archived=True),
        "completed": CampaignFactory(utm_campaign="autumn", status=Campaign.Status.COMPLETED),
        "default": CampaignFactory(utm_campaign="evergreen"),
    }


def test_a_capture_naming_an_archived_campaign_falls_back_to_the_default(campaigns):
    archived = lead_capture(
        data={"email": "a@example.com", "utm_campaign": "OLD-SPRING"}, campaign=campaigns["default"]
    )
    assert archived.touchpoint.campaign == campaigns["default"]
    assert archived.touchpoint.utm_campaign == "OLD-SPRING"  # kept, should it be restored
    nothing = lead_capture(data={"email": "b@example.com", "utm_campaign": "old-spring"})
    assert nothing.touchpoint.campaign is None and nothing.lead.first_touch_campaign is None


def test_a_completed_campaign_still_receives_its_late_responders(campaigns):
    result = lead_capture(data={"email": "c@example.com", "utm_campaign": "autumn"})
    assert result.touchpoint.campaign == campaigns["completed"]
    assert result.lead.first_touch_campaign == campaigns["completed"]


def test_an_archived_default_campaign_attributes_nothing(campaigns):
    result = lead_capture(data={"email": "d@example.com"}, campaign=campaigns["archived"])
    assert result.touchpoint.campaign is None


def test_the_website_form_of_an_archived_campaign_still_captures_without_attributing(client, campaigns):
    form = CaptureFormFactory(campaign=campaigns["archived"], allowed_origins="")
    body = json.dumps({"email": "e@example.com", "utm_campaign": "old-spring"})
    response = client.post(f"/api/v1/capture/{form.key}/", body, content_type="application/json")
    assert response.status_code == 201
    assert Touchpoint.objects.get().campaign is None


def test_an_import_batch_applies_the_same_rule(campaigns, settings, tmp_path):
    leads_capture_batch(
        rows=[
            (2, {"email": "f@example.com", "utm_campaign": "old-spring"}),
            (3, {"email": "g@example.com", "utm_campaign": "Autumn"}),
        ],
        campaign=campaigns["default"],
    )
    firsts = dict(Lead.objects.values_list("email", "first_touch_campaign"))
    assert firsts == {"f@example.com": campaigns["default"].pk, "g@example.com": campaigns["completed"].pk}
    settings.MEDIA_ROOT = tmp_path
    job = importing.import_job_create(
        file=ContentFile(b"email,utm_campaign\nh@example.com,old-spring\n", name="x.csv"),
        actor=None,
        campaign=campaigns["archived"],
        run_in_background=False,
    )
    importing.import_job_run(job=job)
    assert Lead.objects.get(email="h@example.com").first_touch_campaign is None

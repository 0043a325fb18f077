"""Merging two leads that are one person, the alias it leaves, and the buyer-named source."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Channel
from campaigns.tests.factories import CampaignFactory
from leads.models import Activity, Lead, LeadAlias, StatusChange, Touchpoint
from leads.services import (
    MergeRefused,
    lead_by_email,
    lead_capture,
    lead_merge,
    lead_update,
    touchpoint_record_reported,
)
from leads.tests.factories import ActivityFactory, LeadFactory, StatusChangeFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(users):
    early = timezone.now() - datetime.timedelta(days=10)
    first_campaign, latest_campaign = CampaignFactory(slug="first"), CampaignFactory(slug="latest")
    survivor = LeadFactory(
        email="jane@acme.com", status=Lead.Status.SQL, owner=users["sales"], phone="", company="Acme", version=3
    )
    duplicate = LeadFactory(
        email="jane.doe@gmail.com",
        status=Lead.Status.NEW,
        phone="+49 30 123",
        company="Other",
        created_at=early,
        source=Channel.WEBINAR,
        first_touch_campaign=first_campaign,
        owner=users["sales"],
    )
    TouchpointFactory(lead=survivor, occurred_at=timezone.now() - datetime.timedelta(days=3))
    TouchpointFactory(lead=duplicate, campaign=latest_campaign, occurred_at=timezone.now() - datetime.timedelta(days=1))
    TouchpointFactory(lead=duplicate, campaign=first_campaign, occurred_at=early)
    StatusChangeFactory(lead=duplicate, from_status="", to_status="new")
    ActivityFactory(lead=duplicate, subject="Old call")
    return survivor, duplicate


def test_merging_moves_everything_and_deletes_the_duplicate(users, pair):
    survivor, duplicate = pair
    lead_merge(survivor=survivor, duplicate=duplicate, actor=users["sales"])
    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    fresh = Lead.objects.get(pk=survivor.pk)
    assert Touchpoint.objects.filter(lead=fresh).count() == 3
    assert StatusChange.objects.filter(lead=fresh).count() == 1
    assert Activity.objects.filter(lead=fresh, subject="Old call").exists()
    # The survivor keeps its status, owner and filled fields; blanks are filled from the duplicate.
    assert (fresh.status, fresh.owner, fresh.company, fresh.phone) == (
        Lead.Status.SQL,
        users["sales"],
        "Acme",
        "+49 30 123",
    )
    # The person first came through the duplicate; the latest campaign touch is the last touch.
    assert (fresh.source, fresh.first_touch_campaign.slug, fresh.last_touch_campaign.slug) == (
        Channel.WEBINAR,
        "first",
        "latest",
    )
    assert fresh.created_at == duplicate.created_at
    assert fresh.version == 4


def test_the_merge_is_recorded_on_the_survivors_timeline(users, pair):
    survivor, duplicate = pair
    lead_merge(survivor=survivor, duplicate=duplicate, actor=users["managers"])
    note = Activity.objects.get(lead=survivor, kind=Activity.Kind.NOTE)
    assert (note.subject, note.user) == ("Merged jane.doe@gmail.com into this lead", users["managers"])


def test_the_duplicates_email_becomes_an_alias_a_later_capture_lands_on(users, pair):
    survivor, duplicate = pair
    lead_merge(survivor=survivor, duplicate=duplicate, actor=users["sales"])
    assert LeadAlias.objects.get().lead == survivor
    assert lead_by_email("Jane.Doe@GMAIL.com") == survivor
    result = lead_capture(data={"email": "JANE.DOE@gmail.com", "utm_source": "newsletter"})
    assert (result.lead.pk, result.created) == (survivor.pk, False)
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.filter(lead=survivor).count() == 4


def test_an_alias_cannot_become_another_leads_email(users, pair):
    survivor, duplicate = pair
    lead_merge(survivor=survivor, duplicate=duplicate, actor=users["sales"])
    other = LeadFactory()
    with pytest.raises(ValidationError) as info:
        lead_update(lead=other, actor=users["managers"], email="jane.doe@gmail.com")
    assert "email" in info.value.message_dict


def test_aliases_of_the_duplicate_follow_it(users):
    a, b, c = LeadFactory(), LeadFactory(), LeadFactory()
    lead_merge(survivor=b, duplicate=c, actor=users["managers"])
    lead_merge(survivor=a, duplicate=b, actor=users["managers"])
    assert set(LeadAlias.objects.values_list("lead", flat=True)) == {a.pk}
    assert lead_by_email(c.email) == a


def test_a_lead_cannot_be_merged_into_itself(users):
    lead = LeadFactory()
    with pytest.raises(MergeRefused):
        lead_merge(survivor=lead, duplicate=lead, actor=users["managers"])


# --- The merge page -------------------------------------------------------------------------------


def test_the_merge_page_finds_compares_and_merges(client, users, pair):
    survivor, duplicate = pair
    client.force_login(users["sales"])
    url = reverse("leads:merge", args=[survivor.pk])
    found = client.get(url, {"q": "gmail"})
    assert [lead.pk for lead in found.context["candidates"]] == [duplicate.pk]
    compared = client.get(url, {"duplicate": duplicate.pk})
    html = compared.content.decode()
    assert "jane@acme.com" in html and "jane.doe@gmail.com" in html
    assert ("Touchpoints", 1, 2) in compared.context["comparison"]["history"]
    response = client.post(url, {"duplicate": duplicate.pk})
    assert response.status_code == 302 and response["Location"] == survivor.get_absolute_url()
    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    assert "Merged jane.doe@gmail.com into this lead" in client.get(survivor.get_absolute_url()).content.decode()


def test_a_rep_merges_only_leads_they_own(client, users, pair):
    survivor, duplicate = pair
    duplicate.owner = users["sales2"]
    duplicate.save()
    client.force_login(users["sales"])
    url = reverse("leads:merge", args=[survivor.pk])
    assert client.post(url, {"duplicate": duplicate.pk}).status_code == 403
    client.force_login(users["sales2"])
    assert client.get(url).status_code == 403
    client.force_login(users["marketing"])
    assert client.post(url, {"duplicate": duplicate.pk}).status_code == 403
    assert Lead.objects.filter(pk=duplicate.pk).exists()
    client.force_login(users["managers"])
    assert client.post(url, {"duplicate": duplicate.pk}).status_code == 302


# --- What the buyer says -------------------------------------------------------------------------------


def test_the_source_the_buyer_names_is_a_sales_reported_touchpoint(users):
    campaign = CampaignFactory()
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    touch = touchpoint_record_reported(
        lead=lead, actor=users["sales"], channel=Channel.EVENTS, campaign=campaign, note="Met us at the fair"
    )
    fresh = Touchpoint.objects.get(pk=touch.pk)
    assert (fresh.lead, fresh.kind, fresh.channel, fresh.campaign, fresh.recorded_by, fresh.note) == (
        lead,
        Touchpoint.Kind.SALES_REPORTED,
        Channel.EVENTS,
        campaign,
        users["sales"],
        "Met us at the fair",
    )


def test_a_named_source_needs_a_known_channel(users):
    lead = LeadFactory()
    with pytest.raises(ValidationError) as info:
        touchpoint_record_reported(lead=lead, actor=users["sales"], channel="carrier_pigeon")
    assert "channel" in info.value.message_dict
    assert not Touchpoint.objects.exists()

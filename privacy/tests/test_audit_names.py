"""The trail names people in one query a page, however many people a page shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.services import campaign_update
from campaigns.tests.factories import CampaignFactory
from handoffs.services import handoff_assign, handoff_create
from leads.models import Lead
from leads.services import lead_assign_owner
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _people(make_user, prefix, count, role):
    return [make_user(f"{prefix}{index}", role) for index in range(count)]


def _lead_owned_in_turn(make_user, users, prefix, count):
    """A lead whose owner changed ``count`` times, to ``count`` different people."""
    lead = LeadFactory()
    for person in _people(make_user, prefix, count, "sales"):
        lead_assign_owner(lead=lead, owner=person, actor=users["managers"])
    return lead


def _campaign_owned_in_turn(make_user, users, prefix, count):
    campaign = CampaignFactory(slug=f"{prefix}-campaign", utm_campaign=f"{prefix}-campaign")
    for person in _people(make_user, prefix, count, "marketing"):
        campaign_update(campaign=campaign, actor=users["managers"], owner=person)
    return campaign


def _handoff_assigned_in_turn(make_user, users, prefix, count):
    reps = _people(make_user, prefix, count, "sales")
    lead = LeadFactory(status=Lead.Status.MQL)
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=reps[0], notify=False)
    for rep in reps[1:]:
        handoff_assign(handoff=handoff, actor=users["managers"], assignee=rep, notify=False)
    return handoff


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def _counts_for(client, build, url_of, make_user, users):
    few_people = build(make_user, users, "few", 3)
    many_people = build(make_user, users, "many", 12)
    few_page, few = _queries(client, url_of(few_people))
    many_page, many = _queries(client, url_of(many_people))
    return few_page, few, many_page, many


@pytest.mark.parametrize(
    "build,url_of,shows",
    [
        (_lead_owned_in_turn, lambda lead: f"/audit/?object_type=lead&object_id={lead.pk}", "many11"),
        (_lead_owned_in_turn, lambda lead: f"/leads/{lead.pk}/", "many11"),
        (_campaign_owned_in_turn, lambda campaign: f"/campaigns/{campaign.slug}/", "many11"),
        (_handoff_assigned_in_turn, lambda handoff: f"/audit/?object_type=handoff&object_id={handoff.pk}", "many11"),
        (_handoff_assigned_in_turn, lambda handoff: f"/handoffs/{handoff.pk}/reject/", "many11"),
    ],
    ids=["audit-page-lead", "lead-card", "campaign-card", "audit-page-handoff", "handoff-card"],
)
def test_the_names_of_a_page_cost_the_same_queries_for_3_people_as_for_12(
    client, users, make_user, build, url_of, shows
):
    client.force_login(users["managers"])
    few_page, few, many_page, many = _counts_for(client, build, url_of, make_user, users)
    assert f"→ {shows}<" in many_page or f"→ {shows}\n" in many_page
    assert "few2" in few_page
    assert many == few


def test_a_deleted_user_is_named_by_id_and_the_others_by_name(client, users, make_user):
    lead = _lead_owned_in_turn(make_user, users, "gone", 2)
    gone_pk = lead.owner_id
    lead_assign_owner(lead=lead, owner=users["sales"], actor=users["managers"])
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=gone_pk).delete()
    client.force_login(users["managers"])
    page = client.get(f"/audit/?object_type=lead&object_id={lead.pk}").content.decode()
    assert f"user {gone_pk} (deleted)" in page
    assert "gone0" in page and f"→ {users['sales'].username}" in page

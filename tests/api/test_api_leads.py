"""Leads through the API: capture, profile edits, transitions, activities, filters, errors."""

import datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from campaigns.tests.factories import CampaignFactory
from handoffs.models import Handoff
from handoffs.tests.factories import HandoffFactory
from leads.filters import LeadFilter
from leads.models import Activity, Lead, StatusChange, Touchpoint
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def ids(response):
    return [row["id"] for row in response.json()["results"]]


# --- capture ----------------------------------------------------------------------


def test_a_new_email_creates_a_lead_with_an_api_touchpoint(users, api_as):
    campaign = CampaignFactory(utm_campaign="spring")
    response = api_as(users["marketing"]).post(
        "/api/v1/leads/",
        {"email": "Ada@Example.com", "first_name": "Ada", "company": "Initech", "utm_campaign": "spring"},
        format="json",
    )
    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.email, lead.first_name, lead.first_touch_campaign) == ("ada@example.com", "Ada", campaign)
    touch = Touchpoint.objects.get(lead=lead)
    assert (touch.kind, touch.recorded_by, touch.campaign) == (Touchpoint.Kind.API, users["marketing"], campaign)
    assert response.json()["first_touch_campaign"] == campaign.slug


def test_a_known_email_answers_200_with_the_same_lead_and_adds_a_touchpoint(users, api_as):
    lead = LeadFactory(email="ada@example.com", phone="")
    response = api_as(users["managers"]).post(
        "/api/v1/leads/", {"email": "ADA@example.com", "phone": "+44 20 1234"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["id"] == lead.pk
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.filter(lead=lead, kind=Touchpoint.Kind.API).count() == 1
    lead.refresh_from_db()
    assert lead.phone == "+44 20 1234"  # a blank field is filled in


def test_capture_names_a_campaign_by_slug_and_refuses_an_unknown_one(users, api_as):
    campaign = CampaignFactory(slug="fair-2026")
    client = api_as(users["marketing"])
    ok = client.post("/api/v1/leads/", {"email": "a@example.com", "campaign": "fair-2026"}, format="json")
    assert ok.status_code == 201
    assert Touchpoint.objects.get(lead_id=ok.json()["id"]).campaign == campaign
    bad = client.post("/api/v1/leads/", {"email": "b@example.com", "campaign": "nope"}, format="json")
    assert bad.status_code == 400
    assert "campaign" in bad.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@example.com", "country": "Germany"}, "country"),
        ({"email": "a@example.com", "country": "1x"}, "country"),
        ({"email": "a@example.com", "company_size": -3}, "company_size"),
        ({"email": "a@example.com", "status": "won"}, "status"),
    ],
)
def test_capture_refuses_bad_input_with_field_messages(users, api_as, body, field):
    response = api_as(users["marketing"]).post("/api/v1/leads/", body, format="json")
    assert response.status_code == 400
    assert isinstance(response.json()[field], list) and response.json()[field][0]
    assert not Lead.objects.exists()


# --- profile edits --------------------------------------------------------------------


def test_patch_changes_the_profile_through_the_service_and_bumps_the_version(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL, country="")
    response = api_as(users["sales"]).patch(
        f"/api/v1/leads/{lead.pk}/", {"country": "de", "title": "Head of IT", "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    lead.refresh_from_db()
    assert (lead.country, lead.title, lead.version) == ("DE", "Head of IT", 2)


def test_patch_with_a_stale_version_is_refused_with_the_current_one(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL, version=4, phone="1")
    response = api_as(users["sales"]).patch(f"/api/v1/leads/{lead.pk}/", {"phone": "2", "version": 3}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 4
    assert response.json()["code"] == "stale"
    lead.refresh_from_db()
    assert (lead.phone, lead.version) == ("1", 4)


def test_patch_without_a_version_applies_to_the_current_one(users, api_as):
    lead = LeadFactory(version=7)
    response = api_as(users["marketing"]).patch(f"/api/v1/leads/{lead.pk}/", {"company": "Globex"}, format="json")
    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.company, lead.version) == ("Globex", 8)


def test_patch_refuses_status_and_another_leads_email(users, api_as):
    LeadFactory(email="taken@example.com")
    lead = LeadFactory(email="mine@example.com")
    client = api_as(users["managers"])
    status = client.patch(f"/api/v1/leads/{lead.pk}/", {"status": "won"}, format="json")
    assert status.status_code == 400
    assert "transition" in status.json()["status"][0]
    email = client.patch(f"/api/v1/leads/{lead.pk}/", {"email": "Taken@example.com"}, format="json")
    assert email.status_code == 400
    assert email.json()["email"] == ["Another lead already has this e-mail address."]
    lead.refresh_from_db()
    assert (lead.status, lead.email, lead.version) == (Lead.Status.NEW, "mine@example.com", 1)


def test_put_is_not_offered(users, api_as):
    lead = LeadFactory()
    response = api_as(users["managers"]).put(f"/api/v1/leads/{lead.pk}/", {"email": "x@example.com"}, format="json")
    assert response.status_code == 405


# --- transitions ----------------------------------------------------------------------


def test_a_transition_writes_history_through_the_one_service(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL)
    response = api_as(users["sales"]).post(
        f"/api/v1/leads/{lead.pk}/transition/", {"to_status": "sql", "note": "Budget confirmed.", "version": 1}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("sql", 2)
    change = StatusChange.objects.get(lead=lead)
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "sal",
        "sql",
        users["sales"],
        "Budget confirmed.",
    )


def test_winning_needs_a_deal_value_and_losing_a_reason(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SQL)
    client = api_as(users["sales"])
    url = f"/api/v1/leads/{lead.pk}/transition/"
    no_value = client.post(url, {"to_status": "won"}, format="json")
    assert no_value.status_code == 400
    assert no_value.json()["deal_value"] == ["A won lead needs a deal value above zero."]
    no_reason = client.post(url, {"to_status": "lost"}, format="json")
    assert no_reason.status_code == 400
    assert no_reason.json()["lost_reason"] == ["Say why the lead was lost."]
    assert not StatusChange.objects.exists()
    won = client.post(url, {"to_status": "won", "deal_value": "12000.00"}, format="json")
    assert won.status_code == 200
    lead.refresh_from_db()
    assert (lead.status, lead.deal_value) == (Lead.Status.WON, Decimal("12000.00"))


def test_a_move_the_lifecycle_forbids_is_a_400_on_to_status(users, api_as):
    lead = LeadFactory(status=Lead.Status.NEW)
    response = api_as(users["managers"]).post(f"/api/v1/leads/{lead.pk}/transition/", {"to_status": "won"})
    assert response.status_code == 400
    assert response.json() == {"to_status": ["A lead cannot move from new to won."]}
    unknown = api_as(users["managers"]).post(f"/api/v1/leads/{lead.pk}/transition/", {"to_status": "closed"})
    assert unknown.status_code == 400
    assert "to_status" in unknown.json()


def test_a_stale_transition_is_a_409_with_the_current_version(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL, version=5)
    response = api_as(users["sales"]).post(
        f"/api/v1/leads/{lead.pk}/transition/", {"to_status": "sql", "version": 4}, format="json"
    )
    assert response.status_code == 409
    assert (response.json()["current_version"], response.json()["current_status"]) == (5, "sal")
    assert not StatusChange.objects.exists()


# --- activities -----------------------------------------------------------------------


def test_logging_a_call_records_the_activity_and_stamps_the_first_contact(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL)
    handoff = HandoffFactory(
        lead=lead,
        assigned_to=users["sales"],
        outcome=Handoff.Outcome.ACCEPTED,
        responded_at=timezone.now() - datetime.timedelta(hours=1),
    )
    response = api_as(users["sales"]).post(
        f"/api/v1/leads/{lead.pk}/activities/", {"kind": "call", "subject": "Intro", "body": "Wants a demo."}
    )
    assert response.status_code == 201
    activity = Activity.objects.get(pk=response.json()["id"])
    assert (activity.lead, activity.user, activity.kind) == (lead, users["sales"], "call")
    handoff.refresh_from_db()
    assert handoff.first_contact_at == activity.occurred_at


def test_a_task_needs_a_due_date_and_a_note_needs_words(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL)
    client = api_as(users["sales"])
    task = client.post(f"/api/v1/leads/{lead.pk}/activities/", {"kind": "task", "subject": "Send offer"})
    assert task.status_code == 400
    assert task.json() == {"due_at": ["A task needs a due date."]}
    note = client.post(f"/api/v1/leads/{lead.pk}/activities/", {"kind": "note"})
    assert note.status_code == 400
    assert note.json() == {"body": ["Say what happened."]}
    assert not Activity.objects.exists()


def test_activities_list_newest_first_and_only_the_leads_own(users, api_as):
    lead = LeadFactory()
    now = timezone.now()
    older = Activity.objects.create(lead=lead, kind="note", body="old", occurred_at=now - datetime.timedelta(days=1))
    newer = Activity.objects.create(lead=lead, kind="note", body="new", occurred_at=now)
    Activity.objects.create(lead=LeadFactory(), kind="note", body="other", occurred_at=now)
    response = api_as(users["sales2"]).get(f"/api/v1/leads/{lead.pk}/activities/")
    assert ids(response) == [newer.pk, older.pk]
    assert api_as(users["sales2"]).get("/api/v1/leads/999999/activities/").status_code == 404


# --- list, filters and pages ------------------------------------------------------------


def test_the_list_applies_the_same_filter_as_the_lead_list_page(users, api_as):
    campaign = CampaignFactory(slug="fair")
    LeadFactory.create_batch(2, status=Lead.Status.MQL, first_touch_campaign=campaign, company="Initech")
    LeadFactory(status=Lead.Status.MQL, company="Initech")
    LeadFactory(status=Lead.Status.SAL, first_touch_campaign=campaign, owner=users["sales"], company="Globex")
    LeadFactory(status=Lead.Status.NEW, company="Initech", fit=Lead.Fit.GOOD)
    client = api_as(users["sales"])
    for query in [
        {"status": ["mql"], "campaign": "fair"},
        {"q": "initech"},
        {"status": ["mql", "sal"]},
        {"mine": "true"},
        {"fit": ["good"]},
        {"owner": users["sales"].pk},
    ]:
        request = RequestFactory().get("/leads/", query)
        request.user = users["sales"]
        expected = list(
            LeadFilter(request.GET, queryset=Lead.objects.all(), request=request).qs.values_list("id", flat=True)
        )
        response = client.get("/api/v1/leads/", query)
        assert response.status_code == 200
        assert sorted(ids(response)) == sorted(expected), query
        assert expected, f"the filter {query} should match something"


def test_a_bad_filter_value_is_a_400_with_the_field(users, api_as):
    response = api_as(users["sales"]).get("/api/v1/leads/", {"status": "closed", "created_after": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "created_after"}


def test_cursor_pages_walk_newest_first_without_gaps(users, api_as):
    now = timezone.now()
    leads = [LeadFactory(created_at=now - datetime.timedelta(minutes=i)) for i in range(5)]
    # Two leads created at the same instant: the id breaks the tie.
    twin = LeadFactory(created_at=leads[2].created_at)
    expected = [leads[0].pk, leads[1].pk, twin.pk, leads[2].pk, leads[3].pk, leads[4].pk]
    client = api_as(users["marketing"])
    seen, url = [], "/api/v1/leads/?page_size=2"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 2
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == expected


def test_the_list_honours_the_pages_ordering_names(users, api_as):
    low, high, mid = LeadFactory(score=5), LeadFactory(score=90), LeadFactory(score=40)
    response = api_as(users["marketing"]).get("/api/v1/leads/", {"ordering": "-score"})
    assert ids(response) == [high.pk, mid.pk, low.pk]
    garbage = api_as(users["marketing"]).get("/api/v1/leads/", {"cursor": "not-a-cursor"})
    assert garbage.status_code == 404


# --- malformed requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"email": ', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"just a string"', "application/json"),
        ("\xff\xfe", "application/json"),
        ('{"email": "a@example.com", "company_size": 1e400}', "application/json"),
        ('{"email": "a@example.com", "company": "nul\\u0000byte"}', "application/json"),
    ],
)
def test_malformed_bodies_are_a_400_never_a_500(users, api_as, body, content_type):
    response = api_as(users["marketing"]).generic("POST", "/api/v1/leads/", body, content_type=content_type)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert not Lead.objects.exists()


def test_an_unsupported_media_type_is_a_415(users, api_as):
    response = api_as(users["marketing"]).generic("POST", "/api/v1/leads/", "email=x", content_type="text/plain")
    assert response.status_code == 415

"""The API and the pages see one set of data, written by the same services.

What the pages write (through the services they call) shows in the API, and what the
API writes shows where the pages read it. Pages that live on other branches are
checked through their URL names.
"""

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory
from handoffs import services as handoff_services
from handoffs.tests.factories import HandoffFactory
from leads import services as lead_services
from leads.filters import LeadFilter
from leads.models import Lead, StatusChange, Touchpoint
from leads.tests.factories import CaptureFormFactory, LeadFactory

pytestmark = pytest.mark.django_db


def page_url(name, *args):
    return reverse(name, args=args)


def test_a_lead_captured_by_a_website_form_shows_in_the_api(users, api_as):
    form = CaptureFormFactory(campaign=CampaignFactory(slug="fair"))
    result = lead_services.lead_capture(
        data={"email": "grace@example.com", "first_name": "Grace"}, kind=Touchpoint.Kind.FORM, form=form
    )
    client = api_as(users["sales"])
    listed = client.get("/api/v1/leads/", {"q": "grace@example.com"}).json()["results"]
    assert [row["id"] for row in listed] == [result.lead.pk]
    detail = client.get(f"/api/v1/leads/{result.lead.pk}/").json()
    assert (detail["first_name"], detail["first_touch_campaign"], detail["version"]) == (
        "Grace",
        "fair",
        result.lead.version,
    )


def test_an_edit_made_on_a_page_makes_an_api_edit_of_the_old_version_stale(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL)
    client = api_as(users["sales"])
    seen = client.get(f"/api/v1/leads/{lead.pk}/").json()["version"]
    # A manager moves the lead on the lead page meanwhile (the page calls the same service).
    lead_services.lead_transition(lead=lead, to_status=Lead.Status.SQL, actor=users["managers"], version=seen)
    stale = client.post(
        f"/api/v1/leads/{lead.pk}/transition/", {"to_status": "lost", "lost_reason": "price", "version": seen}
    )
    assert stale.status_code == 409
    assert (stale.json()["current_version"], stale.json()["current_status"]) == (seen + 1, "sql")
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.SQL


def test_an_api_transition_is_the_history_the_pages_and_metrics_read(users, api_as):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL)
    api_as(users["sales"]).post(
        f"/api/v1/leads/{lead.pk}/transition/", {"to_status": "sql", "note": "Demo booked."}, format="json"
    )
    change = StatusChange.objects.get(lead=lead)
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "sal",
        "sql",
        users["sales"],
        "Demo booked.",
    )
    assert Lead.objects.get(pk=lead.pk).status_changed_at == change.changed_at


def test_a_hand_off_accepted_in_the_api_puts_the_lead_in_the_reps_list(users, api_as, rf):
    handoff = HandoffFactory(assigned_to=users["sales"])
    assert api_as(users["sales"]).post(f"/api/v1/handoffs/{handoff.pk}/accept/").status_code == 200
    # The lead list page's "only mine" filter, as the rep's browser would ask for it.
    request = rf.get("/leads/", {"mine": "true"})
    request.user = users["sales"]
    assert list(LeadFilter(request.GET, queryset=Lead.objects.all(), request=request).qs) == [handoff.lead]


def test_a_hand_off_rejected_on_the_inbox_page_shows_its_feedback_in_the_api(users, api_as):
    handoff = HandoffFactory(assigned_to=users["sales"])
    handoff_services.handoff_reject(handoff=handoff, actor=users["sales"], reason="no_budget", feedback="No money.")
    row = api_as(users["marketing"]).get(f"/api/v1/handoffs/{handoff.pk}/").json()
    assert (row["outcome"], row["reject_reason"], row["feedback"]) == ("rejected", "no_budget", "No money.")
    assert row["lead_summary"]["status"] == "disqualified"


def test_a_campaign_created_in_the_api_is_on_its_page(users, api_as, client):
    response = api_as(users["marketing"]).post(
        "/api/v1/campaigns/",
        {
            "name": "Winter <webinar>",
            "slug": "winter",
            "channel": "webinar",
            "start_date": "2026-12-01",
            "utm_campaign": "winter",
        },
        format="json",
    )
    assert response.status_code == 201
    url = page_url("marketing:campaign-detail", "winter")
    assert url == Campaign.objects.get(slug="winter").get_absolute_url()
    client.force_login(users["sales"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Winter &lt;webinar&gt;" in page.content.decode()


def test_a_lead_moved_in_the_api_shows_its_status_on_its_page(users, api_as, client):
    lead = LeadFactory(owner=users["sales"], status=Lead.Status.SAL, first_name="Hedy", last_name="Lamarr")
    api_as(users["sales"]).post(f"/api/v1/leads/{lead.pk}/transition/", {"to_status": "sql"}, format="json")
    url = page_url("leads:detail", lead.pk)
    client.force_login(users["marketing"])
    html = client.get(url).content.decode()
    assert "Hedy Lamarr" in html
    assert Lead.Status.SQL.label in html

"""The admin of every domain model opens for a superuser; history is view-only; status is
never set by hand (edits go through the services)."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from alignment.models import Digest, DigestDelivery, QuarterlyGoal
from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory
from handoffs.models import Handoff, Holiday, Notification, SalesRep, ServiceLevel
from handoffs.services import handoff_accept, handoff_create
from handoffs.tests.factories import SalesRepFactory
from leads.models import Activity, IdealCustomerProfile, ImportJob, Lead, StatusChange, Touchpoint
from leads.services import activity_log, lead_capture
from leads.tests.factories import CaptureFormFactory, ScoringRuleFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
HISTORY = [Touchpoint, StatusChange, Notification, DigestDelivery]


@pytest.fixture
def world(users):
    """One row of every model the admin shows, made through the services where there are some."""
    campaign = CampaignFactory(utm_campaign="spring")
    VariantFactory(campaign=campaign, utm_content="a")
    SpendFactory(campaign=campaign)
    lead = lead_capture(data={"email": "ada@acme.io", "utm_campaign": "spring", "utm_content": "a"}).lead
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"], at=T0)
    handoff_accept(handoff=handoff, actor=users["sales"], at=T0)
    activity_log(lead=lead, actor=users["sales"], kind="call", subject="Intro")
    pending = handoff_create(
        lead=lead_capture(data={"email": "bo@acme.io"}).lead, actor=users["marketing"], assignee=users["sales"]
    )
    CaptureFormFactory(campaign=campaign)
    IdealCustomerProfile.current()
    ScoringRuleFactory()
    ImportJob.objects.create(file="imports/2026/03/leads.csv", original_name="leads.csv")
    ServiceLevel.current()
    Holiday.objects.create(date=datetime.date(2026, 12, 25), name="Christmas Day")
    SalesRepFactory(user=users["sales"], capacity=10)
    Notification.objects.create(handoff=handoff, kind=Notification.Kind.ASSIGNED, recipient=users["sales"])
    digest = Digest.objects.create(week="2026-W09", audience="sales", subject="Week 9", text_body="t", html_body="h")
    DigestDelivery.objects.create(digest=digest, channel="email", recipient="sid@example.com")
    QuarterlyGoal.objects.create(year=2026, quarter=1)
    return {"lead": lead, "handoff": handoff, "pending": pending}


def registered_models():
    ours = {"campaigns", "leads", "handoffs", "alignment"}
    return sorted((m for m in admin.site._registry if m._meta.app_label in ours), key=lambda m: m._meta.label)


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_domain_model_has_an_admin():
    labels = {m._meta.label for m in registered_models()}
    assert labels == {
        "campaigns.Campaign",
        "campaigns.Variant",
        "campaigns.Spend",
        "leads.Lead",
        "leads.CaptureForm",
        "leads.Touchpoint",
        "leads.StatusChange",
        "leads.Activity",
        "leads.IdealCustomerProfile",
        "leads.ScoringRule",
        "leads.ImportJob",
        "handoffs.ServiceLevel",
        "handoffs.Holiday",
        "handoffs.SalesRep",
        "handoffs.Handoff",
        "handoffs.Notification",
        "alignment.Digest",
        "alignment.DigestDelivery",
        "alignment.QuarterlyGoal",
    }


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_changelist_and_change_page_open_for_a_superuser(admin_client, world, model):
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"the fixture makes no {model._meta.label}"
    listing = admin_client.get(url(model, "changelist"))
    assert listing.status_code == 200
    assert admin_client.get(url(model, "changelist"), {"q": "acme"}).status_code == 200
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", HISTORY, ids=lambda m: m._meta.label)
def test_history_cannot_be_added_changed_or_deleted(admin_client, world, model):
    obj = model.objects.order_by("pk").first()
    count = model.objects.count()
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    page = admin_client.get(url(model, "change", obj.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert model.objects.count() == count


def test_a_lead_edit_goes_through_the_service_and_never_sets_status(admin_client, world, users):
    ScoringRuleFactory(field="industry", operator="equals", value="fintech", points=40)
    lead = Lead.objects.get(email="ada@acme.io")
    before = lead.version
    response = admin_client.post(
        url(Lead, "change", lead.pk),
        {
            "email": "ada@acme.io",
            "first_name": "Ada",
            "owner": users["sales"].pk,
            "industry": "fintech",
            "country": "de",
            "status": "won",
            "score": "999",
            "deal_value": "5",
            "version": "1",
            **inline_management_forms(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.first_name, fresh.industry, fresh.country) == ("Ada", "fintech", "DE")
    assert fresh.status == Lead.Status.SAL
    assert fresh.score == 40
    assert fresh.deal_value is None
    assert fresh.version == before + 1
    assert list(StatusChange.objects.filter(lead=lead).values_list("to_status", flat=True).order_by("id")) == [
        "mql",
        "sal",
    ]


def inline_management_forms():
    data = {}
    for prefix in ("status_changes", "touchpoints"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "0"})
    return data


def test_a_bad_country_is_a_field_error_not_a_crash(admin_client, world):
    lead = Lead.objects.get(email="ada@acme.io")
    data = {"email": "ada@acme.io", "country": "1A", **inline_management_forms()}
    response = admin_client.post(url(Lead, "change", lead.pk), data)
    assert response.status_code == 200
    assert "two-letter country code" in response.content.decode()


def test_leads_cannot_be_added_in_the_admin(admin_client, world):
    assert admin_client.get(url(Lead, "add")).status_code == 403


def test_searching_a_full_email_finds_the_lead_and_its_history(admin_client, world):
    response = admin_client.get(url(Lead, "changelist"), {"q": "ADA@acme.io"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [world["lead"]]
    for model in (Touchpoint, StatusChange, Activity, Handoff):
        rows = admin_client.get(url(model, "changelist"), {"q": "ada@acme.io"}).context["cl"].result_list
        assert {row.lead_id for row in rows} == {world["lead"].pk}, model


def test_a_lead_shows_its_latest_history_inline_only(admin_client, world, settings):
    lead = world["lead"]
    for n in range(25):
        lead_capture(data={"email": lead.email, "utm_source": f"src{n}", "utm_medium": "email"})
    page = admin_client.get(url(Lead, "change", lead.pk)).content.decode()
    assert "src24" in page
    assert "src0<" not in page and "src1<" not in page  # older than the latest 20


def test_a_pending_handoff_is_reassigned_through_the_service(admin_client, world, users):
    pending = world["pending"]
    response = admin_client.post(
        url(Handoff, "change", pending.pk),
        {"assigned_to": users["sales2"].pk, "notifications-TOTAL_FORMS": "0", "notifications-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    assert Handoff.objects.get(pk=pending.pk).assigned_to == users["sales2"]
    assert SalesRep.objects.get(user=users["sales2"]).last_assigned_at is not None


def test_a_handoff_can_only_go_to_a_sales_rep(admin_client, world, users):
    pending = world["pending"]
    response = admin_client.post(
        url(Handoff, "change", pending.pk),
        {"assigned_to": users["marketing"].pk, "notifications-TOTAL_FORMS": "0", "notifications-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Handoff.objects.get(pk=pending.pk).assigned_to == users["sales"]


def test_an_answered_handoff_is_read_only(admin_client, world, users):
    handoff = world["handoff"]
    page = admin_client.get(url(Handoff, "change", handoff.pk)).content.decode()
    assert 'name="assigned_to"' not in page
    assert admin_client.post(url(Handoff, "delete", handoff.pk), {"post": "yes"}).status_code == 403


def test_changing_a_scoring_rule_rescores_every_lead(admin_client, world, django_capture_on_commit_callbacks):
    rule = ScoringRuleFactory(field="email_domain", operator="equals", value="acme.io", points=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url(type(rule), "change", rule.pk),
            {"field": "email_domain", "operator": "equals", "value": "acme.io", "points": "7", "active": "on"},
        )
    assert response.status_code == 302
    assert set(Lead.objects.values_list("score", flat=True)) == {7}

"""The role policy through the API: every endpoint, every role, one table.

Roles: anonymous, marketing, sales (owns the lead, is assigned the hand-off), sales2
(another rep: someone else's lead and hand-off), managers, and a user with no role.
A refused call changes nothing; an allowed write changes something.
"""

import pytest

from campaigns.models import Campaign, Spend, Variant
from handoffs.models import Handoff
from leads.models import Activity, CaptureForm, Lead, StatusChange, Touchpoint
from tests.api.conftest import ROLES, client_for

pytestmark = pytest.mark.django_db

EVERYONE = {"marketing", "sales", "sales2", "managers"}
MARKETING = {"marketing", "managers"}
OWNER = {"sales", "managers"}  # the owning / assigned rep, and managers


def expect(ok, allowed):
    """Map each role to the status it gets: ok when allowed, 401 anonymous, 403 otherwise."""
    return {role: 401 if role == "anonymous" else (ok if role in allowed else 403) for role in ROLES}


CAMPAIGN_BODY = {
    "name": "Autumn launch",
    "slug": "autumn-launch",
    "channel": "email",
    "objective": "lead_generation",
    "status": "planned",
    "start_date": "2026-09-01",
    "utm_campaign": "autumn",
    "budget": "500.00",
}

# (name, method, path(world), body(world), expected {role: status})
ENDPOINTS = [
    ("leads list", "get", lambda w: "/api/v1/leads/", None, expect(200, EVERYONE)),
    ("lead detail", "get", lambda w: f"/api/v1/leads/{w.owned_lead.pk}/", None, expect(200, EVERYONE)),
    (
        "lead create",
        "post",
        lambda w: "/api/v1/leads/",
        lambda w: {"email": "api-new@example.com", "company": "Initech"},
        expect(201, MARKETING),
    ),
    (
        "lead edit",
        "patch",
        lambda w: f"/api/v1/leads/{w.owned_lead.pk}/",
        lambda w: {"phone": "+49 30 1234", "version": 1},
        expect(200, MARKETING | OWNER),
    ),
    (
        "lead transition",
        "post",
        lambda w: f"/api/v1/leads/{w.owned_lead.pk}/transition/",
        lambda w: {"to_status": "sql", "note": "Budget confirmed.", "version": 1},
        expect(200, OWNER),
    ),
    (
        "activities list",
        "get",
        lambda w: f"/api/v1/leads/{w.owned_lead.pk}/activities/",
        None,
        expect(200, EVERYONE),
    ),
    (
        "activity log",
        "post",
        lambda w: f"/api/v1/leads/{w.owned_lead.pk}/activities/",
        lambda w: {"kind": "call", "subject": "Intro call"},
        expect(201, OWNER),
    ),
    ("campaigns list", "get", lambda w: "/api/v1/campaigns/", None, expect(200, EVERYONE)),
    ("campaign detail", "get", lambda w: f"/api/v1/campaigns/{w.campaign.slug}/", None, expect(200, EVERYONE)),
    ("campaign create", "post", lambda w: "/api/v1/campaigns/", lambda w: CAMPAIGN_BODY, expect(201, MARKETING)),
    (
        "campaign replace",
        "put",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/",
        lambda w: {**CAMPAIGN_BODY, "slug": w.campaign.slug},
        expect(200, MARKETING),
    ),
    (
        "campaign edit",
        "patch",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/",
        lambda w: {"budget": "2000.00"},
        expect(200, MARKETING),
    ),
    (
        "campaign delete",
        "delete",
        lambda w: f"/api/v1/campaigns/{w.empty_campaign.slug}/",
        None,
        expect(204, MARKETING),
    ),
    (
        "variants list",
        "get",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/variants/",
        None,
        expect(200, EVERYONE),
    ),
    (
        "variant detail",
        "get",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/variants/{w.variant.pk}/",
        None,
        expect(200, EVERYONE),
    ),
    (
        "variant create",
        "post",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/variants/",
        lambda w: {"name": "B", "utm_content": "b"},
        expect(201, MARKETING),
    ),
    (
        "variant edit",
        "patch",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/variants/{w.variant.pk}/",
        lambda w: {"description": "Green button"},
        expect(200, MARKETING),
    ),
    (
        "variant delete",
        "delete",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/variants/{w.variant.pk}/",
        None,
        expect(204, MARKETING),
    ),
    ("spend list", "get", lambda w: f"/api/v1/campaigns/{w.campaign.slug}/spend/", None, expect(200, EVERYONE)),
    (
        "spend detail",
        "get",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/spend/{w.spend.pk}/",
        None,
        expect(200, EVERYONE),
    ),
    (
        "spend log",
        "post",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/spend/",
        lambda w: {"date": "2026-03-09", "amount": "120.50"},
        expect(201, MARKETING),
    ),
    (
        "spend correct",
        "patch",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/spend/{w.spend.pk}/",
        lambda w: {"amount": "260.00"},
        expect(200, MARKETING),
    ),
    (
        "spend delete",
        "delete",
        lambda w: f"/api/v1/campaigns/{w.campaign.slug}/spend/{w.spend.pk}/",
        None,
        expect(204, MARKETING),
    ),
    ("handoffs list", "get", lambda w: "/api/v1/handoffs/", None, expect(200, EVERYONE)),
    ("handoff detail", "get", lambda w: f"/api/v1/handoffs/{w.handoff.pk}/", None, expect(200, EVERYONE)),
    (
        "handoff create",
        "post",
        lambda w: "/api/v1/handoffs/",
        lambda w: {"lead": w.new_lead.pk, "context_note": "Asked for a demo."},
        expect(201, MARKETING),
    ),
    ("handoff accept", "post", lambda w: f"/api/v1/handoffs/{w.handoff.pk}/accept/", None, expect(200, OWNER)),
    (
        "handoff reject",
        "post",
        lambda w: f"/api/v1/handoffs/{w.handoff.pk}/reject/",
        lambda w: {"reason": "not_ready", "feedback": "Call back in Q3."},
        expect(200, OWNER),
    ),
    ("forms list", "get", lambda w: "/api/v1/forms/", None, expect(200, EVERYONE)),
    ("form detail", "get", lambda w: f"/api/v1/forms/{w.form.pk}/", None, expect(200, EVERYONE)),
    (
        "form create",
        "post",
        lambda w: "/api/v1/forms/",
        lambda w: {"name": "Website", "allowed_origins": ["https://www.example.com"]},
        expect(201, MARKETING),
    ),
    (
        "form edit",
        "patch",
        lambda w: f"/api/v1/forms/{w.form.pk}/",
        lambda w: {"enabled": False},
        expect(200, MARKETING),
    ),
    ("form delete", "delete", lambda w: f"/api/v1/forms/{w.form.pk}/", None, expect(204, MARKETING)),
]

CASES = [
    pytest.param(method, path, body, role, expected[role], id=f"{name}-{role}")
    for name, method, path, body, expected in ENDPOINTS
    for role in ROLES
]


def fingerprint():
    """Everything an API write could change, as comparable values."""
    return (
        sorted(Lead.objects.values_list("id", "status", "version", "phone", "owner_id")),
        sorted(Campaign.objects.values_list("id", "slug", "budget", "name")),
        sorted(Variant.objects.values_list("id", "description")),
        sorted(Spend.objects.values_list("id", "amount")),
        sorted(Handoff.objects.values_list("id", "outcome")),
        sorted(CaptureForm.objects.values_list("id", "enabled")),
        Activity.objects.count(),
        StatusChange.objects.count(),
        Touchpoint.objects.count(),
    )


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES)
def test_every_endpoint_answers_each_role_by_the_policy(world, api_as, method, path, body, role, expected):
    client = client_for(role, world.users, api_as)
    before = fingerprint()
    response = getattr(client, method)(path(world), body(world) if body else None, format="json")
    assert response.status_code == expected, response.content
    if response.status_code in (401, 403):
        assert "detail" in response.json()
        assert fingerprint() == before, "a refused call changed data"
    elif method != "get":
        assert fingerprint() != before, "an allowed write changed nothing"


def test_anonymous_calls_are_told_how_to_authenticate(client, world):
    response = client.get("/api/v1/leads/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_or_made_up_token_is_refused(world, api_as):
    client = api_as(None)
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/v1/leads/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_session_signs_in_to_the_api_too_and_needs_csrf_for_writes(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["marketing"])
    assert client.get("/api/v1/campaigns/").status_code == 200
    refused = client.post("/api/v1/campaigns/", CAMPAIGN_BODY, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Campaign.objects.filter(slug="autumn-launch").exists()


def test_a_sales_rep_cannot_answer_an_unassigned_hand_off_but_a_manager_can(world, api_as):
    world.handoff.assigned_to = None
    world.handoff.save()
    rep = api_as(world.users["sales"]).post(f"/api/v1/handoffs/{world.handoff.pk}/accept/")
    assert rep.status_code == 403
    manager = api_as(world.users["managers"]).post(f"/api/v1/handoffs/{world.handoff.pk}/accept/")
    assert manager.status_code == 200
    assert Lead.objects.get(pk=world.handoff.lead_id).owner == world.users["managers"]

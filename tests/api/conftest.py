"""Data and clients shared by the API tests."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory
from handoffs.models import Handoff
from handoffs.tests.factories import HandoffFactory
from leads.models import Lead
from leads.tests.factories import CaptureFormFactory, LeadFactory

ROLES = ("anonymous", "marketing", "sales", "sales2", "managers", "norole")


@dataclass
class World:
    users: dict
    campaign: object
    empty_campaign: object
    variant: object
    spend: object
    owned_lead: object  # SAL, owned by the first sales rep
    new_lead: object  # new, nobody's
    handoff: object  # pending, assigned to the first sales rep
    form: object


@pytest.fixture
def world(users):
    campaign = CampaignFactory(slug="spring-webinar", utm_campaign="spring", owner=users["marketing"])
    handoff_lead = LeadFactory(status=Lead.Status.MQL, first_touch_campaign=campaign, email="mql@example.com")
    return World(
        users=users,
        campaign=campaign,
        empty_campaign=CampaignFactory(slug="nothing-yet", utm_campaign="nothing"),
        variant=VariantFactory(campaign=campaign, name="A", utm_content="a"),
        spend=SpendFactory(campaign=campaign, date=datetime.date(2026, 3, 2), amount=Decimal("250.00")),
        owned_lead=LeadFactory(status=Lead.Status.SAL, owner=users["sales"], email="owned@example.com"),
        new_lead=LeadFactory(status=Lead.Status.NEW, email="fresh@example.com"),
        handoff=HandoffFactory(lead=handoff_lead, assigned_to=users["sales"], outcome=Handoff.Outcome.PENDING),
        form=CaptureFormFactory(campaign=campaign),
    )


@pytest.fixture
def api_as():
    """Return a factory of API clients authenticated by token as the user (anonymous for None)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def client_for(role, users, api_as):
    return api_as(None if role == "anonymous" else users[role])

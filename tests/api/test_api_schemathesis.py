"""Schemathesis over every operation of the schema, in-process against the WSGI app.

Authenticated as a manager (who may call everything), with valid and invalid input:
no answer is a 5xx, and every status, content type and body is one the schema
documents. Path parameters are often swapped for ids and slugs that exist, so detail
operations reach real rows instead of answering 404 every time. Bounded (examples per
operation, no deadline) to stay within CI's budget.
"""

import datetime
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory
from handoffs.models import Handoff
from handoffs.tests.factories import HandoffFactory
from leads.models import Activity, Lead
from leads.tests.factories import CaptureFormFactory, LeadFactory

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def seed(users):
    """A small world: campaigns with variants and spend, leads in several statuses, hand-offs, forms."""
    campaigns = [
        CampaignFactory(slug=f"seed-{n}", utm_campaign=f"seed-{n}", owner=users["marketing"]) for n in range(3)
    ]
    for campaign in campaigns[:2]:
        VariantFactory(campaign=campaign, name="A", utm_content="a")
        SpendFactory(campaign=campaign, date=datetime.date(2026, 3, 2), amount=Decimal("80.00"))
    leads = [
        LeadFactory(
            status=status,
            owner=users["sales"] if status in ("sal", "sql") else None,
            lost_reason="price" if status == "lost" else "",
        )
        for status in ("new", "mql", "sal", "sql", "recycled", "lost")
        for _ in range(2)
    ]
    for lead in leads[:4]:
        Activity.objects.create(lead=lead, kind="note", body="Seeded.")
    for lead in Lead.objects.filter(status="mql"):
        HandoffFactory(lead=lead, assigned_to=users["sales"], outcome=Handoff.Outcome.PENDING)
    CaptureFormFactory(campaign=campaigns[0])
    CaptureFormFactory()


def known_values(path):
    """Ids and slugs that exist for the path's parameters (read when a case is generated)."""
    from campaigns.models import Campaign, Spend, Variant
    from leads.models import CaptureForm

    slugs = list(Campaign.objects.values_list("slug", flat=True)) or ["none"]
    if "/variants/" in path:
        ids = Variant.objects.values_list("pk", flat=True)
    elif "/spend/" in path:
        ids = Spend.objects.values_list("pk", flat=True)
    elif path.startswith("/api/v1/handoffs/"):
        ids = Handoff.objects.values_list("pk", flat=True)
    elif path.startswith("/api/v1/forms/"):
        ids = CaptureForm.objects.values_list("pk", flat=True)
    else:
        ids = Lead.objects.values_list("pk", flat=True)
    ids = list(ids) or [1]
    return {
        "id": ids,
        "lead_pk": list(Lead.objects.values_list("pk", flat=True)) or [1],
        "slug": slugs,
        "campaign_slug": slugs,
    }


def _load_schema():
    from crm.wsgi import application

    # Reading the schema needs no database: it is public and built from the code.
    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    loaded = loaded.include(path_regex=r"^/api/v1/")
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, allow_x00=True)
    return loaded


schema = _load_schema()


def _existing(path, name, index, fallback):
    try:
        values = known_values(path).get(name)
    except RuntimeError:
        # Schemathesis draws the schema's explicit examples while collecting, before any database.
        return fallback
    return values[index % len(values)] if values else fallback


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    real = st.fixed_dictionaries(
        {
            name: st.integers(min_value=0, max_value=10_000).map(
                lambda index, name=name, value=value: _existing(path, name, index, value)
            )
            for name, value in path_parameters.items()
        }
    )
    return st.one_of(st.just(path_parameters), real)


@pytest.fixture
def manager_token(users):
    seed(users)
    return Token.objects.create(user=users["managers"]).key


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Let requests through the WSGI app keep the test's database connection, as Django's test client does.

    Otherwise close_old_connections, run at each request's start and end, closes the connection
    holding the test transaction (PostgreSQL answers every later query with "connection closed").
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_every_operation_answers_by_its_schema_and_never_fails(case, manager_token):
    response = case.call_and_validate(headers={"Authorization": f"Token {manager_token}"}, checks=CHECKS)
    assert response.status_code < 500


def test_the_fuzzed_operations_cover_the_whole_api(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    fuzzed = {result.ok().path for result in schema.get_all_operations()}
    assert fuzzed == {path for path in paths if path.startswith("/api/v1/")}
    assert {"/api/v1/capture/{form_key}/", "/api/v1/reports/weekly/"} <= fuzzed

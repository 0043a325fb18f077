"""The capture's one-statement insert runs as a prepared statement in autocommit (the endpoint's
case): the same rows as the plain statement through every parameter shape, well past the point
where PostgreSQL switches to a generic plan; a server connection that lost the statement, a new
connection, a transaction or the setting turned off each still capture."""

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from campaigns.tests.factories import CampaignFactory
from leads.models import IdealCustomerProfile, Lead, Touchpoint
from leads.prepared import _numbered
from leads.services import StaleCaptureConfig, lead_capture
from leads.tests.factories import CaptureFormFactory, LeadFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaigns():
    IdealCustomerProfile.current()
    return {
        "default": CampaignFactory(utm_campaign="default-one"),
        "summer": CampaignFactory(utm_campaign="summer"),
        "archived": CampaignFactory(utm_campaign="old", archived=True),
    }


def kinds(ctx):
    """The first word of each statement that writes or prepares a capture."""
    return [
        q["sql"].split(None, 1)[0]
        for q in ctx.captured_queries
        if any(t in q["sql"] for t in ("leads_lead", "tandem_"))
    ]


CASES = [
    # (utm_campaign, the form's default, the expected campaign), each a parameter shape of the statement
    ("", "default", "default"),
    ("Summer", "default", "summer"),
    ("nomatch", "default", "default"),
    ("old", "default", "default"),
    ("", None, None),
    ("summer", None, "summer"),
    ("nomatch", "archived", None),
    ("", "archived", None),
]


def test_every_parameter_shape_stores_what_the_plain_statement_stores(campaigns):
    forms = {name: CaptureFormFactory(campaign=campaigns.get(name)) for name in ("default", "archived", None)}
    # Three rounds: PostgreSQL plans the first five executions for their values, then may keep a generic plan.
    for round_ in range(3):
        for n, (utm, default, expected) in enumerate(CASES):
            email = f"r{round_}-{n}@example.com"
            result = lead_capture(data={"email": email, "utm_campaign": utm, "company": "Acme"}, form=forms[default])
            lead = Lead.objects.get(email=email)
            touch = Touchpoint.objects.get(lead=lead)
            want = campaigns[expected].pk if expected else None
            assert result.created and result.lead.pk == lead.pk and result.touchpoint.pk == touch.pk
            assert lead.first_touch_campaign_id == lead.last_touch_campaign_id == touch.campaign_id == want
            assert (touch.form_id, lead.company, lead.source) == (forms[default].pk, "Acme", "direct")
    # A known e-mail through the prepared statement: nothing inserted, the locked path adds the touch.
    result = lead_capture(data={"email": "R0-1@Example.com", "utm_campaign": "summer"}, form=forms["default"])
    assert not result.created and Touchpoint.objects.filter(lead__email="r0-1@example.com").count() == 2


def test_the_statement_is_prepared_once_per_connection_and_executed_after(campaigns):
    form = CaptureFormFactory(campaign=campaigns["default"])
    connection.close()  # a new connection: nothing prepared on it yet
    with CaptureQueriesContext(connection) as ctx:
        for n in range(3):
            lead_capture(data={"email": f"p{n}@example.com"}, form=form)
    assert kinds(ctx) == ["PREPARE", "EXECUTE", "EXECUTE", "EXECUTE"]
    connection.close()
    with CaptureQueriesContext(connection) as ctx:
        lead_capture(data={"email": "after-reconnect@example.com"}, form=form)
    assert kinds(ctx) == ["PREPARE", "EXECUTE"]


def test_a_server_connection_that_lost_the_statement_still_captures(campaigns):
    form = CaptureFormFactory(campaign=campaigns["default"])
    lead_capture(data={"email": "first@example.com"}, form=form)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's DISCARD ALL, or another server connection, leaves
    with CaptureQueriesContext(connection) as ctx:
        assert lead_capture(data={"email": "lost@example.com"}, form=form).created
        assert lead_capture(data={"email": "again@example.com"}, form=form).created
    assert kinds(ctx) == ["EXECUTE", "WITH", "PREPARE", "EXECUTE"]
    assert Touchpoint.objects.filter(lead__email__in=["lost@example.com", "again@example.com"]).count() == 2


def test_in_a_transaction_or_turned_off_the_plain_statement_runs(campaigns, settings):
    form = CaptureFormFactory(campaign=campaigns["default"])
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        lead_capture(data={"email": "in-atomic@example.com"}, form=form)
    settings.DB_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as ctx_off:
        lead_capture(data={"email": "off@example.com"}, form=form)
    assert kinds(ctx) == ["WITH"] and kinds(ctx_off) == ["WITH"]


def test_stale_versions_write_nothing_through_the_prepared_statement(campaigns):
    form = CaptureFormFactory(campaign=campaigns["default"])
    lead_capture(data={"email": "warm@example.com"}, form=form)
    with pytest.raises(StaleCaptureConfig):
        lead_capture(data={"email": "stale@example.com"}, form=form, versions=(-1, -1))
    assert not Lead.objects.filter(email="stale@example.com").exists()


def test_the_endpoint_captures_through_it_under_autocommit(campaigns, client):
    form = CaptureFormFactory(campaign=campaigns["default"])
    LeadFactory(email="known@example.com")
    for email, status in [("a@example.com", 201), ("b@example.com", 201), ("known@example.com", 200)]:
        response = client.post(f"/api/v1/capture/{form.key}/", json.dumps({"email": email}), "application/json")
        assert response.status_code == status
    assert Touchpoint.objects.filter(form=form).count() == 3


def test_placeholders_are_numbered_and_anything_else_refused():
    assert _numbered("SELECT %s, LOWER(%s) LIKE 'a%%'", 2) == "SELECT $1, LOWER($2) LIKE 'a%'"
    with pytest.raises(ValueError):
        _numbered("SELECT %s", 2)
    with pytest.raises(ValueError):
        _numbered("SELECT %(name)s, %s", 1)

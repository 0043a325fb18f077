"""The report API: the weekly numbers as JSON, its errors, its access and its schema."""

import re

import pytest
import time_machine
from rest_framework.authtoken.models import Token

from alignment.metrics import weekly_metrics

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/weekly/"


def test_the_report_returns_the_weeks_numbers(client, users, week_data):
    client.force_login(users["marketing"])
    with time_machine.travel(week_data["now"], tick=False):
        response = client.get(URL, {"week": "2026-W10"})
        expected = weekly_metrics(week_data["week"]).as_json()
    assert response.status_code == 200
    data = response.json()
    assert data == expected
    assert data["week"] == "2026-W10"
    assert data["new_leads"]["total"] == 5
    assert data["outcomes"]["revenue"] == "1000.00"
    assert data["service_level"]["breaches"] == 2
    assert data["currency"] == "EUR"
    assert set(data) == {
        "week", "start", "end", "currency", "new_leads", "funnel", "handoffs", "service_level", "outcomes", "campaigns",
        "capacity", "first_contact", "trend",
    }  # fmt: skip


def test_the_report_names_the_teams_currency_of_its_amounts(client, users, settings):
    settings.CURRENCY = "CHF"
    client.force_login(users["marketing"])
    data = client.get(URL, {"week": "2026-W10"}).json()
    assert data["currency"] == "CHF"
    assert data["outcomes"]["revenue"] == "0.00"  # the amounts stay plain decimals


def test_the_schema_documents_every_key_of_the_report(client, users):
    client.force_login(users["marketing"])
    data = client.get(URL, {"week": "2026-W10"}).json()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    report = schema["components"]["schemas"]["WeeklyReport"]
    assert set(report["properties"]) == set(data)
    assert report["properties"]["currency"]["type"] == "string"
    assert "currency" in report["required"]


def test_without_a_week_the_report_is_the_last_complete_week(client, users, week_data):
    client.force_login(users["sales"])
    with time_machine.travel(week_data["now"], tick=False):
        assert client.get(URL).json()["week"] == "2026-W10"


@pytest.mark.parametrize("week", ["2026-47", "2025-W53", "2026-W00", "yesterday", ""])
def test_a_malformed_week_is_a_400_with_a_message(client, users, week):
    client.force_login(users["managers"])
    response = client.get(URL, {"week": week})
    assert response.status_code == 400
    assert "week" in response.json() and response.json()["week"][0]


def test_week_53_is_a_valid_week(client, users):
    client.force_login(users["managers"])
    response = client.get(URL, {"week": "2026-W53"})
    assert response.status_code == 200
    assert response.json()["trend"][-1]["week"] == "2026-W52"


def test_anonymous_callers_get_a_json_401_or_403_and_users_without_a_role_403(client, users):
    anonymous = client.get(URL)
    assert anonymous.status_code in (401, 403)
    assert anonymous["Content-Type"].startswith("application/json")
    client.force_login(users["norole"])
    assert client.get(URL).status_code == 403


def test_a_token_authenticates_a_script(client, users):
    token = Token.objects.create(user=users["sales"])
    response = client.get(URL, {"week": "2026-W10"}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_the_schema_documents_the_report_with_its_week_parameter(client, users):
    client.force_login(users["marketing"])
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"][URL]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["week"]
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    schema = response.json()["components"]["schemas"]["WeeklyReport"]
    assert {"new_leads", "funnel", "handoffs", "service_level", "outcomes", "campaigns", "capacity", "trend"} <= set(
        schema["properties"]
    )


def test_the_api_docs_load_their_script_from_a_file(client, users):
    client.force_login(users["marketing"])
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # The CSP forbids inline scripts: every <script> has a src.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()

"""The OpenAPI schema and its docs: valid, complete, and served without the internet."""

import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/leads/"),
    ("post", "/api/v1/leads/"),
    ("get", "/api/v1/leads/{id}/"),
    ("patch", "/api/v1/leads/{id}/"),
    ("post", "/api/v1/leads/{id}/transition/"),
    ("get", "/api/v1/leads/{lead_pk}/activities/"),
    ("post", "/api/v1/leads/{lead_pk}/activities/"),
    ("get", "/api/v1/campaigns/"),
    ("post", "/api/v1/campaigns/"),
    ("get", "/api/v1/campaigns/{slug}/"),
    ("put", "/api/v1/campaigns/{slug}/"),
    ("patch", "/api/v1/campaigns/{slug}/"),
    ("delete", "/api/v1/campaigns/{slug}/"),
    ("get", "/api/v1/campaigns/{campaign_slug}/variants/"),
    ("post", "/api/v1/campaigns/{campaign_slug}/variants/"),
    ("get", "/api/v1/campaigns/{campaign_slug}/variants/{id}/"),
    ("put", "/api/v1/campaigns/{campaign_slug}/variants/{id}/"),
    ("patch", "/api/v1/campaigns/{campaign_slug}/variants/{id}/"),
    ("delete", "/api/v1/campaigns/{campaign_slug}/variants/{id}/"),
    ("get", "/api/v1/campaigns/{campaign_slug}/spend/"),
    ("post", "/api/v1/campaigns/{campaign_slug}/spend/"),
    ("get", "/api/v1/campaigns/{campaign_slug}/spend/{id}/"),
    ("put", "/api/v1/campaigns/{campaign_slug}/spend/{id}/"),
    ("patch", "/api/v1/campaigns/{campaign_slug}/spend/{id}/"),
    ("delete", "/api/v1/campaigns/{campaign_slug}/spend/{id}/"),
    ("get", "/api/v1/handoffs/"),
    ("post", "/api/v1/handoffs/"),
    ("get", "/api/v1/handoffs/{id}/"),
    ("post", "/api/v1/handoffs/{id}/accept/"),
    ("post", "/api/v1/handoffs/{id}/reject/"),
    ("get", "/api/v1/forms/"),
    ("post", "/api/v1/forms/"),
    ("get", "/api/v1/forms/{id}/"),
    ("put", "/api/v1/forms/{id}/"),
    ("patch", "/api/v1/forms/{id}/"),
    ("delete", "/api/v1/forms/{id}/"),
    ("post", "/api/v1/webhooks/{id}/rotate-secret/"),
    ("post", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend/"),
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_the_schema_documents_every_operation_of_the_api(schema):
    documented = {(method, path) for path, item in schema["paths"].items() for method in item if method != "parameters"}
    assert documented >= OPERATIONS, OPERATIONS - documented


def test_every_operation_documents_its_errors_with_one_error_body(schema):
    for path, item in schema["paths"].items():
        if not path.startswith("/api/v1/") or path.startswith(("/api/v1/capture/", "/api/v1/reports/")):
            continue
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429"} <= codes, (method, path)
            if method in ("post", "put", "patch"):
                assert "400" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            for code, answer in operation["responses"].items():
                if code >= "400":
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", (method, path, code)


def test_the_docs_group_operations_by_resource(schema):
    tags = {
        operation["tags"][0]
        for path, item in schema["paths"].items()
        for operation in item.values()
        if path.startswith(("/api/v1/leads/", "/api/v1/campaigns/", "/api/v1/handoffs/", "/api/v1/forms/"))
    }
    assert tags == {"leads", "campaigns", "handoffs", "forms"}


def test_conflicts_are_documented_where_they_happen(schema):
    paths = schema["paths"]
    assert "409" in paths["/api/v1/leads/{id}/transition/"]["post"]["responses"]
    assert "409" in paths["/api/v1/leads/{id}/"]["patch"]["responses"]
    assert "409" in paths["/api/v1/handoffs/{id}/accept/"]["post"]["responses"]
    assert "409" in paths["/api/v1/handoffs/{id}/reject/"]["post"]["responses"]
    assert "409" in paths["/api/v1/handoffs/"]["post"]["responses"]
    assert "409" in paths["/api/v1/campaigns/{slug}/"]["delete"]["responses"]


def test_lead_capture_documents_both_created_and_known(schema):
    responses = schema["paths"]["/api/v1/leads/"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)
    request = schema["components"]["schemas"]["LeadCreateRequest"]
    assert request["required"] == ["email"]
    assert "status" not in request["properties"]


def test_status_is_read_only_everywhere_it_is_shown(schema):
    components = schema["components"]["schemas"]
    assert "status" not in components["PatchedLeadUpdateRequest"]["properties"]
    assert components["Lead"]["properties"]["status"]["readOnly"] is True


def test_the_generator_reports_no_warning():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=out)


def test_the_docs_load_their_assets_from_static_without_inline_scripts(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts]
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets = [url for url in sources + styles if url.startswith("/static/")]
    assert len(assets) >= 3, sources + styles
    for url in assets:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
    assert all(url.startswith("/") for url in sources), "no script from another host"
    init = next(url for url in sources if not url.startswith("/static/"))
    script = client.get(init)
    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"
    assert "/api/schema/" in script.content.decode()

"""Every operation of the OpenAPI schema, as every role: the same policy as the pages.

The schema at /api/schema/ lists the operations; tests/security/policy.py (OPERATIONS) says who
may call each. An operation the table does not know fails ``test_every_operation_has_an_expectation``.
Anonymous callers get 401/403 (never a redirect to an HTML form); a refused call writes nothing.
"""

import re

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from tests.security.policy import ANYONE, KWARG_VALUES, OPERATIONS
from tests.security.world import ROLE_NAMES, WriteRecorder

PARAM = re.compile(r"{(\w+)}")
METHODS = ("get", "post", "put", "patch", "delete")


def _schema_url():
    try:
        return reverse("schema")
    except NoReverseMatch:
        return None


def _rest_api_merged():
    try:
        reverse("lead-list")
    except NoReverseMatch:
        return False
    return True


pytestmark = pytest.mark.skipif(_schema_url() is None, reason="the OpenAPI schema is not merged yet")
needs_rest_api = pytest.mark.skipif(not _rest_api_merged(), reason="the REST API (api branch) is not merged yet")


@pytest.fixture
def schema(clients):
    response = clients["managers"].get(_schema_url(), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path


def fill(path, operation, world):
    def value(match):
        name = match.group(1)
        if name in ("id", "pk"):
            assert operation.obj, f"{path}: set obj= in its OPERATIONS entry (which object {{{name}}} names)"
            return str(getattr(world, operation.obj).pk)
        assert name in KWARG_VALUES, f"{path}: add a value for {{{name}}} to KWARG_VALUES in tests/security/policy.py"
        return str(KWARG_VALUES[name](world))

    return PARAM.sub(value, path)


def test_every_operation_has_an_expectation(schema):
    found = set(operations(schema))
    if _rest_api_merged():
        assert len(found) > 5, "the schema lists almost no operations"
    unknown = sorted(found - set(OPERATIONS))
    assert not unknown, (
        f"No access expectation for the API operations {unknown}. Add each to OPERATIONS in "
        "tests/security/policy.py with the roles that may call it (README, 'Lifecycle and roles')."
    )


def test_every_operation_follows_the_role_policy(schema, world, clients):
    problems = []
    for method, path in sorted(operations(schema)):
        operation = OPERATIONS.get((method, path))
        if operation is None:
            continue  # reported by test_every_operation_has_an_expectation
        url = fill(path, operation, world)
        for role in ROLE_NAMES:
            client = clients[role]
            with transaction.atomic():
                with WriteRecorder() as writes:
                    # An empty JSON body: who is refused must be refused before the body matters.
                    response = client.generic(method, url, b"{}" if method != "GET" else b"", "application/json")
                transaction.set_rollback(True)
            status, where = response.status_code, f"{method} {url} as {role}"
            if status >= 500:
                problems.append(f"{where}: {status}")
            elif role in operation.who:
                if status in (401, 403):
                    problems.append(f"{where}: refused ({status}) but the policy allows {role}")
                elif method == "GET" and status != 200:
                    problems.append(f"{where}: {status}, expected 200")
                elif method == "GET" and writes.tables:
                    problems.append(f"{where}: a read, yet it wrote to {writes.tables}")
            else:
                expected = (401, 403) if role == "anonymous" else (403,)
                if status not in expected:
                    problems.append(f"{where}: {status}, expected {' or '.join(map(str, expected))}")
                if writes.tables:
                    problems.append(f"{where}: refused, yet it wrote to {writes.tables}")
    assert not problems, "\n".join(problems)


@needs_rest_api
def test_a_rep_cannot_move_or_answer_another_reps_lead_through_the_api(world, clients):
    for url in (
        f"/api/v1/leads/{world.lead2.pk}/transition/",
        f"/api/v1/handoffs/{world.handoff2.pk}/accept/",
        f"/api/v1/handoffs/{world.handoff2.pk}/reject/",
    ):
        with transaction.atomic():
            with WriteRecorder() as writes:
                response = clients["sales"].post(
                    url, {"to_status": "sql", "reason": "other", "feedback": "x"}, content_type="application/json"
                )
            transaction.set_rollback(True)
        assert response.status_code in (403, 404), f"POST {url} as sid: {response.status_code}"
        assert not writes.tables, f"POST {url} as sid wrote to {writes.tables}"


@needs_rest_api
def test_a_token_of_a_user_without_a_role_reads_nothing(world, clients):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.users["norole"])
    response = Client().get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403
    response = Client().get("/api/v1/leads/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401


def test_the_public_capture_endpoint_is_the_only_anonymous_write():
    public = [key for key, operation in OPERATIONS.items() if "anonymous" in operation.who]
    assert public == [("POST", "/api/v1/capture/{form_key}/")]
    assert OPERATIONS[public[0]].who == ANYONE

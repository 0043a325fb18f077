"""The API token page (/account/api-token/), the token command, and throttling."""

import re

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/account/api-token/"


def key_on(response):
    match = re.search(r'id="token-key" value="([0-9a-f]{40})"', response.content.decode())
    return match.group(1) if match else None


def api_status(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/leads/").status_code


def test_the_page_needs_sign_in_and_a_role(client, users):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(users["norole"])
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "create"}).status_code == 403
    assert not Token.objects.exists()


def test_creating_shows_the_key_once_and_it_works_against_the_api(client, users):
    client.force_login(users["sales"])
    empty = client.get(URL)
    assert empty.status_code == 200
    assert "You have no API token." in empty.content.decode()
    created = client.post(URL, {"action": "create"})
    assert created.status_code == 200
    key = key_on(created)
    assert key == Token.objects.get(user=users["sales"]).key
    assert api_status(key) == 200
    again = client.get(URL)
    assert "You have a token" in again.content.decode()
    assert key not in again.content.decode()  # shown once only


def test_regenerating_replaces_the_key_and_the_old_one_stops_working(client, users):
    old = Token.objects.create(user=users["marketing"]).key
    client.force_login(users["marketing"])
    response = client.post(URL, {"action": "regenerate"})
    new = key_on(response)
    assert new and new != old
    assert "the old one no longer works" in response.content.decode()
    assert api_status(old) == 401
    assert api_status(new) == 200


def test_revoking_removes_the_token(client, users):
    key = Token.objects.create(user=users["managers"]).key
    client.force_login(users["managers"])
    response = client.post(URL, {"action": "revoke"}, follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "revoked" in response.content.decode()
    assert not Token.objects.filter(user=users["managers"]).exists()
    assert api_status(key) == 401


def test_the_page_posts_need_csrf(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["sales"])
    assert client.post(URL, {"action": "create"}).status_code == 403
    assert not Token.objects.exists()


def test_the_page_has_no_inline_script_and_links_the_docs(client, users):
    client.force_login(users["sales"])
    html = client.get(URL).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'href="/api/docs/"' in html
    assert 'href="/account/api-token/"' in html  # in the navigation


def test_drf_create_token_makes_a_working_token(users, capsys):
    call_command("drf_create_token", "sid")
    key = Token.objects.get(user=users["sales"]).key
    assert key in capsys.readouterr().out
    assert api_status(key) == 200


def test_calls_past_the_user_rate_are_throttled_per_user(users, api_as):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/minute"}
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = rates
    try:
        sales, other = api_as(users["sales"]), api_as(users["sales2"])
        assert [sales.get("/api/v1/campaigns/").status_code for _ in range(3)] == [200, 200, 200]
        throttled = sales.get("/api/v1/campaigns/")
        assert throttled.status_code == 429
        assert "Retry-After" in throttled
        assert "throttled" in throttled.json()["detail"]
        assert other.get("/api/v1/campaigns/").status_code == 200  # per user, not global
    finally:
        UserRateThrottle.THROTTLE_RATES = original

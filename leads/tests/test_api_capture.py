"""The public capture endpoint: POST /api/v1/capture/<form_key>/ from websites."""

import json
import logging

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from campaigns.tests.factories import CampaignFactory
from leads.models import Lead, Touchpoint
from leads.tests.factories import CaptureFormFactory

pytestmark = pytest.mark.django_db

ORIGIN = "https://www.example.com"


def url(form):
    return f"/api/v1/capture/{form.key}/"


def post_json(client, form, payload, **extra):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(url(form), body, content_type="application/json", **extra)


@pytest.fixture
def form():
    return CaptureFormFactory(campaign=CampaignFactory(slug="spring-webinar"), allowed_origins=ORIGIN)


def test_a_json_post_creates_a_lead_with_its_touchpoint_and_campaign(client, form):
    response = post_json(
        client,
        form,
        {
            "email": "Ada@Example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company": "Analytical Engines",
            "title": "Head of Maths",
            "phone": "+44 20 1234",
            "utm_source": "newsletter",
            "utm_medium": "email",
            "utm_content": "hero",
            "utm_term": "engines",
            "page_url": "https://www.example.com/pricing?utm_source=newsletter",
            "favourite_colour": "ignored",
        },
    )
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert response.json() == {"lead_id": lead.pk, "created": True}
    assert (lead.email, lead.first_name, lead.company, lead.title) == (
        "ada@example.com",
        "Ada",
        "Analytical Engines",
        "Head of Maths",
    )
    assert lead.first_touch_campaign == form.campaign
    assert lead.source == "email"
    touch = Touchpoint.objects.get()
    assert (touch.form, touch.kind, touch.campaign, touch.utm_term) == (form, "form", form.campaign, "engines")
    assert touch.page_url == "https://www.example.com/pricing?utm_source=newsletter"


def test_a_form_encoded_post_creates_a_lead(client, form):
    body = "email=bob%40example.com&first_name=Bob&utm_source=linkedin"
    response = client.post(url(form), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["lead_id"])
    assert (lead.first_name, lead.source) == ("Bob", "organic_social")


def test_a_multipart_post_creates_a_lead(client, form):
    # What a page sends when it posts `new FormData(form)`.
    response = client.post(url(form), {"email": "cy@example.com", "company": "Cy Ltd"})
    assert response.status_code == 201
    assert Lead.objects.get().company == "Cy Ltd"


def test_a_known_email_adds_a_touchpoint_not_a_lead(client, form):
    first = post_json(client, form, {"email": "ada@example.com"})
    again = client.post(url(form), {"email": "ADA@example.com ", "company": "Engines Ltd", "utm_source": "google"})
    assert again.status_code == 200
    assert again.json() == {"lead_id": first.json()["lead_id"], "created": False}
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.count() == 2
    assert Lead.objects.get().company == "Engines Ltd"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "email", "This field is required."),
        ({"email": ""}, "email", "This field may not be blank."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": "a@example.com", "first_name": "x" * 101}, "first_name", "no more than 100 characters"),
        ({"email": "a@example.com", "company": {"nested": 1}}, "company", "Not a valid string."),
        ({"email": "a@example.com", "phone": "12\x0034"}, "phone", "Null characters are not allowed."),
        ({"email": "a@example.com", "title": "\ud800"}, "title", "not valid text"),
    ],
)
def test_bad_fields_answer_400_with_drf_field_errors(client, form, payload, field, message):
    response = post_json(client, form, payload)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Lead.objects.exists()


def test_long_tracking_values_are_cut_not_refused(client, form):
    response = post_json(client, form, {"email": "a@example.com", "utm_source": "s" * 500, "page_url": "u" * 5000})
    assert response.status_code == 201
    touch = Touchpoint.objects.get()
    assert (len(touch.utm_source), len(touch.page_url)) == (200, 2000)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ('"just a string"', "application/json", 400),
        ("null", "application/json", 400),
        ("42", "application/json", 400),
        ('{"email": NaN}', "application/json", 400),
        (b"\xff\xfe\x00binary\x80", "application/json", 400),
        ("[" * 5000 + "]" * 5000, "application/json", 400),
        ("email=a@example.com", "text/plain", 415),
        (b"\x89PNG\r\n\x1a\n", "image/png", 415),
        ("--x\r\nbroken", "multipart/form-data", 400),
        ("&".join(["a=1"] * 1500), "application/x-www-form-urlencoded", 400),
        ("email=a%40example.com", "application/x-www-form-urlencoded; charset=rot13", 400),
        ('{"email": "a@example.com"}', "application/json; charset=rot13", 400),
    ],
)
def test_malformed_bodies_answer_4xx_with_a_json_message(client, form, body, content_type, status):
    # generic() sends the bytes as given, whatever charset the header claims.
    response = client.generic("POST", url(form), body, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()
    assert not Lead.objects.exists()


def test_an_unknown_key_is_404(client, form):
    response = client.post("/api/v1/capture/nosuchkey/", {"email": "a@example.com"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown or disabled form."}
    assert not Lead.objects.exists()


def test_a_disabled_form_is_404(client, form):
    form.enabled = False
    form.save()
    response = post_json(client, form, {"email": "a@example.com"})
    assert response.status_code == 404
    assert not Lead.objects.exists()


def test_a_filled_honeypot_looks_like_success_but_saves_nothing(client, form):
    response = client.post(url(form), {"email": "bot@example.com", "website": "http://spam.example"})
    assert response.status_code == 201
    assert response.json()["created"] is True
    assert not Lead.objects.exists() and not Touchpoint.objects.exists()


def test_an_empty_honeypot_is_ignored(client, form):
    response = client.post(url(form), {"email": "person@example.com", "website": ""})
    assert response.status_code == 201
    assert Lead.objects.count() == 1


def test_a_body_over_16_kb_is_413(client, form):
    response = post_json(client, form, {"email": "a@example.com", "note": "x" * 17_000})
    assert response.status_code == 413
    assert "16 KB" in response.json()["detail"]
    assert not Lead.objects.exists()


def test_session_cookies_and_csrf_play_no_part(users, form):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["sales"])
    response = client.post(url(form), {"email": "a@example.com"})
    assert response.status_code == 201
    assert Touchpoint.objects.get().recorded_by is None


def test_other_methods_are_refused(client, form):
    assert client.get(url(form)).status_code == 405
    assert client.put(url(form), "{}", content_type="application/json").status_code == 405


# --- CORS -------------------------------------------------------------------


def test_an_allowed_origin_is_echoed(client, form):
    response = client.post(url(form), {"email": "a@example.com"}, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in response


def test_a_page_on_a_disallowed_origin_is_refused_and_gets_no_cors_header(client, form):
    response = client.post(url(form), {"email": "a@example.com"}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert "allowed origins" in response.json()["detail"]
    assert "Access-Control-Allow-Origin" not in response
    assert not Lead.objects.exists()


def test_tandem_itself_and_clients_without_an_origin_may_post(client, form):
    assert client.post(url(form), {"email": "a@example.com"}, HTTP_ORIGIN="http://testserver").status_code == 201
    assert client.post(url(form), {"email": "b@example.com"}).status_code == 201  # curl, a server-side integration


def test_an_origin_allowed_on_another_form_is_not_allowed_here(client, form):
    other = CaptureFormFactory(allowed_origins="https://partner.example")
    response = client.post(url(form), {"email": "a@example.com"}, HTTP_ORIGIN="https://partner.example")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    response = client.post(url(other), {"email": "b@example.com"}, HTTP_ORIGIN="https://partner.example")
    assert response["Access-Control-Allow-Origin"] == "https://partner.example"


def preflight(client, path, origin):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


def test_the_preflight_of_an_allowed_origin_allows_a_json_post(client, form):
    response = preflight(client, url(form), ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "content-type" in response["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://www.example.com", "null"])
def test_the_preflight_of_another_origin_is_refused(client, form, origin):
    response = preflight(client, url(form), origin)
    assert "Access-Control-Allow-Origin" not in response


def test_a_disabled_form_grants_no_origin(client, form):
    form.enabled = False
    form.save()
    assert "Access-Control-Allow-Origin" not in preflight(client, url(form), ORIGIN)


def test_cors_stays_off_outside_the_capture_endpoint(client, form, users):
    client.force_login(users["marketing"])
    response = client.get("/", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in response


# --- Rate limits ------------------------------------------------------------


def rates(ip="1000/minute", form="1000/minute"):
    from django.conf import settings

    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "capture_ip": ip, "capture_form": form}
    return override_settings(REST_FRAMEWORK=rest)


def test_a_flood_from_one_ip_is_429_after_the_limit(client, form):
    with rates(ip="3/minute"):
        codes = [client.post(url(form), {"email": f"p{i}@example.com"}).status_code for i in range(5)]
        other_ip = client.post(url(form), {"email": "q@example.com"}, REMOTE_ADDR="10.9.9.9")
    assert codes == [201, 201, 201, 429, 429]
    assert other_ip.status_code == 201
    assert Lead.objects.count() == 4


def test_a_flood_on_one_form_is_429_from_any_ip(client, form):
    other = CaptureFormFactory()
    with rates(form="2/minute"):
        codes = [
            client.post(url(form), {"email": f"p{i}@example.com"}, REMOTE_ADDR=f"10.0.0.{i}").status_code
            for i in range(4)
        ]
        elsewhere = client.post(url(other), {"email": "z@example.com"}, REMOTE_ADDR="10.0.1.1")
    assert codes == [201, 201, 429, 429]
    assert elsewhere.status_code == 201
    throttled = client.post(url(form), {"email": "late@example.com"}, REMOTE_ADDR="10.0.2.2")
    assert throttled.status_code in (201, 429)  # back to the configured rate


def test_a_throttled_answer_says_when_to_retry(client, form):
    with rates(ip="1/minute"):
        client.post(url(form), {"email": "a@example.com"})
        response = client.post(url(form), {"email": "b@example.com"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


BROKEN_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_with_the_cache_down_capture_still_saves_and_logs(client, form, caplog):
    with (
        override_settings(CACHES=BROKEN_REDIS),
        rates(ip="1/minute", form="1/minute"),
        caplog.at_level(logging.WARNING, logger="leads.api_capture"),
    ):
        codes = [client.post(url(form), {"email": f"p{i}@example.com"}).status_code for i in range(3)]
    assert codes == [201, 201, 201]
    assert Lead.objects.count() == 3
    assert "cache is unavailable" in caplog.text


# --- Never a 500 --------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(
    ["email", "first_name", "last_name", "company", "title", "phone", "utm_source", "page_url", "website", "x"]
)
objects = st.dictionaries(field_names, json_values, max_size=8)
bodies = st.one_of(
    st.binary(max_size=600).map(lambda b: (b, "application/json")),
    st.binary(max_size=600).map(lambda b: (b, "application/x-www-form-urlencoded")),
    st.text(max_size=600).map(lambda t: (t, "application/json")),
    json_values.map(lambda v: (json.dumps(v), "application/json")),
    objects.map(lambda v: (json.dumps(v), "application/json")),
    objects.map(lambda v: (json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass"), "application/json")),
    st.tuples(st.binary(max_size=200), st.sampled_from(["text/plain", "multipart/form-data", "", "application/xml"])),
    st.tuples(
        st.binary(max_size=300),
        st.sampled_from(
            [
                "application/json; charset=utf-16",
                "application/json; charset=rot13",
                "application/x-www-form-urlencoded; charset=latin-1",
                "application/x-www-form-urlencoded; charset=nope",
                "multipart/form-data; boundary=x",
            ]
        ),
    ),
)


@given(body=bodies)
@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_body_of_any_kind_answers_500(client, form, body):
    payload, content_type = body
    with rates():
        response = client.generic("POST", url(form), payload, content_type=content_type)
    assert response.status_code < 500, response.content[:300]
    assert 200 <= response.status_code < 500
    if response.status_code in (200, 201):
        assert response.json()["created"] in (True, False)


def test_the_endpoint_is_documented_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/capture/{form_key}/"]["post"]
    assert {"200", "201", "400", "403", "404", "413", "429"} <= set(operation["responses"])
    assert set(operation["requestBody"]["content"]) >= {"application/json", "application/x-www-form-urlencoded"}
    assert operation.get("security", []) in ([], [{}])  # public: no credentials

"""One client address for every per-client limit: X-Forwarded-For is believed only from our proxies.

TRUSTED_PROXY_COUNT (default 0) says how many proxies stand in front of Tandem; a header the
client wrote itself never makes it a new client — neither for the capture rate limits nor for the
sign-in lock-out. And the per-form limit counts atomically: concurrent captures cannot both take
the last place in the window.
"""

import threading

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from conftest import clear_cache
from crm.client_ip import client_ip
from leads import api_capture
from leads.api_capture import CaptureFormThrottle, CaptureIPThrottle, check_throttles_together
from leads.models import Lead
from leads.tests.factories import CaptureFormFactory
from leads.tests.test_api_capture import post_json, rates

PASSWORD = "s3cret-Passw0rd"


@pytest.fixture
def form(db):
    return CaptureFormFactory()


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **extra)


def test_without_trusted_proxies_the_peer_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("10.0.0.1", "203.0.113.9")) == "10.0.0.1"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own claim is to the left
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: the leftmost
        (1, " , ", "10.0.0.1"),
    ],
)
def test_behind_proxies_the_entry_they_appended_is_the_client(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request("10.0.0.1", forwarded)) == expected


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_is_no_new_client_of_the_capture_limit(client, form):
    clear_cache()  # this process's keys only: a FLUSHDB would empty the other xdist process's limits
    with rates(ip="2/minute"):
        answers = [
            post_json(
                client,
                form,
                {"email": f"spoof{n}@example.com"},
                REMOTE_ADDR="10.3.0.1",
                HTTP_X_FORWARDED_FOR=f"6.6.6.{n}",
            ).status_code
            for n in range(4)
        ]
    assert answers == [201, 201, 429, 429]
    assert Lead.objects.filter(email__startswith="spoof").count() == 2


@pytest.mark.django_db
def test_behind_one_proxy_each_visitor_is_counted_apart_and_spoofing_does_not_help(client, form):
    clear_cache()  # this process's keys only: a FLUSHDB would empty the other xdist process's limits
    with rates(ip="1/minute"), override_settings(TRUSTED_PROXY_COUNT=1):
        first = post_json(
            client, form, {"email": "p1@example.com"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="7.7.7.7"
        )
        spoof = post_json(
            client, form, {"email": "p2@example.com"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 7.7.7.7"
        )
        other = post_json(
            client, form, {"email": "p3@example.com"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="8.8.8.8"
        )
    assert [first.status_code, spoof.status_code, other.status_code] == [201, 429, 201]


@pytest.mark.redis
@pytest.mark.django_db
def test_concurrent_captures_never_pass_the_form_limit(form):
    """Eight workers race for a limit of 40: exactly 40 are admitted (a read-then-write lets more in)."""
    clear_cache()  # this process's keys only: a FLUSHDB would empty the other xdist process's limits

    class View:
        capture_form = form

    admitted, lock = [], threading.Lock()
    start = threading.Barrier(8)

    def worker(number):
        start.wait()
        for n in range(15):
            request = _request(f"10.4.{number}.{n}")
            refused = check_throttles_together([CaptureFormThrottle()], request, View())
            with lock:
                admitted.append(not refused)

    with rates(form="40/minute"):
        threads = [threading.Thread(target=worker, args=(number,)) for number in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(admitted) == 120
    assert sum(admitted) == 40


@pytest.mark.redis
@pytest.mark.django_db
def test_both_rate_limits_take_one_redis_round_trip(form, monkeypatch):
    clear_cache()  # this process's keys only: a FLUSHDB would empty the other xdist process's limits
    calls = []
    real = api_capture._redis_client

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            calls.append(name)
            return getattr(self.inner, name)

    monkeypatch.setattr(api_capture, "_redis_client", lambda cache: Counting(real(cache)))

    class View:
        capture_form = form

    with rates(ip="5/minute", form="5/minute"):
        assert (
            check_throttles_together([CaptureIPThrottle(), CaptureFormThrottle()], _request("10.5.0.1"), View()) == []
        )
    assert calls == ["eval"]


def _sign_in(client, username, password, forwarded):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_behind_a_proxy_one_visitors_failures_do_not_lock_the_account_for_others(users):
    with override_settings(TRUSTED_PROXY_COUNT=1):
        attacker = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            _sign_in(attacker, "mia", "wrong-password", "203.0.113.66")
        assert _sign_in(attacker, "mia", PASSWORD, "203.0.113.66").status_code in (403, 429)
        response = _sign_in(Client(), "mia", PASSWORD, "198.51.100.7")
    assert response.status_code == 302


@pytest.mark.django_db
def test_without_trusted_proxies_a_spoofed_header_does_not_escape_the_lock_out(users):
    attacker = Client()
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        _sign_in(attacker, "mia", "wrong-password", f"203.0.113.{n}")
    assert _sign_in(attacker, "mia", PASSWORD, "198.51.100.7").status_code in (403, 429)

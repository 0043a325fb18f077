"""The capture's two rate limits take one Redis round trip (leads.throttle_log) and decide,
request by request, as DRF's SimpleRateThrottle does, waits included."""

import pytest
import redis.connection
from django.core.cache import cache
from django.test import override_settings

from leads import throttle_log
from leads.api_capture import CaptureFormThrottle, CaptureIPThrottle, check_throttles_together
from leads.tests.factories import CaptureFormFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def redis_cache():
    if not throttle_log.supported(cache):
        pytest.skip("the default cache is not Redis here")
    cache.clear()


def rates(*, ip, form):
    from django.conf import settings

    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "capture_ip": ip, "capture_form": form}
    return override_settings(REST_FRAMEWORK=rest)


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.25

    def __call__(self):
        return self.now


def test_both_limits_take_one_redis_round_trip(client, monkeypatch):
    form = CaptureFormFactory()
    client.post(f"/api/v1/capture/{form.key}/", {"email": "warm@example.com"})  # the script is loaded
    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    with rates(ip="1000/minute", form="1000/minute"):
        assert client.post(f"/api/v1/capture/{form.key}/", {"email": "rt@example.com"}).status_code == 201
    assert len(sent) == 1


def test_the_decisions_and_waits_are_drfs(rf, monkeypatch):
    form = CaptureFormFactory()

    class View:
        capture_form = form

    clock = Clock()
    monkeypatch.setattr(CaptureIPThrottle, "timer", clock)
    monkeypatch.setattr(CaptureFormThrottle, "timer", clock)
    # Times (seconds from the start) and senders: bursts, a window that expires, a window edge.
    plan = [(0, 1), (0, 2), (1, 1), (2, 1), (3, 2), (20, 1), (59.5, 2), (60, 1), (61, 1), (61, 2), (125, 1)]

    def run(together):
        cache.clear()
        start, answers = clock.now, []
        for seconds, sender in plan:
            clock.now = start + seconds
            request = rf.post("/", REMOTE_ADDR=f"10.3.0.{sender}")
            throttles = [CaptureIPThrottle(), CaptureFormThrottle()]
            if together:
                waits = check_throttles_together(throttles, request, View())
            else:
                waits = [t.wait() for t in throttles if not t.allow_request(request, View())]
            answers.append([None if w is None else round(w, 3) for w in waits])
        clock.now = start
        return answers

    with rates(ip="2/minute", form="3/minute"):
        one_by_one = run(together=False)
        together = run(together=True)
    assert together == one_by_one
    assert any(one_by_one) and not all(one_by_one)  # the plan has refusals and admissions


def test_when_redis_is_down_the_limits_let_requests_through(rf, monkeypatch):
    form = CaptureFormFactory()

    class View:
        capture_form = form

    def broken(*args, **kwargs):
        raise redis.exceptions.ConnectionError("down")

    monkeypatch.setattr(throttle_log, "_script", broken)
    with rates(ip="1/minute", form="1/minute"):
        for _ in range(3):
            request = rf.post("/", REMOTE_ADDR="10.4.0.1")
            assert check_throttles_together([CaptureIPThrottle(), CaptureFormThrottle()], request, View()) == []

"""alignment.W001: a digest webhook set in the environment on a private or loopback host, with
WEBHOOK_ALLOW_PRIVATE off, is named at start-up (every post there fails); no host name is resolved."""

import socket

import pytest
from django.core.checks import Warning as CheckWarning
from django.core.checks import run_checks


def _warnings():
    return [m for m in run_checks() if isinstance(m, CheckWarning) and m.id == "alignment.W001"]


@pytest.fixture(autouse=True)
def no_dns(monkeypatch):
    """The check must not resolve anything: a look-up fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"the check resolved {args[0]!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://LOCALHOST.:8443/hook",
        "http://receiver.localhost/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://127.1/hook",
        "http://2130706433/hook",
        "http://0x7f000001/hook",
        "http://[fe80::1%25eth0]/hook",
    ],
)
def test_a_digest_webhook_on_a_private_or_loopback_address_is_warned_of(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.DIGEST_WEBHOOKS = {"marketing": "", "sales": url, "managers": ""}
    [warning] = _warnings()
    assert "DIGEST_WEBHOOK_SALES" in warning.msg and "WEBHOOK_ALLOW_PRIVATE" in warning.hint
    assert url not in warning.msg + warning.hint  # a webhook URL carries its secret: never printed


def test_each_audience_is_named(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.DIGEST_WEBHOOKS = {"marketing": "http://127.0.0.1/m", "sales": "", "managers": "http://localhost/x"}
    assert sorted(w.msg.split()[0] for w in _warnings()) == ["DIGEST_WEBHOOK_MANAGERS", "DIGEST_WEBHOOK_MARKETING"]


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T0/B0/secret",  # a host name: resolved only when posting
        "https://internal.example.com/hook",
        "http://8.8.8.8/hook",
        "http://[2606:4700:4700::1111]/hook",
        "http://deadbeef/hook",  # a name, not inet_aton's numeric form
        "http://[::1/hook",  # malformed: check_public_url refuses it when posting
        "",
    ],
)
def test_a_public_address_or_a_host_name_is_not_warned_of(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.DIGEST_WEBHOOKS = {"marketing": url, "sales": url, "managers": url}
    assert _warnings() == []


def test_allowing_private_receivers_silences_the_warning(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.DIGEST_WEBHOOKS = {"marketing": "http://127.0.0.1/m", "sales": "http://10.0.0.1/", "managers": ""}
    assert _warnings() == []

"""Password-reset e-mails are limited per address and per client, with the same answer either way."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from crm.ratelimit import parse_rate


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.PASSWORD_RESET_EMAIL_RATE = "3/hour"
    settings.PASSWORD_RESET_CLIENT_RATE = "20/hour"


def _ask(email, remote="10.9.0.1"):
    return Client().post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=remote)


@pytest.mark.django_db
def test_thirty_requests_for_one_address_send_three_e_mails_and_all_get_the_same_answer(users):
    answers = {
        (response.status_code, response["Location"]) for response in (_ask("mia@example.com") for _ in range(30))
    }
    assert answers == {(302, reverse("password_reset_done"))}
    assert [message.to for message in mail.outbox] == [["mia@example.com"]] * 3


@pytest.mark.django_db
def test_the_address_limit_holds_across_clients_and_letter_case(users):
    for n in range(6):
        _ask("MIA@example.com" if n % 2 else "mia@example.com", remote=f"10.9.1.{n}")
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_one_client_asking_for_many_addresses_is_limited(make_user):
    for n in range(25):
        make_user(f"user{n}")
    for n in range(25):
        _ask(f"user{n}@example.com")
    assert len(mail.outbox) == 20
    _ask("user24@example.com", remote="10.9.2.2")  # another client is not held back
    assert len(mail.outbox) == 21


@pytest.mark.django_db
def test_unknown_addresses_are_answered_as_known_ones(users):
    known, unknown = _ask("mia@example.com"), _ask("nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


@pytest.mark.django_db
def test_the_limit_opens_again_in_the_next_window(users):
    with time_machine.travel(datetime.datetime(2026, 12, 5, 10, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        for _ in range(5):
            _ask("mia@example.com")
        assert len(mail.outbox) == 3
        traveller.shift(datetime.timedelta(hours=1))
        _ask("mia@example.com")
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_a_cache_outage_lets_the_request_through(users, monkeypatch):
    from crm import ratelimit

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit.cache, "add", down)
    for _ in range(4):
        _ask("mia@example.com")
    assert len(mail.outbox) == 4


@pytest.mark.parametrize("text", ["3", "3/fortnight", "many/hour", ""])
def test_a_malformed_rate_names_the_setting(text):
    with pytest.raises(ImproperlyConfigured, match="PASSWORD_RESET_EMAIL_RATE"):
        parse_rate(text, name="PASSWORD_RESET_EMAIL_RATE")


def test_rates_read_in_every_unit():
    assert parse_rate("3/hour") == (3, 3600)
    assert parse_rate("20/h") == (20, 3600)
    assert parse_rate("5/minute") == (5, 60)
    assert parse_rate("100/day") == (100, 86400)

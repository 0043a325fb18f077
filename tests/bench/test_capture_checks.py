"""The capture benchmark measures what it claims (issue 19): its peer is a public view that
inserts, and a round that answered or stored anything else fails the run."""

from collections import Counter

import pytest
from django.test import Client, override_settings

from bench.capture import BenchCheckFailed, Round, check_round
from leads.models import Lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_minimal_view_answers_an_anonymous_post_201_and_inserts_the_lead():
    response = Client().post(
        "/bench/minimal-capture/", {"email": "anon-1@visitors.example", "first_name": "Vi"}, follow=False
    )
    assert response.status_code == 201, response.get("Location")
    lead = Lead.objects.get(email="anon-1@visitors.example")
    assert response.json() == {"lead_id": lead.pk, "created": True}


def _round(prefix, statuses, created, sent=None):
    answered = sum(statuses.values())
    return Round(
        prefix=prefix,
        seconds=1.0,
        answered=answered,
        sent=answered if sent is None else sent,
        statuses=Counter(statuses),
        created_ids=created,
    )


def _lead(email):
    return Lead.objects.create(email=email).pk


def test_a_round_that_stored_what_it_answered_passes():
    ids = [_lead(f"pfa-1-{n}@visitors.example") for n in range(3)]
    _lead("pfa-1-9@visitors.example")  # one request still in flight when wrk stopped
    check = check_round(_round("pfa", {201: 3}, ids, sent=4), allowed={201}, touchpoints=False)
    assert check == {"leads_stored": 4, "touchpoints_stored": 0, "in_flight_at_stop": 1}


def test_a_redirect_to_the_sign_in_page_fails_the_run():
    with pytest.raises(BenchCheckFailed, match="unexpected statuses {302: 5}"):
        check_round(_round("pfb", {302: 5}, []), allowed={201}, touchpoints=False)


def test_a_201_without_its_row_fails_the_run():
    with pytest.raises(BenchCheckFailed, match="not stored"):
        check_round(_round("pfc", {201: 2}, [10**9, 10**9 + 1]), allowed={201}, touchpoints=False)


def test_rows_nobody_was_told_about_fail_the_run():
    ids = [_lead(f"pfd-1-{n}@visitors.example") for n in range(3)]
    with pytest.raises(BenchCheckFailed, match="2 leads stored that no 201 announced"):
        check_round(_round("pfd", {201: 1}, ids[:1]), allowed={201}, touchpoints=False)


def test_answered_captures_without_touchpoints_fail_the_run():
    ids = [_lead(f"pfe-1-{n}@visitors.example") for n in range(2)]
    with pytest.raises(BenchCheckFailed, match="0 touchpoints stored for 2 answered"):
        check_round(_round("pfe", {201: 2}, ids), allowed={200, 201}, touchpoints=True)

"""Concurrent captures of one e-mail on PostgreSQL, with real connections in threads."""

import threading

import pytest
from django.db import connection

from leads.models import IdealCustomerProfile, Lead, StatusChange, Touchpoint
from leads.services import lead_capture
from leads.tests.factories import ScoringRuleFactory

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_concurrent_captures_of_one_email_make_one_lead_and_every_touchpoint(users):
    profile = IdealCustomerProfile.current()
    profile.mql_threshold = 10
    profile.save()
    ScoringRuleFactory(field="industry", operator="equals", value="software", points=20)
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def capture(n):
        try:
            barrier.wait(timeout=10)
            result = lead_capture(
                data={"email": "Race@Example.com", "industry": "software", "utm_source": "google", "utm_medium": "cpc"}
            )
            results.append(result.created)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=capture, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    lead = Lead.objects.get()
    assert lead.email == "race@example.com"
    assert Touchpoint.objects.filter(lead=lead).count() == THREADS
    # The lead crossed the threshold once: one move to MQL, one hand-off.
    assert list(StatusChange.objects.filter(lead=lead).values_list("to_status", flat=True)) == [Lead.Status.MQL]
    assert lead.handoffs.count() == 1

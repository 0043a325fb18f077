"""Two reps answering one hand-off at once, on PostgreSQL with real connections."""

import threading

import pytest
from django.db import connection

from handoffs.models import Handoff
from handoffs.services import HandoffAlreadyAnswered, handoff_accept, handoff_create, handoff_reject
from leads.models import Lead, StatusChange
from leads.tests.factories import LeadFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
@pytest.mark.parametrize("round_", range(3))
def test_accept_and_reject_at_once_one_wins_and_the_lead_moves_once(users, round_):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"])
    barrier = threading.Barrier(2)
    outcomes = {}

    def answer(name, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[name] = "won"
        except HandoffAlreadyAnswered:
            outcomes[name] = "already answered"
        except Exception as exc:  # collected and asserted below
            outcomes[name] = repr(exc)
        finally:
            connection.close()

    calls = {
        "accept": lambda: handoff_accept(handoff=Handoff.objects.get(pk=handoff.pk), actor=users["sales"]),
        "reject": lambda: handoff_reject(
            handoff=Handoff.objects.get(pk=handoff.pk), actor=users["managers"], reason="not_icp_fit", feedback="No."
        ),
    }
    threads = [threading.Thread(target=answer, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["already answered", "won"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    fresh = Handoff.objects.get(pk=handoff.pk)
    lead = Lead.objects.get(pk=handoff.lead_id)
    expected = {
        "accept": (Handoff.Outcome.ACCEPTED, Lead.Status.SAL),
        "reject": (Handoff.Outcome.REJECTED, "disqualified"),
    }
    assert (fresh.outcome, lead.status) == expected[winner]
    moves = list(
        StatusChange.objects.filter(lead=lead).order_by("changed_at", "id").values_list("to_status", flat=True)
    )
    assert moves == [Lead.Status.MQL, lead.status]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
@pytest.mark.parametrize("round_", range(3))
def test_two_workers_sending_one_held_alert_post_it_once(users, settings, round_):
    import datetime

    from handoffs.models import Notification
    from handoffs.notifications import notification_hold, notification_send
    from handoffs.services import alert_preference_set
    from handoffs.tests.receiver import WebhookReceiver

    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    monday = datetime.datetime(2026, 3, 9, 9, 1, tzinfo=datetime.UTC)
    with WebhookReceiver() as receiver:
        alert_preference_set(user=users["sales"], webhook_url=receiver.url("/sid"), enabled=True)
        handoff = handoff_create(
            lead=LeadFactory(status=Lead.Status.MQL), actor=users["marketing"], assignee=users["sales"], notify=False
        )
        notification_hold(handoff=handoff, kind="assigned", recipient=users["sales"], channel="webhook", now=monday)
        barrier = threading.Barrier(2)
        sent = []

        def worker():
            try:
                barrier.wait(timeout=10)
                sent.append(
                    notification_send(
                        handoff_id=handoff.pk,
                        kind="assigned",
                        recipient_id=users["sales"].pk,
                        channel="webhook",
                        now=monday,
                    )
                )
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(sent) == [False, True]
        assert len(receiver.posts) == 1
    row = Notification.objects.get(handoff=handoff)
    assert (row.state, row.attempts) == ("sent", 1)

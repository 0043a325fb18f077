"""The service level's clock is the server's: activity_log stamps recorded_at, bounds occurred_at,
and applies one assignee policy; the page answers as the API does; old rows are backfilled."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from handoffs.services import handoff_accept, handoff_create
from leads.models import Activity, Lead
from leads.selectors import task_assignees
from leads.services import activity_log
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@time_machine.travel(NOW, tick=False)
def test_the_first_contact_is_stamped_at_recording_whatever_time_is_told(users):
    lead = LeadFactory(status=Lead.Status.NEW, created_at=NOW - 10 * DAY)
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"], at=NOW - 3 * DAY)
    handoff_accept(handoff=handoff, actor=users["sales"], at=NOW - 2 * DAY)
    call = activity_log(lead=lead, actor=users["sales"], kind="call", subject="Intro", occurred_at=NOW - 2 * DAY)
    assert (call.occurred_at, call.recorded_at) == (NOW - 2 * DAY, NOW)
    handoff.refresh_from_db()
    assert handoff.first_contact_at == NOW


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("told", [NOW + datetime.timedelta(seconds=1), NOW - 11 * DAY])
def test_a_time_in_the_future_or_before_the_lead_is_refused(users, told):
    lead = LeadFactory(owner=users["sales"], created_at=NOW - 10 * DAY)
    with pytest.raises(ValidationError) as info:
        activity_log(lead=lead, actor=users["sales"], kind="note", body="x", occurred_at=told)
    assert list(info.value.message_dict) == ["occurred_at"]
    assert not Activity.objects.exists()


def test_the_assignee_policy_is_the_services(users):
    lead = LeadFactory(owner=users["sales"])
    assert list(task_assignees(users["sales"])) == [users["sales"]]
    assert set(task_assignees(users["managers"])) == {users["managers"], users["sales"], users["sales2"]}
    with pytest.raises(ValidationError) as info:
        activity_log(lead=lead, actor=users["sales"], kind="task", subject="x", due_at=NOW, assignee=users["sales2"])
    assert list(info.value.message_dict) == ["assignee"]


def test_the_task_page_refuses_a_due_date_in_year_9999(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = client.post(
        reverse("leads:add_task", args=[lead.pk]),
        {"subject": "Later", "due_at": "9999-12-31T10:00", "assignee": users["sales"].pk},
    )
    assert "due_at" in response.context["task_form"].errors
    assert not Activity.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_recorded_at_from_occurred_at():
    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        executor.loader.build_graph()
        return executor.loader.project_state(targets).apps

    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate([("leads", "0006_partial_indexes_leave_blank_keys_out")])
        lead = old.get_model("leads", "Lead").objects.create(email="old@example.com")
        told = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
        activity = old.get_model("leads", "Activity").objects.create(lead=lead, kind="call", occurred_at=told)
        new = migrate(leaves)
        assert new.get_model("leads", "Activity").objects.get(pk=activity.pk).recorded_at == told
    finally:
        migrate(leaves)

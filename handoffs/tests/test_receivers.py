"""handoffs hears of new MQLs: one lead from a form, or a batch of them from an import."""

from unittest import mock

import pytest

from handoffs.models import Handoff
from leads.bulk_capture import leads_capture_batch
from leads.models import IdealCustomerProfile, Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def mql_rows(make_user):
    make_user("rae", "sales")
    IdealCustomerProfile.objects.update_or_create(pk=1, defaults={"mql_threshold": 0})
    return [(n, {"email": f"hot{n}@example.com"}) for n in range(2, 7)]


def test_an_import_batch_queues_one_task_for_its_mqls(mql_rows, django_capture_on_commit_callbacks):
    with (
        mock.patch("handoffs.tasks.handoffs_for_new_mqls.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = leads_capture_batch(rows=mql_rows)
    delay.assert_called_once_with(result.mql_lead_ids)
    assert sorted(result.mql_lead_ids) == sorted(Lead.objects.values_list("pk", flat=True))


def test_an_import_batch_is_handed_off_once_each_when_the_task_runs(mql_rows, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        leads_capture_batch(rows=mql_rows)
    assert Handoff.objects.filter(outcome=Handoff.Outcome.PENDING).count() == len(mql_rows)
    assert not Handoff.objects.filter(assigned_to=None).exists()


def test_an_import_batch_is_handed_off_in_process_when_the_broker_is_down(mql_rows, django_capture_on_commit_callbacks):
    with (
        mock.patch("handoffs.tasks.handoffs_for_new_mqls.delay", side_effect=OSError("Connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        leads_capture_batch(rows=mql_rows)
    assert Lead.objects.filter(status=Lead.Status.MQL).count() == len(mql_rows)
    assert Handoff.objects.filter(outcome=Handoff.Outcome.PENDING).count() == len(mql_rows)

"""Reads behind the hand-off pages: rep loads and the pipeline board."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from handoffs.models import SalesRep, ServiceLevel
from handoffs.selectors import pipeline_board, rep_load_rows
from handoffs.tests.factories import HandoffFactory
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db
S = Lead.Status


def test_rep_loads_count_open_leads_and_pending_hand_offs_against_capacity(users):
    level = ServiceLevel.current()
    level.default_rep_capacity = 10
    level.save()
    SalesRep.objects.create(user=users["sales2"], capacity=2, accepting=False)
    LeadFactory(status=S.SAL, owner=users["sales"])
    LeadFactory(status=S.SQL, owner=users["sales"])
    LeadFactory(status=S.WON, owner=users["sales"], deal_value=Decimal("5"))
    HandoffFactory(assigned_to=users["sales"])
    HandoffFactory(assigned_to=users["sales2"])
    HandoffFactory(assigned_to=users["sales2"])
    rows = {row.user.username: row for row in rep_load_rows()}
    assert set(rows) == {"sid", "sue"}
    sid, sue = rows["sid"], rows["sue"]
    assert (sid.open_leads, sid.pending, sid.capacity, sid.capacity_is_default, sid.percent) == (2, 1, 10, True, 30)
    assert (sue.load, sue.capacity, sue.accepting, sue.percent, sue.has_room) == (2, 2, False, 100, False)


def test_the_board_caps_each_column_and_keeps_the_full_totals(users):
    for value in ("100", "200", "300"):
        LeadFactory(status=S.WON, owner=users["sales"], deal_value=Decimal(value))
    LeadFactory(
        status=S.LOST,
        owner=users["sales"],
        lost_reason="price",
        status_changed_at=timezone.now() - datetime.timedelta(days=45),
    )
    columns = {c.status: c for c in pipeline_board(owner=users["sales"], per_column=2)}
    won = columns["won"]
    assert (won.count, won.total, len(won.cards), won.hidden) == (3, Decimal("600"), 2, 1)
    assert columns["lost"].count == 0
    assert [c.status for c in pipeline_board()] == ["sal", "sql", "won", "lost"]

"""Constants and records shared by the demo simulation's parts."""

import datetime
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from handoffs import receivers
from handoffs.models import Handoff
from leads.models import Lead
from leads.signals import lead_became_mql

S = Lead.Status
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# Events per transaction: few enough to keep locks short, many enough to spare commits.
BATCH = 500
# Relative share of website visits per local hour of the day.
VISIT_HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 19, 18, 14, 16, 18, 17, 14, 10, 7, 5, 4, 3, 2, 1]
ACCEPT_RATE = {Lead.Fit.GOOD: 0.85, Lead.Fit.PARTIAL: 0.65, Lead.Fit.POOR: 0.35}
SQL_RATE = {Lead.Fit.GOOD: 0.7, Lead.Fit.PARTIAL: 0.55, Lead.Fit.POOR: 0.35}
WIN_RATE = {Lead.Fit.GOOD: 0.45, Lead.Fit.PARTIAL: 0.33, Lead.Fit.POOR: 0.2}
REJECT_REASONS = {
    # reason: weight for a poor fit, weight for a partial or good one
    Handoff.RejectReason.NOT_ICP_FIT: (40, 6),
    Handoff.RejectReason.NO_BUDGET: (15, 20),
    Handoff.RejectReason.BAD_CONTACT_DATA: (10, 14),
    Handoff.RejectReason.DUPLICATE: (5, 10),
    Handoff.RejectReason.NOT_READY: (20, 40),
    Handoff.RejectReason.OTHER: (10, 10),
}
LOST_REASONS = {
    Lead.LostReason.PRICE: 25,
    Lead.LostReason.COMPETITOR: 25,
    Lead.LostReason.NO_DECISION: 20,
    Lead.LostReason.TIMING: 12,
    Lead.LostReason.NO_BUDGET: 10,
    Lead.LostReason.FEATURES: 6,
    Lead.LostReason.OTHER: 2,
}


@contextmanager
def handoffs_made_by_the_caller():
    """Stop queueing a hand-off task per new MQL while the caller hands leads off itself.

    The seeder creates each hand-off in the same breath as the MQL (backdated, in time
    order); the receiver would otherwise put one task per MQL on the broker — thousands
    of messages for the worker of `make run`, each a no-op by then.
    """
    disconnected = lead_became_mql.disconnect(dispatch_uid=receivers.NEW_MQL_UID)
    try:
        yield
    finally:
        if disconnected:
            lead_became_mql.connect(receivers.queue_handoff_for_new_mql, dispatch_uid=receivers.NEW_MQL_UID)


@dataclass
class LeadState:
    """What the simulation remembers of a lead between its events."""

    lead: Lead
    person: dict
    status: str = S.NEW
    owner: object = None
    handoff: Handoff | None = None
    # Bumped by every new hand-off: events planned for an earlier one are stale and skip.
    gen: int = 0


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    logins: str = ""

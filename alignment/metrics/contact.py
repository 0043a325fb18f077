"""Speed to lead: how fast the owner first contacts the leads handed off in a week (README, "Weekly numbers").

For the hand-offs created in W that were not rejected (a rejected lead is not sales' to
contact): the **first contact** is the earliest call, e-mail or meeting logged by the
hand-off's assignee at or after the hand-off; its delay is counted in the team's working
minutes (:class:`handoffs.clock.WorkingCalendar`). Median and 90th percentile (nearest rank)
over the contacted ones; the shares contacted within 5, 30 and 60 working minutes, within the
service level (by the hand-off's first-contact deadline, or at all before it was accepted,
since the deadline only starts then) and not contacted yet are of all of them. By rep (the
assignee's username, ``unassigned`` for none) and by the lead's source channel.

Read live on every call, like spend and capacity: a contact logged later changes them, and
the stored weeks (:mod:`alignment.metrics.rollups`) do not watch activities.
"""

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from alignment.metrics.figures import share_of
from alignment.metrics.windows import in_week
from handoffs.models import Handoff
from leads.models import Activity

WITHIN_MINUTES = (5, 30, 60)
UNASSIGNED = "unassigned"


def contact_time_field():
    """Return the Activity field that dates a contact: the one place to switch it (e.g. to recorded_at)."""
    return "occurred_at"


@dataclass
class ContactFigures:
    handed_off: int = 0
    contacted: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None
    within_rates: dict = field(default_factory=dict)  # working minutes -> share contacted within them
    within_sla_rate: float | None = None
    not_contacted_rate: float | None = None

    def as_json(self):
        return {
            "handed_off": self.handed_off,
            "contacted": self.contacted,
            "median_minutes": self.median_minutes,
            "p90_minutes": self.p90_minutes,
            "within_5_min_rate": self.within_rates.get(5),
            "within_30_min_rate": self.within_rates.get(30),
            "within_60_min_rate": self.within_rates.get(60),
            "within_sla_rate": self.within_sla_rate,
            "not_contacted_rate": self.not_contacted_rate,
        }


@dataclass
class FirstContact:
    overall: ContactFigures = field(default_factory=ContactFigures)
    by_rep: dict = field(default_factory=dict)  # username -> ContactFigures
    by_source: dict = field(default_factory=dict)  # channel -> ContactFigures

    def as_json(self):
        return {
            **self.overall.as_json(),
            "by_rep": {rep: figures.as_json() for rep, figures in self.by_rep.items()},
            "by_source": {source: figures.as_json() for source, figures in self.by_source.items()},
        }


def percentile(values, share):
    """Return the nearest-rank percentile of sorted ``values`` (the smallest value with ``share`` at or below)."""
    return values[max(math.ceil(share * len(values)), 1) - 1]


def summarise(samples):
    """Return the ContactFigures of (working minutes or None, within the service level) samples."""
    minutes = sorted(m for m, _ in samples if m is not None)
    n = len(samples)
    return ContactFigures(
        handed_off=n,
        contacted=len(minutes),
        median_minutes=round(statistics.median(minutes), 1) if minutes else None,
        p90_minutes=round(percentile(minutes, 0.9), 1) if minutes else None,
        within_rates={limit: share_of(sum(m <= limit for m in minutes), n) for limit in WITHIN_MINUTES},
        within_sla_rate=share_of(sum(in_sla for _, in_sla in samples), n),
        not_contacted_rate=share_of(n - len(minutes), n),
    )


def first_contact_rows(week):
    """Return the week's hand-offs that sales must contact, each with its owner's first contact (one query)."""
    at = contact_time_field()
    first = (
        Activity.objects.filter(
            lead=OuterRef("lead"),
            user=OuterRef("assigned_to"),
            kind__in=Activity.CONTACT_KINDS,
            **{f"{at}__gte": OuterRef("created_at")},
        )
        .order_by(at)
        .values(at)[:1]
    )
    return (
        Handoff.objects.filter(in_week("created_at", week))
        .exclude(outcome=Handoff.Outcome.REJECTED)
        .annotate(contact_at=Subquery(first))
        .values("created_at", "contact_at", "first_contact_deadline", "assigned_to__username", "lead__source")
        .order_by()
    )


def first_contact_figures(week, level):
    """Return the speed-to-lead figures of the hand-offs created in ``week``, overall, by rep and by source."""
    calendar = level.calendar()
    overall, by_rep, by_source = [], defaultdict(list), defaultdict(list)
    for row in first_contact_rows(week):
        contact, deadline = row["contact_at"], row["first_contact_deadline"]
        minutes = None if contact is None else calendar.working_seconds_between(row["created_at"], contact) / 60
        sample = (minutes, contact is not None and (deadline is None or contact <= deadline))
        overall.append(sample)
        by_rep[row["assigned_to__username"] or UNASSIGNED].append(sample)
        by_source[row["lead__source"]].append(sample)
    return FirstContact(
        overall=summarise(overall),
        by_rep={rep: summarise(samples) for rep, samples in sorted(by_rep.items())},
        by_source={
            source: summarise(samples)
            for source, samples in sorted(by_source.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        },
    )

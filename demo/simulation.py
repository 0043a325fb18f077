"""Demo data: weeks of marketing and sales work, replayed through the real services.

A small discrete-event simulation: visits arrive over the weeks, and each event
(a capture, a hand-off, an answer, a call, a move along the pipeline) schedules the
next ones for later. Events run in time order through the services with backdated
times (``occurred_at`` / ``at``), so every rule and every history row is the one the
application itself writes, and the state each event sees (reps' loads, pending
hand-offs) is the state at that moment. Events that would happen after ``now`` do not
happen: the data ends at the present, with hand-offs still pending and deals still open.

Only ``random.Random(seed)`` decides anything, so a seed and a ``now`` give the same data.
"""

import datetime
import heapq
import itertools
import random

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign
from demo.archive import archive_write
from demo.base import (
    BATCH,
    HOUR,
    VISIT_HOURS,
    S,
    Summary,
    handoffs_made_by_the_caller,
)
from demo.pipeline import PipelineMixin
from demo.visits import VisitsMixin
from demo.world import WorldMixin
from handoffs.models import Handoff
from leads.models import Lead


class Simulation(WorldMixin, VisitsMixin, PipelineMixin):
    def __init__(self, *, leads, weeks, seed, now):
        self.rng = random.Random(seed)
        self.leads_wanted = leads
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localdate(now, self.tz)
        self.first_day = self.today - datetime.timedelta(weeks=weeks)
        self.span = (self.today - self.first_day).days
        self.days = [self.first_day + datetime.timedelta(days=n) for n in range(self.span)]
        self.queue = []
        self.seq = itertools.count()
        self.emails = set()
        self.summary = Summary()
        self.on_leave = set()
        self.states = {}

    # --- the clock ---------------------------------------------------------------

    def at(self, when, action, *args):
        """Plan an action; what would happen after now does not happen."""
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.seq), action, args))

    def moment(self, day, hours=VISIT_HOURS):
        hour = self.rng.choices(range(24), weights=hours)[0]
        clock = datetime.time(hour, self.rng.randrange(60), self.rng.randrange(60))
        return datetime.datetime.combine(day, clock, tzinfo=self.tz)

    def working(self, when):
        """Return the time, moved into the team's working hours (a little after they open) when outside them."""
        if self.calendar.is_working(when):
            return when
        opens = self.calendar.add_working(when, 1) - datetime.timedelta(seconds=1)
        return self.calendar.add_working(opens, 60 * self.rng.randrange(150))

    def soon(self, when, low_minutes, high_minutes):
        """Return a moment some working minutes after ``when`` (moved into working hours first)."""
        return self.calendar.add_working(self.working(when), 60 * self.rng.uniform(low_minutes, high_minutes))

    def later(self, when, low_hours, high_hours):
        return self.working(when + HOUR * self.rng.uniform(low_hours, high_hours))

    def run(self):
        self.team()
        self.shared_config()
        self.make_campaigns()
        self.make_forms()
        self.plan_visits()
        self.plan_leave()
        while self.queue:
            with transaction.atomic():
                for _ in range(BATCH):
                    if not self.queue:
                        break
                    when, _, action, args = heapq.heappop(self.queue)
                    action(when, *args)
        return self.summary

    # --- people, rules, campaigns -----------------------------------------------------


def seed_demo(*, leads=5000, weeks=12, seed=42, now=None):
    """Fill an empty database with weeks of demo work ending at ``now``; return a summary."""
    simulation = Simulation(leads=leads, weeks=weeks, seed=seed, now=now or timezone.now())
    with handoffs_made_by_the_caller():
        summary = simulation.run()
    summary.counts.update(
        archive_write(first_day=simulation.first_day, now=simulation.now, managers=simulation.managers)
    )
    summary.counts.update(
        leads=Lead.objects.count(),
        campaigns=Campaign.objects.count(),
        won=Lead.objects.filter(status=S.WON).count(),
        pending=Handoff.objects.filter(outcome=Handoff.Outcome.PENDING).count(),
    )
    return summary

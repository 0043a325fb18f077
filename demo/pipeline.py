"""What happens to a captured lead: review, hand-off, answer, activities, pipeline moves, leave."""

import datetime
import math
from decimal import Decimal

from demo import data
from demo.base import (
    ACCEPT_RATE,
    DAY,
    HOUR,
    LOST_REASONS,
    REJECT_REASONS,
    SQL_RATE,
    WIN_RATE,
    S,
)
from handoffs.models import Handoff, SalesRep
from handoffs.services import handoff_accept, handoff_assign, handoff_create, handoff_reject, rep_loads
from leads.models import Activity, Lead
from leads.services import activity_log, lead_transition, task_complete


class PipelineMixin:
    """The events of a lead after its capture; every write goes through the services."""

    def marketer(self):
        return self.rng.choice(self.marketers) if self.marketers else None

    def plan_marketing_review(self, when, state):
        x = self.rng.random()
        if x < 0.015:
            self.at(self.later(when, 1, 30), self.disqualify_new, state, state.gen)
        elif x < 0.06 and state.lead.fit != Lead.Fit.POOR:
            self.at(self.later(when, 2, 72), self.hand_off_by_hand, state, state.gen, S.NEW)

    def disqualify_new(self, when, state, gen):
        if state.gen == gen and state.status == S.NEW:
            note = self.rng.choice(["Test entry from our agency.", "Spam sign-up.", "Job applicant, not a buyer."])
            lead_transition(lead=state.lead, to_status=S.DISQUALIFIED, actor=self.marketer(), note=note, at=when)
            state.status = S.DISQUALIFIED

    def hand_off_by_hand(self, when, state, gen, expected):
        if state.gen == gen and state.status == expected:
            self.hand_off(when, state, self.marketer(), self.rng.choice(data.CONTEXT_NOTES))

    def recycle_lost(self, when, state, gen):
        if state.gen == gen and state.status == S.LOST:
            lead_transition(
                lead=state.lead, to_status=S.RECYCLED, actor=self.marketer(), note="Back to nurture.", at=when
            )
            state.status = S.RECYCLED
            self.plan_retry(when, state)

    def plan_retry(self, when, state):
        if self.rng.random() < 0.3:
            self.at(self.later(when, 14 * 24, 40 * 24), self.hand_off_by_hand, state, state.gen, S.RECYCLED)

    # --- hand-offs -------------------------------------------------------------------

    def hand_off(self, when, state, actor, note):
        state.handoff = handoff_create(
            lead=state.lead,
            actor=actor,
            context_note=note,
            at=when,
            notify=False,  # history, not news
        )
        state.status, state.gen = S.MQL, state.gen + 1
        self.summary.counts["handoffs"] += 1
        if state.handoff.assigned_to is None:
            self.at(self.later(when, 1, 6), self.manager_assigns, state, state.gen)
        else:
            self.plan_answer(when, state, state.handoff.assigned_to)

    def plan_answer(self, when, state, rep):
        x = self.rng.random()
        if x < 0.3:
            # The alert reached a rep at their desk: answered within minutes.
            self.at(self.soon(when, 0.5, 4), self.answer, state, state.gen, rep)
        elif x < 0.8:
            self.at(self.later(when, 0.5, 20), self.answer, state, state.gen, rep)
        elif x < 0.94:
            self.at(self.later(when, 24, 60), self.answer, state, state.gen, rep)
        else:
            # Nobody answers; after a few days a manager gives it to someone else.
            self.at(self.later(when, 72, 120), self.manager_assigns, state, state.gen)

    def available_reps(self, besides=None):
        return [rep for rep in self.reps if rep.pk not in self.on_leave and rep != besides] or self.reps

    def manager_assigns(self, when, state, gen, tries=0):
        if state.gen != gen or state.status != S.MQL or not self.reps:
            return
        # A manager looks at the capacity figures and picks the rep with the most room; when
        # everyone is full the hand-off waits unassigned a while (over capacity) before being forced.
        reps = self.available_reps(besides=state.handoff.assigned_to)
        loads = rep_loads([rep.pk for rep in reps])
        room = {rep.pk: self.rep_capacity[rep.pk] - loads[rep.pk] for rep in reps}
        rep = max(reps, key=lambda rep: room[rep.pk])  # the first in name order on a tie
        if room[rep.pk] <= 0 and tries < 3:
            self.at(self.later(when, 4, 12), self.manager_assigns, state, gen, tries + 1)
            return
        manager = self.managers[0] if self.managers else None
        state.handoff = handoff_assign(handoff=state.handoff, actor=manager, assignee=rep, at=when, notify=False)
        self.summary.counts["reassigned"] += 1
        self.at(self.later(when, 0.5, 12), self.answer, state, gen, rep)

    def answer(self, when, state, gen, rep):
        if state.gen != gen or state.status != S.MQL:
            return
        fit = state.lead.fit
        if self.rng.random() < ACCEPT_RATE[fit]:
            state.handoff = handoff_accept(handoff=state.handoff, actor=rep, at=when)
            state.status, state.owner = S.SAL, rep
            self.plan_work(when, state)
            return
        column = 0 if fit == Lead.Fit.POOR else 1
        reasons = list(REJECT_REASONS)
        reason = self.rng.choices(reasons, weights=[REJECT_REASONS[r][column] for r in reasons])[0]
        profile = state.person["profile"]
        feedback = self.rng.choice(data.FEEDBACK[reason]).format(
            company=profile["company"], title=profile["title"] or "The contact", country=profile["country"]
        )
        state.handoff = handoff_reject(handoff=state.handoff, actor=rep, reason=reason, feedback=feedback, at=when)
        if reason == Handoff.RejectReason.NOT_READY:
            state.status = S.RECYCLED
            self.plan_retry(when, state)
        else:
            state.status = S.DISQUALIFIED

    # --- sales work -------------------------------------------------------------------

    def plan_work(self, when, state):
        # Speed to lead as teams live it: many call straight after accepting, a long tail days
        # later, a few never (the response-time studies: an average near 42 h, a quarter never).
        x = self.rng.random()
        if x < 0.35:
            contact = self.soon(when, 0.5, 3)
        elif x < 0.6:
            contact = self.soon(when, 10, 240)
        elif x < 0.85:
            contact = self.later(when, 4, 40)
        elif x < 0.96:
            contact = self.later(when, 50, 160)
        else:
            contact = None  # never called: a first-contact breach
        if contact is not None:
            kind = self.rng.choices(Activity.CONTACT_KINDS, weights=[50, 35, 15])[0]
            self.at(contact, self.log, state, state.gen, kind)
        decision = self.later(when, 2 * 24, 12 * 24)
        self.plan_activities(contact or when, decision, state, k=self.rng.randint(0, 3))
        self.at(decision, self.decide_sal, state, state.gen)

    def plan_activities(self, start, end, state, k):
        for _ in range(k):
            when = self.working(start + (end - start) * self.rng.random())
            kind = self.rng.choices(list(Activity.Kind), weights=[25, 30, 15, 15, 15])[0]
            self.at(when, self.log, state, state.gen, kind)

    def log(self, when, state, gen, kind):
        if state.gen != gen or state.status not in (S.SAL, S.SQL):
            return
        rng, owner = self.rng, state.owner
        if kind == Activity.Kind.TASK:
            due = self.working(when + DAY * rng.uniform(1, 5))
            task = activity_log(
                lead=state.lead,
                actor=owner,
                kind=kind,
                subject=rng.choice(data.TASKS),
                occurred_at=when,
                at=when,
                due_at=due,
            )
            done = due - HOUR * rng.uniform(0, 20)
            if rng.random() < 0.75 and when < done <= self.now:
                task_complete(task=task, actor=owner, at=done)
        elif kind == Activity.Kind.NOTE:
            activity_log(
                lead=state.lead, actor=owner, kind=kind, body=rng.choice(data.NOTES), occurred_at=when, at=when
            )
        else:
            subject = rng.choice(data.CONTACT_SUBJECTS[kind])
            activity_log(lead=state.lead, actor=owner, kind=kind, subject=subject, occurred_at=when, at=when)
        self.summary.counts["activities"] += 1

    def move(self, when, state, to_status, note, **extra):
        lead_transition(lead=state.lead, to_status=to_status, actor=state.owner, note=note, at=when, **extra)
        state.status = to_status

    def decide_sal(self, when, state, gen):
        if state.gen != gen or state.status != S.SAL:
            return
        rest = 1 - SQL_RATE[state.lead.fit]
        outcomes = [S.SQL, S.RECYCLED, S.DISQUALIFIED, S.LOST]
        to_status = self.rng.choices(outcomes, weights=[SQL_RATE[state.lead.fit], rest * 0.4, rest * 0.3, rest * 0.3])[
            0
        ]
        if to_status == S.SQL:
            self.move(when, state, S.SQL, "Qualified: budget, need and timeline confirmed.")
            close = self.later(when, 5 * 24, 28 * 24)
            self.plan_activities(when, close, state, k=self.rng.randint(1, 4))
            self.at(close, self.close, state, gen)
        elif to_status == S.RECYCLED:
            self.move(when, state, S.RECYCLED, "Not now; back to marketing for nurture.")
            self.plan_retry(when, state)
        elif to_status == S.DISQUALIFIED:
            self.move(when, state, S.DISQUALIFIED, "No project after all.")
        else:
            self.lose(when, state)

    def close(self, when, state, gen):
        if state.gen != gen or state.status != S.SQL:
            return
        if self.rng.random() < WIN_RATE[state.lead.fit]:
            self.move(when, state, S.WON, "Signed.", deal_value=self.deal_value(state))
        else:
            self.lose(when, state)

    def lose(self, when, state):
        reasons = list(LOST_REASONS)
        reason = self.rng.choices(reasons, weights=list(LOST_REASONS.values()))[0]
        self.move(when, state, S.LOST, f"Lost: {Lead.LostReason(reason).label.lower()}.", lost_reason=reason)
        if self.rng.random() < 0.2:
            self.at(self.later(when, 20 * 24, 45 * 24), self.recycle_lost, state, state.gen)

    def deal_value(self, state):
        size = state.person["profile"]["company_size"] or 20
        low, high = (2_000, 12_000) if size < 50 else (8_000, 40_000) if size < 500 else (25_000, 120_000)
        if size > 5000:
            low, high = 60_000, 250_000
        return Decimal(round(math.exp(self.rng.uniform(math.log(low), math.log(high))), -2))

    # --- the team's calendar -------------------------------------------------------------

    def plan_leave(self):
        if len(self.reps) < 3:
            return
        rep = self.reps[1]
        start = datetime.datetime.combine(self.day_at(0.55), datetime.time(8), tzinfo=self.tz)
        self.at(start, self.set_accepting, rep, False)
        self.at(start + 7 * DAY, self.set_accepting, rep, True)

    def set_accepting(self, when, rep, accepting):
        SalesRep.objects.filter(user=rep).update(accepting=accepting)
        (self.on_leave.discard if accepting else self.on_leave.add)(rep.pk)

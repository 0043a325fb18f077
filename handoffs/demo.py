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
import math
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from campaigns.models import Campaign, Spend, Variant
from crm.roles import MANAGERS, MARKETING, SALES
from handoffs import demo_data as data
from handoffs import receivers
from handoffs.models import Handoff, SalesRep, ServiceLevel
from handoffs.services import handoff_accept, handoff_assign, handoff_create, handoff_reject, rep_loads
from leads import scoring
from leads.capture import capture_form_create
from leads.models import Activity, CaptureForm, IdealCustomerProfile, Lead, ScoringRule, Touchpoint
from leads.services import activity_log, lead_capture, lead_transition, task_complete
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


class Simulation:
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
        """Return the time, moved to the next working hours (Mon–Fri 8–18) when outside them."""
        local = timezone.localtime(when, self.tz)
        day = local.date()
        if local.weekday() < 5 and 8 <= local.hour < 18:
            return when
        if local.hour >= 18 or local.weekday() >= 5:
            day += DAY
        while day.weekday() >= 5:
            day += DAY
        start = datetime.datetime.combine(day, datetime.time(8), tzinfo=self.tz)
        return start + datetime.timedelta(minutes=self.rng.randrange(150))

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

    def team(self):
        logins = StringIO()
        call_command("create_demo_users", stdout=logins)
        self.summary.logins = logins.getvalue()
        User = get_user_model()
        for role, size in data.TEAM_SIZE.items():
            group = Group.objects.get(name=role)
            missing = size - User.objects.filter(groups=group, is_active=True).count()
            for username, first, last, _ in [u for u in data.EXTRA_USERS if u[3] == role][: max(missing, 0)]:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
                )
                if created:
                    # Colleagues in the data, not logins: only the demo users have a password.
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                user.groups.add(group)

        def members(role):
            return list(User.objects.filter(groups__name=role, is_active=True).order_by("username"))

        self.marketers, self.reps, self.managers = members(MARKETING), members(SALES), members(MANAGERS)

    def shared_config(self):
        profile = IdealCustomerProfile.current()
        for name, value in data.ICP.items():
            setattr(profile, name, value)
        profile.save()
        if not ScoringRule.objects.exists():
            ScoringRule.objects.bulk_create(
                ScoringRule(name=name, field=f, operator=op, value=value, points=points)
                for name, f, op, value, points in data.SCORING_RULES
            )
        self.config = scoring.ScoringConfig.load()
        per_week = self.leads_wanted / max(self.span / 7, 1)
        level = ServiceLevel.current()
        level.hours_to_accept, level.hours_to_first_contact = 24, 48
        level.weekly_mql_target = max(5, round(per_week * 0.3 / 5) * 5)
        # Open leads stay a few weeks: size seats so that busy weeks, not every week, overflow.
        level.default_rep_capacity = max(6, math.ceil(per_week * 0.7 / max(len(self.reps), 1)))
        level.save()
        self.rep_capacity = {}
        for n, rep in enumerate(self.reps):
            part_time = n == len(self.reps) - 1 and len(self.reps) > 2
            capacity = math.ceil(level.default_rep_capacity * 0.6) if part_time else None
            SalesRep.objects.update_or_create(
                user=rep, defaults={"accepting": True, "capacity": capacity, "last_assigned_at": None}
            )
            self.rep_capacity[rep.pk] = capacity or level.default_rep_capacity

    def day_at(self, fraction):
        return self.first_day + datetime.timedelta(days=round(fraction * self.span))

    def make_campaigns(self):
        self.running = []
        spend = []
        for n, spec in enumerate(data.CAMPAIGNS):
            start = self.day_at(spec.starts)
            end = self.day_at(spec.ends) if spec.ends is not None else None
            paused = self.day_at(spec.paused_at) if spec.paused_at is not None else None
            if start > self.today:
                status = Campaign.Status.PLANNED
            elif end is not None and end < self.today:
                status = Campaign.Status.COMPLETED
            elif paused is not None and paused <= self.today:
                status = Campaign.Status.PAUSED
            else:
                status = Campaign.Status.ACTIVE
            slug = slugify(spec.name)
            planned_days = ((end or start + datetime.timedelta(weeks=26)) - start).days + 1
            planned = {"daily": spec.cost * planned_days, "weekly": spec.cost * math.ceil(planned_days / 7)}
            budget = math.ceil(planned.get(spec.spend, spec.cost) * 1.1 / 1000) * 1000
            campaign = Campaign.objects.create(
                name=spec.name,
                slug=slug,
                channel=spec.channel,
                objective=spec.objective,
                status=status,
                start_date=start,
                end_date=end,
                budget=Decimal(budget),
                owner=self.marketers[n % len(self.marketers)] if self.marketers else None,
                audience_notes="Mid-market revenue teams in our core markets.",
                utm_campaign=slug.replace("-", "_"),
            )
            variants = [
                Variant.objects.create(
                    campaign=campaign, name=name, utm_content=f"{slug[:40]}-{name.lower()}", description=text
                )
                for name, text in (("A", "Pain-led headline"), ("B", "Proof-led headline with a customer quote"))
            ]
            # Spend and visits only within the seeded days, until it ends or is paused.
            first = max(start, self.first_day)
            last = min(d for d in (end, paused and paused - DAY, self.today - DAY) if d is not None)
            for day in (first + datetime.timedelta(days=k) for k in range(max((last - first).days + 1, 0))):
                if spec.spend == "daily" or (spec.spend == "weekly" and (day.weekday() == 0 or day == first)):
                    amount = Decimal(spec.cost * self.rng.uniform(0.75, 1.25)).quantize(Decimal("0.01"))
                    spend.append(Spend(campaign=campaign, date=day, amount=amount))
            if spec.spend == "once" and self.first_day <= start < self.today:
                spend.append(Spend(campaign=campaign, date=start, amount=Decimal(spec.cost), note="Flat fee"))
            if first <= last and spec.traffic > 0:
                self.running.append((campaign, spec, variants, first, last))
        Spend.objects.bulk_create(spend)

    def make_forms(self):
        """Create the website's capture forms (once); each visit posts through the form of its page."""
        self.form_of_page = {}
        # They were on the website before the first visit of the history.
        since = datetime.datetime.combine(self.first_day, datetime.time(8), tzinfo=self.tz)
        for name, pages in data.CAPTURE_FORMS:
            form = CaptureForm.objects.filter(name=name).first()
            if form is None:
                form = capture_form_create(
                    actor=self.marketers[0] if self.marketers else None, name=name, allowed_origins=data.SITE_ORIGIN
                )
                CaptureForm.objects.filter(pk=form.pk).update(created_at=since)
            for page in pages or data.PAGES:
                self.form_of_page.setdefault(page, form)

    def sources_on(self, day):
        """Return the campaigns drawing visits on the day (None for direct) and their weights."""
        options, weights = [None], [data.DIRECT_TRAFFIC]
        for entry in self.running:
            if entry[3] <= day <= entry[4]:
                options.append(entry)
                weights.append(entry[1].traffic)
        return options, weights

    # --- visits -----------------------------------------------------------------

    def plan_visits(self):
        # Fewer visits at weekends, and a business that grows over the weeks.
        weights = [(0.3 if day.weekday() >= 5 else 1.0) * (1 + 0.3 * n / self.span) for n, day in enumerate(self.days)]
        picks = sorted(self.rng.choices(range(len(self.days)), weights=weights, k=self.leads_wanted))
        visits = sorted((self.moment(self.days[n]), n) for n in picks)
        for when, n in visits:
            source = self.pick_source(self.days[n])
            person = self.person(source[1].quality if source else 0.45)
            self.at(when, self.visit, person, source, False)

    def pick_source(self, day):
        options, weights = self.sources_on(day)
        return self.rng.choices(options, weights=weights)[0]

    def person(self, quality):
        rng = self.rng
        country = (
            rng.choice(data.ICP_COUNTRIES) if rng.random() < 0.55 + 0.25 * quality else rng.choice(data.OTHER_COUNTRIES)
        )
        x = rng.random()
        if x < 0.35 + 0.35 * quality:
            size = round(math.exp(rng.uniform(math.log(50), math.log(5000))))
        elif x < 0.85 + 0.1 * quality:
            size = rng.randint(2, 49)
        else:
            size = rng.randint(5001, 40000)
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        stem, kind = rng.choice(data.COMPANY_STEMS), rng.choice(data.COMPANY_KINDS)
        company = f"{stem} {kind} {data.LEGAL_FORMS.get(country, '')}".strip()
        if rng.random() < 0.12 - 0.08 * quality:
            domain = rng.choice(data.PERSONAL_DOMAINS)
        else:
            domain = f"{slugify(stem + kind)}.{data.TLDS.get(country, 'com')}"
        local = f"{slugify(first)}.{slugify(last).replace('-', '')}"
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        profile = {
            "first_name": first,
            "last_name": last,
            "company": company,
            "country": country,
            "industry": rng.choice(data.ICP_INDUSTRIES)
            if rng.random() < 0.3 + 0.45 * quality
            else rng.choice(data.OTHER_INDUSTRIES),
            "company_size": size,
            "title": rng.choice(data.SENIOR_TITLES)
            if rng.random() < 0.2 + 0.35 * quality
            else rng.choice(data.OTHER_TITLES),
            "phone": f"+{rng.randint(30, 49)} {rng.randint(100, 999)} {rng.randint(100000, 9999999)}"
            if rng.random() < 0.35 + 0.25 * quality
            else "",
        }
        # Forms leave some fields out; a later visit may fill them in.
        later = [name for name, p in (("industry", 0.08), ("company_size", 0.12), ("phone", 0.1)) if rng.random() < p]
        typed = email.upper() if rng.random() < 0.03 else email
        return {"email": typed, "profile": profile, "later": later}

    def utm(self, source):
        if source is None:
            return {"page_url": f"{data.SITE_ORIGIN}{self.rng.choice(data.PAGES)}"}
        campaign, spec, variants, _, _ = source
        utm_source, utm_medium = self.rng.choice(spec.utm)
        fields = {
            "utm_source": utm_source,
            "utm_medium": utm_medium,
            "utm_campaign": campaign.utm_campaign,
            "utm_content": self.rng.choice(variants).utm_content,
            "page_url": f"{data.SITE_ORIGIN}{self.rng.choice(data.PAGES)}",
        }
        if spec.terms:
            fields["utm_term"] = self.rng.choice(spec.terms)
        return fields

    def visit(self, when, person, source, repeat):
        fields = {"email": person["email"], **self.utm(source)}
        if not repeat:
            fields.update({k: v for k, v in person["profile"].items() if k not in person["later"]})
        elif person["later"] and self.rng.random() < 0.6:
            fields.update({k: person["profile"][k] for k in person["later"]})
        form = self.form_of_page[fields["page_url"].removeprefix(data.SITE_ORIGIN)]
        result = lead_capture(
            data=fields, kind=Touchpoint.Kind.FORM, form=form, occurred_at=when, config=self.config, campaign=None
        )
        self.summary.counts["visits"] += 1
        state = self.states.get(result.lead.pk)
        if state is None:
            state = self.states[result.lead.pk] = LeadState(lead=result.lead, person=person)
        state.lead, state.status = result.lead, result.lead.status
        if result.became_mql:
            score, fit = result.lead.score, result.lead.get_fit_display().lower()
            self.hand_off(when, state, None, f"Score {score}, fit {fit}.")
        elif result.created and state.status == S.NEW:
            self.plan_marketing_review(when, state)
        if not repeat and self.rng.random() < 0.22:
            for _ in range(self.rng.choice((1, 1, 1, 2, 2, 3))):
                back = when + DAY * self.rng.uniform(1, 40)
                day = timezone.localdate(back, self.tz)
                if day < self.today:
                    self.at(back, self.visit, person, self.pick_source(day), True)

    # --- marketing ------------------------------------------------------------------

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
        if x < 0.8:
            self.at(self.later(when, 0.2, 20), self.answer, state, state.gen, rep)
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
        x = self.rng.random()
        if x < 0.85:
            contact = self.later(when, 0.5, 40)
        elif x < 0.97:
            contact = self.later(when, 50, 120)
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
                lead=state.lead, actor=owner, kind=kind, subject=rng.choice(data.TASKS), occurred_at=when, due_at=due
            )
            done = due - HOUR * rng.uniform(0, 20)
            if rng.random() < 0.75 and when < done <= self.now:
                task_complete(task=task, actor=owner, at=done)
        elif kind == Activity.Kind.NOTE:
            activity_log(lead=state.lead, actor=owner, kind=kind, body=rng.choice(data.NOTES), occurred_at=when)
        else:
            subject = rng.choice(data.CONTACT_SUBJECTS[kind])
            activity_log(lead=state.lead, actor=owner, kind=kind, subject=subject, occurred_at=when)
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
            close = self.later(when, 7 * 24, 30 * 24)
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


def seed_demo(*, leads=5000, weeks=12, seed=42, now=None):
    """Fill an empty database with weeks of demo work ending at ``now``; return a summary."""
    simulation = Simulation(leads=leads, weeks=weeks, seed=seed, now=now or timezone.now())
    with handoffs_made_by_the_caller():
        summary = simulation.run()
    summary.counts.update(
        leads=Lead.objects.count(),
        campaigns=Campaign.objects.count(),
        won=Lead.objects.filter(status=S.WON).count(),
        pending=Handoff.objects.filter(outcome=Handoff.Outcome.PENDING).count(),
    )
    return summary

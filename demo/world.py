"""The demo's world: its team, its shared configuration, its campaigns and capture forms."""

import datetime
import math
from decimal import Decimal
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils.text import slugify

from campaigns.models import Campaign, Spend, Variant
from crm.roles import MANAGERS, MARKETING, SALES
from demo import data
from demo.base import (
    DAY,
)
from handoffs.models import Holiday, SalesRep, ServiceLevel
from leads import scoring
from leads.capture import capture_form_create
from leads.models import CaptureForm, IdealCustomerProfile, ScoringRule


class WorldMixin:
    """The team, the shared configuration, the campaigns and the forms, made before the first visit."""

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
        level.hours_to_accept, level.hours_to_first_contact = data.HOURS_TO_ACCEPT, data.HOURS_TO_FIRST_CONTACT
        # Working hours: Monday to Friday, 09:00 to 17:00 in TIME_ZONE, and the holidays of the span.
        level.time_zone, level.working_days = "", "12345"
        level.day_starts_at, level.day_ends_at = datetime.time(9), datetime.time(17)
        level.alerts_outside_working_hours = False
        level.weekly_mql_target = max(5, round(per_week * 0.3 / 5) * 5)
        # Open leads stay a few weeks: size seats so that busy weeks, not every week, overflow.
        level.default_rep_capacity = max(6, math.ceil(per_week * 0.7 / max(len(self.reps), 1)))
        level.save()
        for year in range(self.first_day.year, self.today.year + 2):
            for (month, day), name in data.HOLIDAYS:
                Holiday.objects.get_or_create(date=datetime.date(year, month, day), defaults={"name": name})
        self.calendar = level.calendar()
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

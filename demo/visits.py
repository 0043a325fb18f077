"""Visits to the website and the captures they make: sources, people, UTM tags."""

import math

from django.utils import timezone
from django.utils.text import slugify

from demo import data
from demo.base import DAY, LeadState, S
from leads.models import Touchpoint
from leads.services import lead_capture


class VisitsMixin:
    """Website visits over the weeks, each a capture through the public form service."""

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

"""What became of a campaign's leads: the figures marketing reads about one campaign.

Why here: these figures join campaigns, leads and hand-offs, and only crm may import all
three (campaigns ← leads ← handoffs ← crm). So the layout of the marketers' workspace is:

* ``campaigns/`` — everything about a campaign alone: list, export, create, edit,
  archive, delete, spend and variants (views, forms, services, section templates);
* ``crm/campaign_stats.py`` (this module) — the cross-app reads: the figures of a
  campaign over a date range, its leads per week, the A/B comparison of its variants,
  and the rejected hand-offs that make the feedback loop;
* ``crm/marketing_views.py`` + ``crm/marketing_urls.py`` — the pages that show them: the
  campaign detail page (/campaigns/<slug>/, ``marketing:campaign-detail``, which
  ``Campaign.get_absolute_url`` names), its A/B page and the feedback page. They
  include the campaign sections' templates, whose forms post to campaigns' own views.

The weekly dashboard's per-campaign row (crm/metrics.py) counts what happened *in* a
week; these figures follow a cohort instead: the leads a campaign first touched within
the range, and what became of them since, against the spend dated in the range.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from campaigns.selectors import campaign_spend_total, campaign_variants
from campaigns.stats import ab_verdict
from handoffs.models import Handoff
from leads.models import Lead, StatusChange

CENT = Decimal("0.01")
DEFAULT_WEEKS = 12


def default_range(today=None):
    """Return the default figures range: the last 12 ISO weeks, this one included, up to today."""
    today = today or timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    return this_monday - datetime.timedelta(weeks=DEFAULT_WEEKS - 1), today


def day_bounds(start, end):
    """Return the aware datetimes from the start of ``start`` to the end of ``end`` (exclusive)."""
    tz = timezone.get_current_timezone()
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    upper = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lower, upper


def _ratio(numerator, denominator):
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CampaignFigures:
    start: datetime.date
    end: datetime.date
    leads: int
    mqls: int
    accepted: int
    rejected: int
    wins: int
    revenue: Decimal
    spend: Decimal
    cost_per_lead: Decimal | None
    cost_per_win: Decimal | None
    roi: Decimal | None

    @property
    def acceptance_rate(self):
        answered = self.accepted + self.rejected
        return self.accepted / answered if answered else None


def campaign_cohort(*, campaign, start, end):
    """Return the leads the campaign first touched that were created between the dates."""
    lower, upper = day_bounds(start, end)
    return Lead.objects.filter(first_touch_campaign=campaign, created_at__gte=lower, created_at__lt=upper)


def campaign_figures(*, campaign, start, end):
    """Return the campaign's leads, MQLs, hand-off answers, wins, revenue and costs for the range.

    Leads: first-touch leads created in the range. MQLs: those of them that ever became an
    MQL. Accepted and rejected: their hand-offs by outcome. Wins and revenue: those of
    them won, with their deal values. Spend: entries dated in the range. ROI is
    (revenue − spend) / spend, None when nothing was spent. Three queries.
    """
    cohort = campaign_cohort(campaign=campaign, start=start, end=end).order_by()
    became_mql = StatusChange.objects.filter(lead=OuterRef("pk"), to_status=Lead.Status.MQL)
    leads = cohort.annotate(became_mql=Exists(became_mql)).aggregate(
        leads=Count("pk"),
        mqls=Count("pk", filter=Q(became_mql=True)),
        wins=Count("pk", filter=Q(status=Lead.Status.WON)),
        revenue=Sum("deal_value", filter=Q(status=Lead.Status.WON)),
    )
    handoffs = Handoff.objects.filter(lead__in=cohort.values("pk")).aggregate(
        accepted=Count("pk", filter=Q(outcome=Handoff.Outcome.ACCEPTED)),
        rejected=Count("pk", filter=Q(outcome=Handoff.Outcome.REJECTED)),
    )
    spend = campaign_spend_total(campaign=campaign, start=start, end=end)
    revenue = leads["revenue"] or Decimal("0.00")
    return CampaignFigures(
        start=start,
        end=end,
        leads=leads["leads"],
        mqls=leads["mqls"],
        accepted=handoffs["accepted"],
        rejected=handoffs["rejected"],
        wins=leads["wins"],
        revenue=revenue,
        spend=spend,
        cost_per_lead=_ratio(spend, leads["leads"]),
        cost_per_win=_ratio(spend, leads["wins"]),
        roi=_ratio(revenue - spend, spend),
    )


def campaign_leads_per_week(*, campaign, start, end):
    """Return [(monday, leads)] for every ISO week touching the range, zeros included."""
    tz = timezone.get_current_timezone()
    rows = (
        campaign_cohort(campaign=campaign, start=start, end=end)
        .order_by()
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("pk"))
    )
    counts = {timezone.localtime(row["week"], tz).date(): row["n"] for row in rows}
    monday = start - datetime.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append((monday, counts.get(monday, 0)))
        monday += datetime.timedelta(weeks=1)
    return weeks


# --- A/B comparison -------------------------------------------------------------------


@dataclass(frozen=True)
class VariantFigures:
    variant: object
    leads: int
    accepted: int
    won: int

    @property
    def accept_rate(self):
        return self.accepted / self.leads if self.leads else None

    @property
    def win_rate(self):
        return self.won / self.leads if self.leads else None


@dataclass(frozen=True)
class VariantComparison:
    control: VariantFigures
    challenger: VariantFigures
    accepted: object  # campaigns.stats.Verdict of lead → accepted
    won: object  # campaigns.stats.Verdict of lead → won

    @property
    def verdicts(self):
        return [("Lead → accepted", self.accepted), ("Lead → won", self.won)]


@dataclass(frozen=True)
class ABComparison:
    variants: list
    comparisons: list


def variant_figures(*, campaign, start=None, end=None):
    """Return each variant's leads, accepted and won leads, in one query.

    A lead counts for a variant when it has a touchpoint with that variant (within the
    range, when one is given), so a lead that saw both counts for both. Accepted: it
    has an accepted hand-off; won: it is won.
    """
    touched = Q()
    if start is not None and end is not None:
        lower, upper = day_bounds(start, end)
        touched = Q(touchpoints__occurred_at__gte=lower, touchpoints__occurred_at__lt=upper)
    lead = "touchpoints__lead"
    rows = campaign_variants(campaign=campaign).annotate(
        n_leads=Count(lead, distinct=True, filter=touched),
        n_accepted=Count(
            lead, distinct=True, filter=touched & Q(touchpoints__lead__handoffs__outcome=Handoff.Outcome.ACCEPTED)
        ),
        n_won=Count(lead, distinct=True, filter=touched & Q(touchpoints__lead__status=Lead.Status.WON)),
    )
    return [VariantFigures(variant=v, leads=v.n_leads, accepted=v.n_accepted, won=v.n_won) for v in rows]


def variant_comparison(*, campaign, start=None, end=None):
    """Return the variants side by side, each compared with the first (the control) by z-test."""
    rows = variant_figures(campaign=campaign, start=start, end=end)
    comparisons = []
    if rows:
        control = rows[0]
        for challenger in rows[1:]:
            common = {
                "name_a": control.variant.name,
                "n_a": control.leads,
                "name_b": challenger.variant.name,
                "n_b": challenger.leads,
            }
            comparisons.append(
                VariantComparison(
                    control=control,
                    challenger=challenger,
                    accepted=ab_verdict(successes_a=control.accepted, successes_b=challenger.accepted, **common),
                    won=ab_verdict(successes_a=control.won, successes_b=challenger.won, **common),
                )
            )
    return ABComparison(variants=rows, comparisons=comparisons)


# --- The feedback loop ----------------------------------------------------------------


def rejected_handoffs():
    """Return rejected hand-offs, newest answer first, with their lead, campaign and rep loaded."""
    return (
        Handoff.objects.filter(outcome=Handoff.Outcome.REJECTED)
        .select_related("lead", "lead__first_touch_campaign", "responded_by", "assigned_to")
        .order_by("-responded_at", "-pk")
    )


def reject_reason_counts(handoffs):
    """Return [(reason, label, count)] of the hand-offs, every reason listed, zeros included."""
    counts = dict(handoffs.order_by().values_list("reject_reason").annotate(n=Count("pk")))
    return [(reason.value, reason.label, counts.get(reason.value, 0)) for reason in Handoff.RejectReason]

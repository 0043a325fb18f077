"""The marketers' pages that read across apps: a campaign's figures, its A/B test, feedback.

They live in crm because they read leads and hand-offs (see crm/campaign_stats.py for
the layout). The campaign page includes the spend and variant sections of the campaigns
app, whose forms post to campaigns' own views; everything here only reads.
"""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch
from django.utils import timezone

from alignment import campaign_stats
from alignment.marketing_filters import FeedbackFilter
from campaigns.forms import DateRangeForm
from campaigns.models import Campaign
from campaigns.sections import spend_section, variants_section
from campaigns.selectors import outside_references
from crm.roles import Perm, perm_required

FEEDBACK_PAGE_SIZE = 25


def _range_data(request):
    # Unbound without a date in the query, so the picker shows the default range it stands for.
    return request.GET if {"date_from", "date_to"} & set(request.GET) else None


@perm_required(Perm.READ)
def campaign_detail(request, slug):
    """Show a campaign, its figures for a date range, its leads per week, spend and variants."""
    campaign = get_object_or_404(Campaign.objects.select_related("owner"), slug=slug)
    default_from, default_to = campaign_stats.default_range()
    range_form = DateRangeForm(_range_data(request), default_from=default_from, default_to=default_to)
    start, end = range_form.range()
    weeks = campaign_stats.campaign_leads_per_week(campaign=campaign, start=start, end=end)
    context = {
        "campaign": campaign,
        "range_form": range_form,
        "figures": campaign_stats.campaign_figures(campaign=campaign, start=start, end=end),
        "chart": {
            "labels": [f"{monday:%d %b %Y}" for monday, _ in weeks],
            "series": [{"label": "New leads", "data": [count for _, count in weeks]}],
        },
        "references": outside_references(campaign),
        **variants_section(campaign=campaign),
        **spend_section(campaign=campaign, page=request.GET.get("page") or 1),
    }
    return render(request, "alignment/campaign_detail.html", context)


@perm_required(Perm.READ)
def campaign_ab(request, slug):
    """Compare the campaign's variants side by side, with a z-test for each against the first."""
    campaign = get_object_or_404(Campaign, slug=slug)
    today = timezone.localdate()
    range_form = DateRangeForm(
        _range_data(request), default_from=min(campaign.start_date, today), default_to=max(campaign.start_date, today)
    )
    start, end = range_form.range()
    comparison = campaign_stats.variant_comparison(campaign=campaign, start=start, end=end)
    return render(
        request,
        "alignment/campaign_ab.html",
        {"campaign": campaign, "range_form": range_form, "comparison": comparison, "start": start, "end": end},
    )


def _lead_url(lead):
    # The lead pages are another team's; until their URL exists a lead is shown without a link.
    try:
        return lead.get_absolute_url()
    except NoReverseMatch:
        return None


@perm_required(Perm.READ)
def feedback(request):
    """List rejected hand-offs with sales' reasons and feedback, and counts per reason."""
    feedback_filter = FeedbackFilter(request.GET, queryset=campaign_stats.rejected_handoffs(), request=request)
    handoffs = feedback_filter.qs
    page = Paginator(handoffs, FEEDBACK_PAGE_SIZE).get_page(request.GET.get("page"))
    for handoff in page.object_list:
        handoff.lead_url = _lead_url(handoff.lead)
    reasons = campaign_stats.reject_reason_counts(handoffs)
    return render(
        request,
        "alignment/handoff_feedback.html",
        {
            "filter": feedback_filter,
            "page": page,
            "reasons": reasons,
            "total": sum(count for _, _, count in reasons),
            "chart": {
                "labels": [label for _, label, _ in reasons],
                "series": [{"label": "Rejected hand-offs", "data": [count for _, _, count in reasons]}],
            },
        },
    )

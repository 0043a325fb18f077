"""Campaign pages: the list and its export, create, edit, archive, delete, and variants.

The detail page with the campaign's figures lives in crm (crm/marketing_views.py): it
reads leads and hand-offs, which campaigns may not import. Spend is in spend_views.py.
"""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns.exporting import stream_csv
from campaigns.filters import CampaignFilter
from campaigns.forms import CampaignForm, VariantForm, add_service_errors
from campaigns.models import Campaign, Variant
from campaigns.selectors import campaign_list as select_campaigns
from campaigns.selectors import outside_references
from campaigns.services import (
    CampaignInUse,
    VariantInUse,
    campaign_archive,
    campaign_create,
    campaign_delete,
    campaign_restore,
    campaign_update,
    variant_create,
    variant_delete,
    variant_update,
)
from crm.money import with_currency
from crm.roles import Perm, perm_required

PAGE_SIZE = 25
CENT = Decimal("0.01")


@perm_required(Perm.READ)
def campaign_list(request):
    """List campaigns with filters, search, sorting and pagination."""
    campaign_filter = CampaignFilter(request.GET, queryset=select_campaigns(), request=request)
    page = Paginator(campaign_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/campaign_list.html", {"filter": campaign_filter, "page": page})


EXPORT_HEADER = [
    "name",
    "slug",
    "utm_campaign",
    "channel",
    "objective",
    "status",
    "start_date",
    "end_date",
    "budget",
    "spent",
    "variants",
    "owner",
    "archived",
    "audience_notes",
]


@perm_required(Perm.READ)
def campaign_export(request):
    """Stream the filtered campaign list as CSV."""
    campaign_filter = CampaignFilter(request.GET, queryset=select_campaigns(), request=request)
    rows = (
        [
            c.name,
            c.slug,
            c.utm_campaign,
            c.channel,
            c.objective,
            c.status,
            c.start_date,
            c.end_date,
            c.budget,
            # Quantized: SQLite's SUM drops trailing zeros that PostgreSQL keeps.
            c.spent.quantize(CENT),
            c.variant_count,
            c.owner.get_username() if c.owner else "",
            c.archived,
            c.audience_notes,
        ]
        for c in campaign_filter.qs.iterator(chunk_size=500)
    )
    return stream_csv(
        rows, f"campaigns-{timezone.localdate():%Y-%m-%d}.csv", header=with_currency(EXPORT_HEADER, {"budget", "spent"})
    )


@perm_required(Perm.WRITE_CAMPAIGNS)
def campaign_create_view(request):
    """Create a campaign."""
    form = CampaignForm(request.POST or None, initial={"owner": request.user, "start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Campaign “{campaign.name}” created.")
            return redirect(campaign)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": None})


@perm_required(Perm.WRITE_CAMPAIGNS)
def campaign_edit(request, slug):
    """Edit a campaign's fields."""
    campaign = get_object_or_404(Campaign, slug=slug)
    # The form validates a copy: a failed edit must not show half-changed values elsewhere on the page.
    form = CampaignForm(request.POST or None, instance=Campaign.objects.get(pk=campaign.pk))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_update(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Campaign “{campaign.name}” saved.")
            return redirect(campaign)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@perm_required(Perm.WRITE_CAMPAIGNS)
@require_POST
def campaign_archive_view(request, slug):
    """Archive a campaign: hidden from the list, its history kept."""
    campaign = campaign_archive(campaign=get_object_or_404(Campaign, slug=slug), actor=request.user)
    messages.success(
        request, f"Campaign “{campaign.name}” archived. It is hidden from the list unless you show archived ones."
    )
    return redirect(campaign)


@perm_required(Perm.WRITE_CAMPAIGNS)
@require_POST
def campaign_restore_view(request, slug):
    """Bring an archived campaign back."""
    campaign = campaign_restore(campaign=get_object_or_404(Campaign, slug=slug), actor=request.user)
    messages.success(request, f"Campaign “{campaign.name}” restored.")
    return redirect(campaign)


@perm_required(Perm.WRITE_CAMPAIGNS)
def campaign_delete_view(request, slug):
    """Confirm and delete a campaign that nothing refers to; offer archiving otherwise."""
    campaign = get_object_or_404(Campaign, slug=slug)
    if request.method == "POST":
        try:
            campaign_delete(campaign=campaign, actor=request.user)
        except CampaignInUse as refused:
            messages.error(request, str(refused))
            return redirect(campaign)
        messages.success(request, f"Campaign “{campaign.name}” deleted.")
        return redirect("campaigns:list")
    return render(
        request,
        "campaigns/campaign_confirm_delete.html",
        {"campaign": campaign, "references": outside_references(campaign)},
    )


@perm_required(Perm.WRITE_CAMPAIGNS)
@require_POST
def variant_add(request, slug):
    """Add an A/B variant to the campaign."""
    campaign = get_object_or_404(Campaign, slug=slug)
    form = VariantForm(request.POST, campaign=campaign, prefix="variant")
    if form.is_valid():
        try:
            variant = variant_create(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Variant “{variant.name}” added.")
            return redirect(f"{campaign.get_absolute_url()}#variants")
    return render(request, "campaigns/variant_form.html", {"form": form, "campaign": campaign, "variant": None})


@perm_required(Perm.WRITE_CAMPAIGNS)
def variant_edit(request, slug, pk):
    """Rename a variant or change its utm_content."""
    campaign = get_object_or_404(Campaign, slug=slug)
    variant = get_object_or_404(Variant, pk=pk, campaign=campaign)
    form = VariantForm(request.POST or None, instance=Variant.objects.get(pk=variant.pk), campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            variant_update(variant=variant, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Variant “{variant.name}” saved.")
            return redirect(f"{campaign.get_absolute_url()}#variants")
    return render(request, "campaigns/variant_form.html", {"form": form, "campaign": campaign, "variant": variant})


@perm_required(Perm.WRITE_CAMPAIGNS)
@require_POST
def variant_delete_view(request, slug, pk):
    """Delete a variant that no touchpoint refers to."""
    campaign = get_object_or_404(Campaign, slug=slug)
    variant = get_object_or_404(Variant, pk=pk, campaign=campaign)
    try:
        variant_delete(variant=variant, actor=request.user)
    except VariantInUse as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Variant “{variant.name}” deleted.")
    return redirect(f"{campaign.get_absolute_url()}#variants")

"""Spend entries, added, edited and deleted in place on the campaign page.

With htmx each action answers the re-rendered spend section (validation errors shown
inline in the row or form that caused them). Without JavaScript the same URLs work as
plain forms: a full-page form on errors and for editing, a redirect back after success.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from campaigns.forms import SpendForm, add_service_errors
from campaigns.models import Campaign, Spend
from campaigns.sections import SPEND_EDIT_PREFIX, SPEND_PREFIX, spend_section
from campaigns.services import spend_add as add_spend
from campaigns.services import spend_delete as delete_spend
from campaigns.services import spend_update
from crm.roles import Perm, perm_required

SECTION_TEMPLATE = "campaigns/_spend_section.html"


def _render_section(request, campaign, **context):
    page = request.GET.get("page") or request.POST.get("page") or 1
    return render(request, SECTION_TEMPLATE, spend_section(campaign=campaign, page=page, **context))


def _back(campaign):
    return redirect(f"{campaign.get_absolute_url()}#spend")


@perm_required(Perm.READ)
@require_GET
def spend_section_view(request, slug):
    """Answer the spend section alone (htmx paging and cancelling an edit)."""
    return _render_section(request, get_object_or_404(Campaign, slug=slug))


@perm_required(Perm.WRITE_CAMPAIGNS)
@require_POST
def spend_add(request, slug):
    """Record a spend entry on the campaign."""
    campaign = get_object_or_404(Campaign, slug=slug)
    form = SpendForm(request.POST, prefix=SPEND_PREFIX)
    if form.is_valid():
        try:
            spend = add_spend(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return _render_section(request, campaign)
            messages.success(request, f"Spend of {spend.amount} on {spend.date:%Y-%m-%d} recorded.")
            return _back(campaign)
    if request.htmx:
        return _render_section(request, campaign, add_form=form)
    return render(request, "campaigns/spend_form.html", {"form": form, "campaign": campaign, "spend": None})


@perm_required(Perm.WRITE_CAMPAIGNS)
def spend_edit(request, slug, pk):
    """Edit a spend entry: in its table row with htmx, on a page of its own without."""
    campaign = get_object_or_404(Campaign, slug=slug)
    spend = get_object_or_404(Spend, pk=pk, campaign=campaign)
    prefix = SPEND_EDIT_PREFIX if request.htmx else None
    form = SpendForm(request.POST or None, instance=Spend.objects.get(pk=spend.pk), prefix=prefix)
    if request.method == "POST" and form.is_valid():
        try:
            spend_update(spend=spend, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return _render_section(request, campaign)
            messages.success(request, "Spend entry saved.")
            return _back(campaign)
    if request.htmx:
        return _render_section(request, campaign, editing=spend, edit_form=form)
    return render(request, "campaigns/spend_form.html", {"form": form, "campaign": campaign, "spend": spend})


@perm_required(Perm.WRITE_CAMPAIGNS)
@require_POST
def spend_delete(request, slug, pk):
    """Delete a spend entry."""
    campaign = get_object_or_404(Campaign, slug=slug)
    delete_spend(spend=get_object_or_404(Spend, pk=pk, campaign=campaign), actor=request.user)
    if request.htmx:
        return _render_section(request, campaign)
    messages.success(request, "Spend entry deleted.")
    return _back(campaign)

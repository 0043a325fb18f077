"""The audit page and the personal-data pages (managers only)."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.exporting import stream_csv
from crm.errors import Refused
from crm.models import AuditEntry
from crm.roles import Perm, perm_required
from crm.selectors import audit_entries, audit_entries_shown
from leads.models import Lead
from privacy.forms import AuditFilterForm, EraseConfirmForm, FindPersonForm
from privacy.selectors import person_by_email
from privacy.services import is_erased, person_erase, person_export

AUDIT_PAGE_SIZE = 50
AUDIT_CSV_HEADER = ["at", "object_type", "object_id", "parent_type", "parent_id", "action", "changes"]
AUDIT_CSV_HEADER += ["actor_kind", "actor_id", "actor", "request_id"]


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, AuditEntry.objects.none()
    return form, audit_entries(**form.filters())


@never_cache
@perm_required(Perm.MANAGE_TEAM)
@require_GET
def audit_list(request):
    """List the audit trail, filtered by object, actor and dates, a page at a time."""
    form, entries = _filtered(request)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = audit_entries_shown(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/audit_list.html", {"form": form, "page": page, "querystring": query.urlencode()})


@never_cache
@perm_required(Perm.MANAGE_TEAM)
@require_GET
def audit_export(request):
    """Download the filtered audit trail as CSV."""
    _, entries = _filtered(request)

    def rows():
        for entry in entries.iterator(chunk_size=2000):
            changes = {name: {"old": old, "new": new} for name, old, new, _ in entry.field_changes()}
            yield [
                entry.at,
                entry.object_type,
                entry.object_id,
                entry.parent_type,
                entry.parent_id,
                entry.action,
                json.dumps(changes, ensure_ascii=False, sort_keys=True),
                entry.actor_kind,
                entry.actor_id,
                entry.actor_label,
                entry.request_id,
            ]

    return stream_csv(rows(), "audit-trail.csv", header=AUDIT_CSV_HEADER)


@never_cache
@perm_required(Perm.MANAGE_TEAM)
@require_GET
def privacy_home(request):
    """Find a person's lead by e-mail, with the export and erase actions."""
    form = FindPersonForm(request.GET or None)
    lead, searched = None, False
    if form.is_valid():
        searched = True
        try:
            lead = person_by_email(form.cleaned_data["email"])
        except ValidationError:
            lead = None
    context = {"form": form, "lead": lead, "searched": searched, "erased": lead is not None and is_erased(lead)}
    return render(request, "privacy/privacy_home.html", context)


@never_cache
@perm_required(Perm.MANAGE_TEAM)
@require_GET
def person_export_view(request, pk):
    """Download everything held about the lead's person as one JSON file."""
    lead = get_object_or_404(Lead, pk=pk)
    body = json.dumps(person_export(lead=lead), ensure_ascii=False, indent=2, sort_keys=True)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-personal-data.json"'
    return response


@never_cache
@perm_required(Perm.MANAGE_TEAM)
@require_http_methods(["GET", "POST"])
def person_erase_view(request, pk):
    """Confirm, then erase the lead's personal data."""
    lead = get_object_or_404(Lead, pk=pk)
    form = EraseConfirmForm(request.POST or None, lead=lead)
    if request.method == "POST" and form.is_valid():
        try:
            person_erase(lead=lead, actor=request.user)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"The personal data of lead {lead.pk} is erased; its counted history is kept.")
        return redirect(reverse("privacy:home"))
    return render(request, "privacy/person_erase.html", {"lead": lead, "form": form, "erased": is_erased(lead)})

"""Marketing setup pages: website capture forms, CSV import, the ICP and scoring rules.

Reading is for every role; writing checks its capability through crm.roles.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.exporting import stream_csv
from crm.roles import Perm, perm_required
from leads import capture, importing, scoring_setup
from leads.forms_marketing import CaptureFormForm, IcpForm, ImportUploadForm, ScoringRuleForm
from leads.models import CaptureForm, IdealCustomerProfile, ImportJob, ScoringRule, Touchpoint

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Capture forms ------------------------------------------------------------


@perm_required(Perm.READ)
def capture_form_list(request):
    """List the capture forms, filtered by name and state; CSV with ?format=csv."""
    query = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    enabled = {"enabled": True, "disabled": False}.get(state)
    forms = capture.capture_forms_list(query=query, enabled=enabled)
    if request.GET.get("format") == "csv":
        rows = (
            [f.name, f.key, f.campaign.slug if f.campaign else "", " ".join(f.origin_list()), f.enabled, f.submissions]
            for f in forms.iterator()
        )
        header = ["name", "key", "campaign", "allowed_origins", "enabled", "submissions"]
        return stream_csv(rows, "capture-forms.csv", header=header)
    return render(
        request,
        "leads/capture_form_list.html",
        {"page": _page(request, forms), "q": query, "state": state, "querystring": _querystring(request)},
    )


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def _querystring(request):
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    return params.urlencode()


def _endpoint_url(request, form):
    return request.build_absolute_uri(reverse("leads_capture", args=[form.key]))


@perm_required(Perm.READ)
def capture_form_detail(request, pk):
    """Show a capture form's settings, its embeddable snippet and its latest submissions."""
    form = get_object_or_404(CaptureForm.objects.select_related("campaign", "created_by"), pk=pk)
    endpoint = _endpoint_url(request, form)
    touches = Touchpoint.objects.filter(form=form).select_related("lead", "campaign").order_by("-occurred_at", "-id")
    return render(
        request,
        "leads/capture_form_detail.html",
        {
            "form_obj": form,
            "endpoint": endpoint,
            "snippet": capture.capture_snippet(form, endpoint),
            "recent": touches[:10],
            "stats": touches.aggregate(total=Count("id"), leads=Count("lead", distinct=True)),
        },
    )


@perm_required(Perm.MANAGE_FORMS)
def capture_form_create(request):
    """Create a capture form with a generated key."""
    form = CaptureFormForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = capture.capture_form_create(actor=request.user, **form.cleaned_data)
        messages.success(request, f"Capture form “{created.name}” created. Paste the snippet below into your website.")
        return redirect("leads:capture_form_detail", pk=created.pk)
    return render(request, "leads/capture_form_form.html", {"form": form, "form_obj": None})


@perm_required(Perm.MANAGE_FORMS)
def capture_form_edit(request, pk):
    """Change a capture form's name, default campaign, origins or state (its key stays)."""
    instance = get_object_or_404(CaptureForm, pk=pk)
    form = CaptureFormForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fresh = CaptureForm.objects.get(pk=pk)  # the form wrote its values onto `instance` already
        capture.capture_form_update(form=fresh, actor=request.user, **form.cleaned_data)
        messages.success(request, f"Capture form “{fresh.name}” saved.")
        return redirect("leads:capture_form_detail", pk=pk)
    return render(request, "leads/capture_form_form.html", {"form": form, "form_obj": instance})


@perm_required(Perm.MANAGE_FORMS)
@require_POST
def capture_form_toggle(request, pk):
    """Enable or disable a capture form."""
    form = get_object_or_404(CaptureForm, pk=pk)
    enable = request.POST.get("enabled") == "1"
    capture.capture_form_set_enabled(form=form, enabled=enable, actor=request.user)
    if enable:
        messages.success(request, f"“{form.name}” is enabled: its website form posts leads again.")
    else:
        messages.warning(request, f"“{form.name}” is disabled: posts to it are refused (404) until enabled.")
    if request.POST.get("next") == "list":
        return redirect("leads:capture_form_list")
    return redirect("leads:capture_form_detail", pk=pk)


# --- Import --------------------------------------------------------------------


@perm_required(Perm.IMPORT_LEADS)
def import_upload(request):
    """Upload a CSV file of leads; list the recent imports."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = importing.import_job_create(
            file=form.cleaned_data["file"], actor=request.user, campaign=form.cleaned_data["campaign"]
        )
        messages.info(request, f"“{job.original_name}” is queued for import; this page follows its progress.")
        return redirect("leads:import_detail", pk=job.pk)
    jobs = ImportJob.objects.select_related("campaign", "created_by").order_by("-created_at", "-pk")
    return render(request, "leads/import_upload.html", {"form": form, "page": _page(request, jobs)})


@perm_required(Perm.IMPORT_LEADS)
def import_detail(request, pk):
    """Show an import's progress (live) and, once done, its refused rows."""
    job = get_object_or_404(ImportJob.objects.select_related("campaign", "created_by"), pk=pk)
    return render(request, "leads/import_detail.html", {"job": job})


@perm_required(Perm.IMPORT_LEADS)
def import_progress(request, pk):
    """Return the progress partial that the import page polls every second until the job ends."""
    job = get_object_or_404(ImportJob.objects.select_related("campaign"), pk=pk)
    return render(request, "leads/import_progress.html", {"job": job})


@perm_required(Perm.IMPORT_LEADS)
def import_errors(request, pk):
    """Download an import's refused rows as CSV (line, email, errors)."""
    job = get_object_or_404(ImportJob, pk=pk)
    return stream_csv(importing.import_error_rows(job), f"import-{job.pk}-errors.csv", header=importing.ERROR_HEADER)


# --- ICP and scoring ------------------------------------------------------------


@perm_required(Perm.READ)
def scoring_overview(request):
    """Show the ideal customer profile and the scoring rules."""
    rules = ScoringRule.objects.order_by("-active", "-points", "field", "pk")
    return render(
        request,
        "leads/scoring_overview.html",
        {"profile": IdealCustomerProfile.current(), "page": _page(request, rules)},
    )


def _wants_preview(request):
    return request.method == "POST" and request.POST.get("action") == "preview"


def _recompute_message(request, what):
    messages.success(request, f"{what} Scores and fit of all leads are being recomputed in the background.")


@perm_required(Perm.WRITE_SCORING)
def scoring_icp_edit(request):
    """Edit the ideal customer profile, previewing how many leads would change before saving."""
    profile = IdealCustomerProfile.current()
    form = IcpForm(request.POST or None, instance=profile)
    preview = None
    if request.method == "POST" and form.is_valid():
        if _wants_preview(request):
            # form.instance carries the edited values in memory only; nothing is saved.
            preview = scoring_setup.scoring_preview(profile=form.instance)
        else:
            try:
                scoring_setup.icp_update(actor=request.user, **form.values())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                _recompute_message(request, "Ideal customer profile saved.")
                return redirect("leads:scoring")
    return render(request, "leads/scoring_icp_form.html", {"form": form, "preview": preview})


def _rule_form_page(request, rule=None):
    form = ScoringRuleForm(request.POST or None, instance=rule)
    preview = None
    if request.method == "POST" and form.is_valid():
        if _wants_preview(request):
            preview = scoring_setup.scoring_preview(rules=scoring_setup.rules_with(rule=form.instance))
        else:
            if rule is None:
                scoring_setup.scoring_rule_create(actor=request.user, **form.values())
                _recompute_message(request, "Scoring rule added.")
            else:
                fresh = ScoringRule.objects.get(pk=rule.pk)
                scoring_setup.scoring_rule_update(rule=fresh, actor=request.user, **form.values())
                _recompute_message(request, "Scoring rule saved.")
            return redirect("leads:scoring")
    return render(request, "leads/scoring_rule_form.html", {"form": form, "rule": rule, "preview": preview})


@perm_required(Perm.WRITE_SCORING)
def scoring_rule_create(request):
    """Add a scoring rule, with a preview of its effect."""
    return _rule_form_page(request)


@perm_required(Perm.WRITE_SCORING)
def scoring_rule_edit(request, pk):
    """Edit a scoring rule, with a preview of its effect."""
    return _rule_form_page(request, get_object_or_404(ScoringRule, pk=pk))


@perm_required(Perm.WRITE_SCORING)
def scoring_rule_delete(request, pk):
    """Confirm (with a preview of the effect) and delete a scoring rule."""
    rule = get_object_or_404(ScoringRule, pk=pk)
    if request.method == "POST":
        scoring_setup.scoring_rule_delete(rule=rule, actor=request.user)
        _recompute_message(request, f"Scoring rule “{rule}” deleted.")
        return redirect("leads:scoring")
    preview = scoring_setup.scoring_preview(rules=scoring_setup.rules_with(rule=rule, remove=True))
    return render(request, "leads/scoring_rule_confirm_delete.html", {"rule": rule, "preview": preview})


@perm_required(Perm.WRITE_SCORING)
@require_POST
def scoring_rule_toggle(request, pk):
    """Switch a scoring rule on or off."""
    rule = get_object_or_404(ScoringRule, pk=pk)
    scoring_setup.scoring_rule_set_active(rule=rule, active=request.POST.get("active") == "1", actor=request.user)
    _recompute_message(request, f"Scoring rule “{rule}” {'activated' if rule.active else 'switched off'}.")
    return redirect("leads:scoring")

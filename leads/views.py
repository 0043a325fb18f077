"""The lead pages: list and export, create, detail (move, log, follow-ups), edit, merge, today.

Each view fetches through a selector, asks crm.roles, calls one service, then messages and
redirects. The detail page's forms also answer htmx requests with the refreshed partials
(the target first, the others swapped out of band), and work as plain posts without JS.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from campaigns.exporting import stream_csv
from crm import roles
from crm.money import with_currency
from crm.roles import Perm, perm_required
from leads import selectors, services
from leads.filters import LeadFilter
from leads.forms import (
    ActivityForm,
    LeadCreateForm,
    LeadEditForm,
    MergeForm,
    TaskForm,
    TransitionForm,
)
from leads.models import Activity, Lead, Touchpoint
from leads.services import InvalidTransition, MergeRefused, StaleLead
from leads.timeline import DEFAULT_LIMIT, lead_timeline

MY_OPEN_STATUSES = [Lead.Status.SAL.value, Lead.Status.SQL.value]
PAGING_KEYS = ("after", "before", "view")


def _form_errors(form, error):
    """Show a service's ValidationError on the form, on its fields where they exist."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- List and export -------------------------------------------------------------------------


def _list_params(request):
    """Return the filter parameters and which view they make: "mine" (a rep's open leads) or "all".

    A salesperson who opens the list without filters lands on their own open leads;
    ``view=all`` (or any filter) shows everything.
    """
    params = request.GET.copy()
    view = params.get("view", "")
    for key in PAGING_KEYS:
        params.pop(key, None)
    filtered = any(value for key, values in params.lists() if key != "ordering" for value in values)
    if view == "mine" or (not filtered and view != "all" and roles.has_role(request.user, roles.SALES)):
        params.setlist("status", MY_OPEN_STATUSES)
        params["mine"] = "on"
        return params, "mine"
    return params, "all"


def _filtered(request):
    params, view = _list_params(request)
    filterset = LeadFilter(params, queryset=selectors.lead_list_queryset(), request=request)
    queryset = filterset.qs
    sort = selectors.sort_from(filterset.form.cleaned_data.get("ordering"))
    return filterset, queryset, params, view, sort


@perm_required(Perm.READ)
def lead_list(request):
    """List leads with the shared filter, search and sort, a page at a time by keyset."""
    filterset, queryset, params, view, sort = _filtered(request)
    page = selectors.leads_page(
        queryset,
        sort=sort,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        page_size=selectors.PAGE_SIZE,
    )
    filtered = any(value for key, values in params.lists() if key != "ordering" for value in values)
    context = {
        "filter": filterset,
        "page": page,
        "view": view,
        "filtered": filtered,
        "estimate": None if filtered else selectors.lead_count_estimate(),
        "export_query": params.urlencode(),
        "sort": sort,
        "sort_links": _sort_links(request.GET, sort),
    }
    return render(request, "leads/lead_list.html", context)


def _sort_links(query_dict, current):
    """Return {column: {query, arrow}} for the sortable column headers, keeping the view and filters."""
    links = {}
    for name in selectors.SORT_FIELDS:
        target = name if current == f"-{name}" else f"-{name}"
        query = query_dict.copy()
        for key in ("after", "before"):
            query.pop(key, None)
        query["ordering"] = target
        arrow = "" if current.lstrip("-") != name else ("down" if current.startswith("-") else "up")
        links[name] = {"query": query.urlencode(), "arrow": arrow}
    return links


@perm_required(Perm.READ)
def lead_export(request):
    """Stream the filtered list as CSV, safe to open in a spreadsheet."""
    _, queryset, _, _, sort = _filtered(request)
    filename = f"leads-{timezone.localdate():%Y-%m-%d}.csv"
    return stream_csv(
        selectors.lead_export_rows(queryset, sort=sort),
        filename,
        header=with_currency(selectors.EXPORT_HEADER, {"deal_value"}),
    )


# --- Create and edit ---------------------------------------------------------------------------


@perm_required(Perm.CREATE_LEADS)
def lead_create(request):
    """Enter a lead by hand; a known e-mail points to the lead that has it instead."""
    form = LeadCreateForm(request.POST or None)
    existing = None
    if request.method == "POST" and form.is_valid():
        existing = services.lead_by_email(form.cleaned_data["email"])
        if existing is None:
            try:
                result = services.lead_capture(
                    data=form.profile_data(),
                    kind=Touchpoint.Kind.MANUAL,
                    campaign=form.cleaned_data["campaign"],
                    actor=request.user,
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                if result.created:
                    messages.success(request, f"Lead {result.lead} created.")
                else:
                    # Someone entered the same e-mail a moment ago: the touch went to their lead.
                    messages.info(request, f"{result.lead.email} was already a lead; this touch was added to it.")
                return redirect(result.lead)
    return render(request, "leads/lead_form.html", {"form": form, "existing": existing, "creating": True})


def lead_edit(request, pk):
    """Edit the lead's profile fields, refusing an edit of a stale version."""
    lead = selectors.lead_for_page(pk)
    if not roles.can_edit_lead(request.user, lead):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = LeadEditForm(request.POST)
        if form.is_valid():
            try:
                services.lead_update(
                    lead=lead, actor=request.user, version=form.cleaned_data["version"], **form.profile_data()
                )
            except StaleLead as stale:
                messages.warning(request, str(stale))
                form = LeadEditForm(initial=LeadEditForm.initial_for(stale.current))
                lead = stale.current
                status = 409
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, "Lead updated.")
                return redirect(lead)
    else:
        form = LeadEditForm(initial=LeadEditForm.initial_for(lead))
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead, "creating": False}, status=status)


# --- Detail and its forms ----------------------------------------------------------------------


def _detail_context(request, lead, *, transition_form=None, activity_form=None, task_form=None, alerts=None):
    user = request.user
    can_work = roles.can_work_lead(user, lead)
    show_all = request.GET.get("timeline") == "all"
    context = {
        "lead": lead,
        "can_work": can_work,
        "can_edit": roles.can_edit_lead(user, lead),
        "timeline": lead_timeline(lead, limit=None if show_all else DEFAULT_LIMIT),
        "timeline_limit": DEFAULT_LIMIT,
        "show_all": show_all,
        "tasks": selectors.open_tasks(lead),
        "now": timezone.now(),
        "alerts": alerts or {},
    }
    if can_work:
        context["transition_form"] = transition_form or TransitionForm(lead=lead)
        context["activity_form"] = activity_form or ActivityForm()
        context["task_form"] = task_form or _task_form(request)
    return context


def _task_form(request, data=None):
    assignees = selectors.task_assignees(request.user)
    return TaskForm(data, assignees=assignees, user=request.user)


def _parts(request, context, templates, status=200):
    """Answer htmx with the first template as the swap target and the rest out of band."""
    html = "".join(
        render_to_string(template, {**context, "oob": index > 0}, request=request)
        for index, template in enumerate(templates)
    )
    return HttpResponse(html, status=status)


STATUS_PARTS = ["leads/_lead_status.html", "leads/_lead_summary.html", "leads/_lead_timeline.html"]


def _worked_lead(request, pk):
    """Return the lead for a POST that works it, or answer 403 to anyone who may not."""
    lead = selectors.lead_for_page(pk)
    roles.require_lead_work(request.user, lead)
    return lead


@perm_required(Perm.READ)
def lead_detail(request, pk):
    """Show the lead at a glance, its timeline, and the forms of those who may work it."""
    lead = selectors.lead_for_page(pk)
    return render(request, "leads/lead_detail.html", _detail_context(request, lead))


def _stale(request, pk, message):
    """Show the lead's fresh state and say nothing was saved (409)."""
    fresh = selectors.lead_for_page(pk)
    context = _detail_context(request, fresh, alerts={"status": ("warning", message)})
    if request.htmx:
        return _parts(request, context, STATUS_PARTS, status=409)
    return render(request, "leads/lead_detail.html", context, status=409)


@require_POST
def lead_move(request, pk):
    """Move the lead to one of its allowed next statuses, refusing a stale version."""
    lead = _worked_lead(request, pk)
    if request.POST.get("version") != str(lead.version):
        # Checked before the choices: a stale form may name a status that is no longer offered.
        return _stale(request, pk, str(StaleLead(lead)))
    form = TransitionForm(request.POST, lead=lead)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.lead_transition(
                lead=lead,
                to_status=data["to_status"],
                actor=request.user,
                note=data["note"],
                deal_value=data["deal_value"],
                lost_reason=data["lost_reason"],
                version=data["version"],
            )
        except StaleLead as stale:
            return _stale(request, pk, str(stale))
        except InvalidTransition as error:
            form.add_error("to_status", str(error))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            moved = f"Moved to {lead.get_status_display()}."
            if request.htmx:
                return _parts(
                    request, _detail_context(request, lead, alerts={"status": ("success", moved)}), STATUS_PARTS
                )
            messages.success(request, moved)
            return redirect(lead)
    context = _detail_context(request, lead, transition_form=form)
    if request.htmx:
        return _parts(request, context, ["leads/_lead_status.html"])
    return render(request, "leads/lead_detail.html", context)


@require_POST
def lead_log_activity(request, pk):
    """Log a call, e-mail, meeting or note, and the source the buyer named if they did."""
    lead = _worked_lead(request, pk)
    form = ActivityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                activity = services.activity_log(
                    lead=lead, actor=request.user, kind=data["kind"], subject=data["subject"], body=data["body"]
                )
                if data["reported_channel"]:
                    services.touchpoint_record_reported(
                        lead=lead,
                        actor=request.user,
                        channel=data["reported_channel"],
                        campaign=data["reported_campaign"],
                        note=data["reported_note"],
                        occurred_at=activity.occurred_at,
                    )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            logged = f"{activity.get_kind_display()} logged."
            if request.htmx:
                context = _detail_context(request, lead, alerts={"activity": ("success", logged)})
                return _parts(request, context, ["leads/_lead_activity_form.html", "leads/_lead_timeline.html"])
            messages.success(request, logged)
            return redirect(lead)
    context = _detail_context(request, lead, activity_form=form)
    if request.htmx:
        return _parts(request, context, ["leads/_lead_activity_form.html"])
    return render(request, "leads/lead_detail.html", context)


@require_POST
def lead_add_task(request, pk):
    """Set the lead's next step and its due date, for oneself or (a manager) for a rep."""
    lead = _worked_lead(request, pk)
    form = _task_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.activity_log(
                lead=lead,
                actor=request.user,
                kind=Activity.Kind.TASK,
                subject=data["subject"],
                due_at=data["due_at"],
                assignee=data["assignee"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if request.htmx:
                context = _detail_context(request, lead, alerts={"tasks": ("success", "Next step set.")})
                return _parts(request, context, ["leads/_lead_tasks.html"])
            messages.success(request, "Next step set.")
            return redirect(lead)
    context = _detail_context(request, lead, task_form=form)
    if request.htmx:
        return _parts(request, context, ["leads/_lead_tasks.html"])
    return render(request, "leads/lead_detail.html", context)


@require_POST
def task_done(request, pk):
    """Mark a task done: its assignee, or whoever may work its lead."""
    task = get_object_or_404(Activity.objects.select_related("lead"), pk=pk, kind=Activity.Kind.TASK)
    user = request.user
    roles.require(user, Perm.WORK_LEADS)
    if task.assignee_id != user.pk:
        roles.require_lead_work(user, task.lead)
    services.task_complete(task=task, actor=user)
    if request.htmx:
        if request.POST.get("from") == "today":
            return HttpResponse("")  # the row disappears from the day's list
        lead = selectors.lead_for_page(task.lead_id)
        context = _detail_context(request, lead, alerts={"tasks": ("success", "Done.")})
        return _parts(request, context, ["leads/_lead_tasks.html", "leads/_lead_timeline.html"])
    messages.success(request, f"Done: {task.subject or 'task'}.")
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(task.lead)


# --- Merge ---------------------------------------------------------------------------------------


def lead_merge(request, pk):
    """Find a duplicate by e-mail, compare it side by side, and merge it into this lead."""
    survivor = selectors.lead_for_page(pk)
    roles.require_lead_work(request.user, survivor)
    duplicate_id = request.POST.get("duplicate") or request.GET.get("duplicate")
    duplicate = None
    if duplicate_id and str(duplicate_id).isdigit() and int(duplicate_id) != survivor.pk:
        duplicate = selectors.lead_for_page(int(duplicate_id))
        # Merging deletes the duplicate: the user must be allowed to work it too.
        roles.require_lead_work(request.user, duplicate)
    status = 200
    if request.method == "POST":
        form = MergeForm(request.POST)
        if duplicate is not None and form.is_valid():
            email = duplicate.email
            try:
                services.lead_merge(survivor=survivor, duplicate=duplicate, actor=request.user)
            except MergeRefused as refused:
                messages.error(request, str(refused))
                status = 409
            else:
                messages.success(request, f"Merged {email} into this lead; its e-mail is kept as an alias.")
                return redirect(survivor)
        else:
            messages.error(request, "Choose the duplicate to merge into this lead.")
            status = 400
    query = request.GET.get("q", "")
    context = {
        "lead": survivor,
        "duplicate": duplicate,
        "query": query,
        "candidates": selectors.merge_candidates(survivor, query) if duplicate is None else [],
        "comparison": selectors.merge_comparison(survivor, duplicate) if duplicate is not None else None,
    }
    return render(request, "leads/lead_merge.html", context, status=status)


# --- The day's list -------------------------------------------------------------------------------


@perm_required(Perm.WORK_LEADS)
def today(request):
    """List the user's tasks due today or overdue, overdue ones first."""
    now = timezone.now()
    return render(
        request,
        "leads/lead_today.html",
        {"tasks": selectors.tasks_due(request.user, now=now), "now": now, "today_url": reverse("leads:today")},
    )

"""Pages of hand-offs: the inbox, answering and assigning, handing a lead off, rep settings, the pipeline board.

Each view checks the role through crm.roles, binds a form, calls a service, and answers with a
message. An htmx request gets the changed fragment back; a plain form post a redirect.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from campaigns.exporting import stream_csv
from crm import roles
from crm.roles import Perm, perm_required
from handoffs import selectors, services
from handoffs.forms import (
    AssignForm,
    BoardFilterForm,
    HandoffCreateForm,
    InboxFilterForm,
    InboxPollForm,
    MoveForm,
    RejectForm,
    SalesRepForm,
)
from handoffs.models import Handoff, ServiceLevel
from leads.models import Lead
from leads.services import InvalidTransition, StaleLead, lead_transition

PAGE_SIZE = 20


def _next_url(request, default):
    """Return the form's ``next`` when it is a URL of this site, else the default."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _error_text(error):
    if hasattr(error, "message_dict"):
        return " ".join(message for messages_ in error.message_dict.values() for message in messages_)
    return " ".join(error.messages)


def _mark_answerable(user, handoffs):
    for handoff in handoffs:
        handoff.can_answer = roles.can_answer_handoff(user, handoff)
    return handoffs


def _is_rep(user):
    return roles.has_role(user, roles.SALES) and not roles.is_manager(user)


@perm_required(Perm.READ)
@require_GET
def inbox(request):
    """Show the hand-offs: a rep's own pending and recent answers, or the team's with filters, queue and load."""
    user = request.user
    now = timezone.now()
    scope = request.GET.get("scope") or ("mine" if _is_rep(user) else "team")
    can_assign = roles.has_perm(user, Perm.ASSIGN_HANDOFFS)
    context = {
        "now": now,
        "scope": scope,
        "can_assign": can_assign,
        "is_rep": _is_rep(user),
        "reject_reasons": Handoff.RejectReason.choices,
    }
    if scope == "mine":
        context["pending"] = _mark_answerable(user, list(selectors.handoffs_pending_for(user=user, now=now)))
        # Paged like the team view: a busy rep answers hundreds of hand-offs in two weeks.
        context["answered_page"] = Paginator(selectors.handoffs_answered_for(user=user, now=now), PAGE_SIZE).get_page(
            request.GET.get("apage")
        )
        context["pending_count"] = len(context["pending"])
        context["poll_query"] = _poll_query({"scope": "mine"}, seen=[handoff.pk for handoff in context["pending"]])
        # A rep who also assigns (a sales manager) reassigns from the cards: the form lists the reps.
        context["reps"] = _reps_by_name() if can_assign else []
        return render(request, "handoffs/handoff_inbox.html", context)

    reps = _reps_by_name()
    filter_form = InboxFilterForm(request.GET or None, reps=reps)
    filters = filter_form.to_filter() if request.GET else selectors.HandoffFilter()
    # Read before the list: a hand-off made in between is both on the page and after the mark; ``seen`` holds it.
    after = selectors.handoff_latest_id()
    pending_page = Paginator(selectors.handoffs_pending(filters=filters, now=now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    answered_page = Paginator(selectors.handoffs_answered(filters=filters, now=now), PAGE_SIZE).get_page(
        request.GET.get("apage")
    )
    _mark_answerable(user, pending_page.object_list)
    query = request.GET.copy()
    for key in ("page", "apage"):
        query.pop(key, None)
    context.update(
        filter_form=filter_form,
        filters=filters,
        pending_page=pending_page,
        answered_page=answered_page,
        pending_count=pending_page.paginator.count,
        reps=reps,
        querystring=query.urlencode(),
        poll_query=_poll_query(
            {**query.dict(), "scope": "team", "after": after},
            seen=[handoff.pk for handoff in pending_page.object_list],
        ),
    )
    if can_assign:
        context["unassigned"] = list(selectors.handoffs_unassigned(now=now)[:PAGE_SIZE])
        context["loads"] = selectors.rep_load_rows()
    return render(request, "handoffs/handoff_inbox.html", context)


def _reps_by_name():
    """Return the sales reps in name order, for the filters and the assign forms."""
    return list(services.sales_reps().order_by("username"))


def _seen_ids(value):
    return {int(part) for part in value.split(",")[:MAX_SEEN] if part.isdigit()}


def _poll_query(params, *, seen):
    """Return the query of the inbox's poll: the page's scope and filters, and the ids of the cards shown."""
    query = QueryDict(mutable=True)
    query.update({key: value for key, value in params.items() if key not in ("seen", "page", "apage")})
    query["seen"] = ",".join(str(pk) for pk in seen[:MAX_SEEN])
    return query.urlencode(safe=",")


# A rep's inbox holds their pending hand-offs unpaged; past this many the poll just stops marking cards new.
MAX_SEEN = 500


@perm_required(Perm.READ)
@require_GET
def inbox_updates(request):
    """Answer the inbox's poll: the pending hand-offs not shown yet (``seen``), their count, the page title.

    ``scope=mine`` polls the user's own pending hand-offs; ``scope=team`` the team view's, narrowed by the
    same filters as the page and made after the newest hand-off the page knew (``after``). Each brings
    only what a reload of the same page would show the user.
    """
    poll = InboxPollForm(request.GET)
    if not poll.is_valid():
        return HttpResponseBadRequest(_error_text(ValidationError(poll.errors)), content_type="text/plain")
    now = timezone.now()
    user = request.user
    scope = poll.cleaned_data["scope"]
    seen = _seen_ids(poll.cleaned_data["seen"])
    can_assign = roles.has_perm(user, Perm.ASSIGN_HANDOFFS)
    context = {
        "now": now,
        "scope": scope,
        "was_empty": not seen,
        "reject_reasons": Handoff.RejectReason.choices,
        "can_assign": can_assign,
    }
    if scope == "mine":
        pending = list(selectors.handoffs_pending_for(user=user, now=now))
        new = [handoff for handoff in pending if handoff.pk not in seen]
        seen_now = [handoff.pk for handoff in pending]
        context.update(
            pending_count=len(pending),
            poll_query=_poll_query({"scope": "mine"}, seen=seen_now),
            reps=_reps_by_name() if can_assign else [],
        )
    else:
        reps = _reps_by_name()
        filters = InboxFilterForm(request.GET, reps=reps).to_filter()
        pending = selectors.handoffs_pending(filters=filters, now=now)
        after = poll.cleaned_data["after"]
        # Bounded like ``seen``: past MAX_SEEN new cards since the page opened, only the count moves.
        room = max(MAX_SEEN - len(seen), 0)
        new = list(pending.filter(pk__gt=after).exclude(pk__in=seen)[:room])
        context.update(
            pending_count=pending.count(),
            reps=reps if can_assign else [],
            poll_query=_poll_query(
                {**request.GET.dict(), "scope": "team", "after": after},
                seen=[*sorted(seen), *(handoff.pk for handoff in new)],
            ),
        )
    context["new"] = _mark_answerable(user, new)
    return render(request, "handoffs/_inbox_updates.html", context)


@perm_required(Perm.READ)
@require_GET
def export_csv(request):
    """Download the hand-offs matching the inbox's filters as CSV."""
    reps = list(services.sales_reps())
    filters = InboxFilterForm(request.GET or None, reps=reps).to_filter() if request.GET else selectors.HandoffFilter()
    header = [
        "id",
        "lead",
        "email",
        "company",
        "assigned_to",
        "created_at",
        "accept_deadline",
        "outcome",
        "responded_at",
        "responded_in_time",
        "reject_reason",
        "feedback",
        "context_note",
    ]
    rows = (
        [
            handoff.pk,
            handoff.lead.display_name,
            handoff.lead.email,
            handoff.lead.company,
            handoff.assigned_to.username if handoff.assigned_to else "",
            handoff.created_at.isoformat(),
            handoff.accept_deadline.isoformat(),
            handoff.outcome,
            handoff.responded_at.isoformat() if handoff.responded_at else "",
            "" if handoff.is_pending else ("yes" if handoff.responded_in_time() else "no"),
            handoff.reject_reason,
            handoff.feedback,
            handoff.context_note,
        ]
        for handoff in selectors.handoffs_for_export(filters=filters).iterator(chunk_size=500)
    )
    return stream_csv(rows, f"handoffs-{timezone.localdate():%Y-%m-%d}.csv", header=header)


def _card_response(request, handoff_pk, *, reject_form=None, status=200):
    """Render one hand-off card (after an answer or a refusal) for htmx to swap in place."""
    handoff = selectors.handoff_with_summary(pk=handoff_pk)
    handoff.can_answer = roles.can_answer_handoff(request.user, handoff)
    handoff.reject_form = reject_form
    scope = request.POST.get("scope", "")
    can_assign = roles.has_perm(request.user, Perm.ASSIGN_HANDOFFS)
    context = {
        "handoff": handoff,
        "now": timezone.now(),
        "scope": scope,
        "can_assign": can_assign,
        "reps": _reps_by_name() if can_assign and handoff.is_pending else [],
        "reject_reasons": Handoff.RejectReason.choices,
        "inline_messages": True,
        "open_reject": reject_form is not None,
    }
    if scope == "mine":
        # The count beside "Waiting for you", swapped out of band.
        context["pending_count"] = selectors.handoffs_pending_for(user=request.user).count()
    return render(request, "handoffs/_handoff_card_response.html", context, status=status)


def _answerable(request, pk):
    """Return the hand-off if the user may answer it (403 otherwise, 404 when missing)."""
    handoff = get_object_or_404(Handoff.objects.select_related("lead"), pk=pk)
    roles.require_handoff_answer(request.user, handoff)
    return handoff


@perm_required(Perm.ANSWER_HANDOFFS)
@require_POST
def accept(request, pk):
    """Accept the hand-off: the lead becomes SAL and its owner the rep."""
    handoff = _answerable(request, pk)
    try:
        services.handoff_accept(handoff=handoff, actor=request.user)
    except (services.HandoffError, InvalidTransition) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Accepted: {handoff.lead} is now SAL and in your pipeline.")
    if request.htmx:
        return _card_response(request, handoff.pk)
    return redirect(_next_url(request, reverse("handoffs:inbox")))


@perm_required(Perm.ANSWER_HANDOFFS)
def reject(request, pk):
    """Reject the hand-off with a reason and feedback for marketing (both required)."""
    handoff = _answerable(request, pk)
    form = RejectForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.handoff_reject(
                    handoff=handoff,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    feedback=form.cleaned_data["feedback"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except (services.HandoffError, InvalidTransition) as exc:
                messages.error(request, str(exc))
                if request.htmx:
                    return _card_response(request, handoff.pk)
                return redirect(_next_url(request, reverse("handoffs:inbox")))
            else:
                messages.success(request, f"Rejected: marketing will see why {handoff.lead} was not a fit.")
                if request.htmx:
                    return _card_response(request, handoff.pk)
                return redirect(_next_url(request, reverse("handoffs:inbox")))
        messages.error(request, "The hand-off was not rejected: choose a reason and give marketing your feedback.")
        if request.htmx:
            return _card_response(request, handoff.pk, reject_form=form)
    if not handoff.is_pending:
        messages.info(request, f"This hand-off was already {handoff.get_outcome_display().lower()}.")
        return redirect("handoffs:inbox")
    summary = selectors.handoff_with_summary(pk=handoff.pk)
    return render(
        request,
        "handoffs/handoff_reject.html",
        {
            "handoff": summary,
            "form": form,
            "now": timezone.now(),
            "next": _next_url(request, ""),
            "reject_reasons": Handoff.RejectReason.choices,
        },
    )


@perm_required(Perm.ASSIGN_HANDOFFS)
@require_POST
def assign(request, pk):
    """Assign or reassign a pending hand-off to a sales rep."""
    handoff = get_object_or_404(Handoff, pk=pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            services.handoff_assign(handoff=handoff, actor=request.user, assignee=assignee)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        except services.HandoffError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{handoff.lead} is assigned to {assignee.get_full_name() or assignee}.")
    else:
        messages.error(request, " ".join(form.errors["assignee"]))
    if request.htmx:
        return _card_response(request, handoff.pk)
    return redirect(_next_url(request, reverse("handoffs:inbox")))


@perm_required(Perm.CREATE_HANDOFFS)
def create(request):
    """Hand a lead to sales with a context note (?lead=<id>)."""
    lead = None
    lead_id = request.POST.get("lead") or request.GET.get("lead")
    if lead_id and str(lead_id).isdigit():
        lead = Lead.objects.select_related("first_touch_campaign", "owner").filter(pk=lead_id).first()
    form = HandoffCreateForm(request.POST or None, lead=lead)
    if request.method == "POST" and form.is_valid():
        lead = form.cleaned_data["lead"]
        try:
            handoff = services.handoff_create(
                lead=lead, actor=request.user, context_note=form.cleaned_data["context_note"]
            )
        except services.HandoffExists as exc:
            messages.error(request, str(exc))
        except InvalidTransition:
            messages.error(
                request,
                f"{lead} is {lead.get_status_display()}: only new, recycled or MQL leads can be handed to sales.",
            )
        else:
            if handoff.assigned_to:
                who = handoff.assigned_to.get_full_name() or handoff.assigned_to.username
                messages.success(request, f"{lead} was handed to sales and assigned to {who}.")
            else:
                messages.warning(
                    request, f"{lead} was handed to sales; every rep is at capacity, so it waits unassigned."
                )
            return redirect(_next_url(request, reverse("handoffs:inbox")))
    return render(request, "handoffs/handoff_create.html", {"form": form, "lead": lead, "next": _next_url(request, "")})


@perm_required(Perm.ASSIGN_HANDOFFS)
@require_GET
def reps(request):
    """List the sales reps with their load, whether they take hand-offs and their capacity."""
    return _reps_page(request)


def _reps_page(request, *, bound=None, status=200):
    rows = selectors.rep_load_rows()
    for row in rows:
        if bound is not None and bound[0] == row.user.pk:
            row.form = bound[1]
        else:
            row.form = SalesRepForm(
                initial={"accepting": row.accepting, "capacity": None if row.capacity_is_default else row.capacity}
            )
    return render(
        request,
        "handoffs/salesrep_list.html",
        {"rows": rows, "level": ServiceLevel.current()},
        status=status,
    )


@perm_required(Perm.ASSIGN_HANDOFFS)
@require_POST
def rep_update(request, user_id):
    """Save one rep's assignment settings."""
    user = get_object_or_404(services.sales_reps(), pk=user_id)
    form = SalesRepForm(request.POST)
    if form.is_valid():
        try:
            services.sales_rep_update(
                user=user,
                actor=request.user,
                accepting=form.cleaned_data["accepting"],
                capacity=form.cleaned_data["capacity"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved the settings of {user.get_full_name() or user.username}.")
            return redirect("handoffs:reps")
    messages.error(request, f"The settings of {user.get_full_name() or user.username} were not saved.")
    return _reps_page(request, bound=(user.pk, form))


def _board_owner(request, reps):
    """Return whose leads the board shows: a rep their own; a manager anyone's, or one rep's."""
    if not roles.has_perm(request.user, Perm.MANAGE_TEAM):
        return request.user, None
    form = BoardFilterForm(request.GET or None, reps=reps)
    rep_id = form.cleaned_data.get("rep") if form.is_valid() else ""
    owner = next((rep for rep in reps if str(rep.pk) == rep_id), None)
    return owner, form


def _board_context(request, *, failed=None):
    reps = _reps_by_name() if roles.is_manager(request.user) else []
    owner, filter_form = _board_owner(request, reps)
    columns = selectors.pipeline_board(owner=owner)
    if failed is not None:
        for column in columns:
            for card in column.cards:
                if card.pk == failed[0]:
                    card.move_form = failed[1]
    return {
        "columns": columns,
        "filter_form": filter_form,
        "owner": owner,
        "board_query": request.GET.urlencode(),
        "lost_reasons": Lead.LostReason.choices,
        "now": timezone.now(),
    }


@perm_required(Perm.WORK_LEADS)
@require_GET
def pipeline(request):
    """Show the board of the user's leads (a manager's: anyone's) in SAL, SQL, won and lost."""
    return render(request, "handoffs/pipeline_board.html", _board_context(request))


@perm_required(Perm.WORK_LEADS)
@require_POST
def pipeline_move(request, lead_pk):
    """Move a lead to another status through lead_transition; won needs a deal value, lost a reason."""
    lead = get_object_or_404(Lead, pk=lead_pk)
    roles.require_lead_work(request.user, lead)
    form = MoveForm(request.POST)
    failed = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            lead_transition(
                lead=lead,
                to_status=data["to_status"],
                actor=request.user,
                note=data["note"],
                deal_value=data["deal_value"],
                lost_reason=data["lost_reason"] or "",
                version=data["version"],
            )
        except InvalidTransition:
            messages.error(
                request,
                f"{lead} cannot move from {lead.get_status_display()} to {Lead.Status(data['to_status']).label}.",
            )
        except StaleLead as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
            failed = (lead.pk, form)
            messages.error(request, f"{lead} was not moved: {_error_text(exc)}")
        else:
            messages.success(request, f"{lead} moved to {lead.get_status_display()}.")
    else:
        failed = (lead.pk, form)
        messages.error(request, f"{lead} was not moved: check the card's form.")
    if request.htmx:
        return render(
            request, "handoffs/_board.html", {**_board_context(request, failed=failed), "inline_messages": True}
        )
    if failed is not None:
        return render(request, "handoffs/pipeline_board.html", _board_context(request, failed=failed))
    return redirect(_next_url(request, reverse("handoffs:pipeline")))

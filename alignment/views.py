"""Pages of the weekly numbers: the dashboard and its CSV, team settings, the digest archive."""

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from alignment import dashboard, services
from alignment.digests import UNSENT as DIGEST_UNSENT
from alignment.digests import digest_render, personal_bodies
from alignment.forms import QuarterlyGoalForm, ServiceLevelForm
from alignment.metrics import weekly_metrics
from alignment.models import Audience, Digest, DigestDelivery, QuarterlyGoal
from campaigns.exporting import stream_csv
from crm import roles
from crm.roles import Perm, perm_required
from crm.weeks import FIRST_WEEK, FIRST_YEAR, LAST_YEAR, InvalidWeek, Quarter, Week
from handoffs.models import ServiceLevel
from handoffs.selectors import undelivered_alerts

QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def _week_from(request):
    """Return the requested week, or the last complete one (with a message when the request was malformed)."""
    label = request.GET.get("week")
    if label:
        try:
            return Week.parse(label)
        except InvalidWeek as exc:
            messages.error(request, f"{exc} Showing the last complete week.")
    return Week.last_complete()


def home(request):
    """Show the weekly alignment dashboard for the chosen week (default: the last complete one)."""
    if not roles.has_perm(request.user, Perm.READ):
        return render(request, "crm/no_role.html", status=403)
    week = _week_from(request)
    numbers = weekly_metrics(week)
    current = Week.current()
    context = {
        "m": numbers,
        "cards": dashboard.headline_cards(numbers),
        "charts": dashboard.chart_data(numbers),
        "attribution": dashboard.attribution_rows(numbers),
        "speed": dashboard.speed_rows(numbers.first_contact),
        "attribution_labels": dashboard.ATTRIBUTION_LABELS,
        "previous_week": week.previous(),
        "next_week": week.next() if week < current else None,
        "current_week": current,
        "first_week": FIRST_WEEK,
        "last_complete_week": current.previous(),
    }
    return render(request, "alignment/home.html", context)


@perm_required(Perm.READ)
def campaigns_csv(request):
    """Download the dashboard's campaign table of the week as CSV."""
    try:
        # A download has no page to carry a message: a wrong week is the client's error.
        week = Week.parse(request.GET["week"]) if request.GET.get("week") else Week.last_complete()
    except InvalidWeek as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    rows = dashboard.campaigns_csv_rows(weekly_metrics(week))
    return stream_csv(rows, f"campaigns-{week.label}.csv")


def _quarter_from(request):
    match = QUARTER_RE.match(request.GET.get("quarter", ""))
    if match and FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        return Quarter(int(match.group(1)), int(match.group(2)))
    return Quarter.of_week(Week.current())


@perm_required(Perm.MANAGE_TEAM)
@require_http_methods(["GET", "POST"])
def team_settings(request):
    """Let managers edit the service level and the goals of a quarter, and see the hand-off alerts not delivered."""
    quarter = _quarter_from(request)
    level = ServiceLevel.current()
    goal = QuarterlyGoal.objects.filter(year=quarter.year, quarter=quarter.number).first()
    level_form = ServiceLevelForm(instance=level, prefix="sl")
    goal_form = QuarterlyGoalForm(instance=goal, prefix="goal")
    if request.method == "POST":
        if request.POST.get("form") == "service_level":
            level_form = ServiceLevelForm(request.POST, instance=ServiceLevel.current(), prefix="sl")
            if level_form.is_valid():
                services.service_level_update(actor=request.user, **level_form.cleaned_data)
                messages.success(request, "Service level saved.")
                return redirect(f"{reverse('team-settings')}?quarter={quarter.label}")
        else:
            goal_form = QuarterlyGoalForm(request.POST, instance=goal, prefix="goal")
            if goal_form.is_valid():
                services.quarterly_goal_set(
                    year=quarter.year, quarter=quarter.number, actor=request.user, **goal_form.cleaned_data
                )
                messages.success(request, f"Goals for {quarter.label} saved.")
                return redirect(f"{reverse('team-settings')}?quarter={quarter.label}")
    this_quarter = Quarter.of_week(Week.current())
    quarters = [_quarter_shift(this_quarter, n) for n in range(-3, 3)]
    goals = {(g.year, g.quarter): g for g in QuarterlyGoal.objects.filter(year__in={q.year for q in quarters})}
    context = {
        "quarter": quarter,
        "level": level,
        "level_form": level_form,
        "goal_form": goal_form,
        "quarters": [{"quarter": q, "goal": goals.get((q.year, q.number))} for q in quarters],
        "undelivered": undelivered_alerts(),
    }
    return render(request, "alignment/team_settings.html", context)


def _quarter_shift(quarter, n):
    index = quarter.year * 4 + quarter.number - 1 + n
    return Quarter(index // 4, index % 4 + 1)


@perm_required(Perm.READ)
def digest_list(request):
    """List the digests sent so far, newest week first, filtered by audience."""
    digests = Digest.objects.all()
    audience = request.GET.get("audience", "")
    if audience in Audience.values:
        digests = digests.filter(audience=audience)
    else:
        audience = ""
    digests = digests.only("id", "week", "audience", "state", "subject", "sent_at", "created_at").annotate(
        unsent=Count("deliveries", filter=Q(deliveries__state__in=DIGEST_UNSENT))
    )  # an aggregate drops Meta.ordering: order again
    digests = digests.order_by(*Digest._meta.ordering)
    page = Paginator(digests, 25).get_page(request.GET.get("page"))
    return render(
        request, "alignment/digest_list.html", {"page": page, "audience": audience, "audiences": Audience.choices}
    )


@perm_required(Perm.READ)
def digest_detail(request, pk):
    """Show one digest as it was sent."""
    digest = get_object_or_404(Digest, pk=pk)
    deliveries = digest.deliveries.all() if roles.has_perm(request.user, Perm.MANAGE_TEAM) else None
    resendable = deliveries is not None and any(
        d.state in (DigestDelivery.State.FAILED, DigestDelivery.State.UNKNOWN) for d in deliveries
    )
    # A member of the digest's audience reads it as it was sent to them; anyone else reads the common part.
    reader = request.user if request.user.groups.filter(name=digest.audience).exists() else None
    text_body, html_body = personal_bodies(digest, reader)
    context = {
        "digest": digest,
        "deliveries": deliveries,
        "resendable": resendable,
        "text_body": text_body,
        "html_body": html_body,
    }
    return render(request, "alignment/digest_detail.html", context)


@perm_required(Perm.MANAGE_TEAM)
@require_http_methods(["POST"])
def digest_resend(request, pk):
    """Send a digest's failed and outcome-unknown deliveries once more (managers)."""
    digest = get_object_or_404(Digest, pk=pk)
    count = services.digest_resend(digest=digest, actor=request.user)
    if count:
        messages.success(request, f"{count} deliver{'y' if count == 1 else 'ies'} queued to be sent again.")
    else:
        messages.info(request, "Nothing to resend: no delivery of this digest failed or has an unknown outcome.")
    return redirect("digest-detail", pk=digest.pk)


@perm_required(Perm.MANAGE_TEAM)
def digest_preview(request):
    """Show a manager the digest of the week in progress for one audience, as it would be sent now."""
    audience = request.GET.get("audience") or Audience.MANAGERS
    if audience not in Audience.values:
        return HttpResponseBadRequest("Unknown audience: choose marketing, sales or managers.")
    week = Week.current()
    rendered = digest_render(metrics=weekly_metrics(week), audience=audience)
    # Unsaved: the preview shows the common part where each reader's own figures would go.
    text_body, html_body = personal_bodies(
        Digest(text_body=rendered.text, html_body=rendered.html, payload=rendered.payload), None
    )
    context = {
        "rendered": rendered,
        "text_body": text_body,
        "html_body": html_body,
        "audience": audience,
        "audiences": Audience.choices,
        "week": week,
        "deliveries": None,
    }
    return render(request, "alignment/digest_preview.html", context)

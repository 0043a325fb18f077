"""Hand-off figures and the service level of the weeks, from the hand-offs created in them."""

import datetime
import statistics
from collections import defaultdict

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Min,
    Q,
)
from django.db.models.functions import Coalesce

from alignment.metrics.figures import Handoffs, ServiceLevelFigures, share_of, sorted_counts
from alignment.metrics.windows import in_week, week_index
from handoffs.models import Handoff


def handoff_figures(weeks, points, level, now):
    """One grouped query: hand-offs created per week by outcome and reason, with deadline checks."""
    contact_deadline = Coalesce(
        "first_contact_deadline",
        ExpressionWrapper(
            F("responded_at") + datetime.timedelta(hours=level.hours_to_first_contact), output_field=DateTimeField()
        ),
    )
    accepted = Q(outcome=Handoff.Outcome.ACCEPTED)
    in_time = Q(responded_at__isnull=False, responded_at__lte=F("accept_deadline"))
    breach = Q(responded_at__gt=F("accept_deadline")) | Q(outcome=Handoff.Outcome.PENDING, accept_deadline__lt=now)
    contact_in_time = accepted & Q(first_contact_at__isnull=False, first_contact_at__lte=contact_deadline)
    # Accepted with no contact yet and the deadline still ahead is undecided, like a pending hand-off in time.
    contact_due = Q(first_contact_deadline__lt=now) | Q(
        first_contact_deadline__isnull=True,
        responded_at__lt=now - datetime.timedelta(hours=level.hours_to_first_contact),
    )
    contact_ahead = Q(first_contact_deadline__gte=now) | Q(
        first_contact_deadline__isnull=True,
        responded_at__gte=now - datetime.timedelta(hours=level.hours_to_first_contact),
    )
    contact_late = accepted & (
        Q(first_contact_at__gt=contact_deadline)
        | (Q(first_contact_at__isnull=True, responded_at__isnull=False) & contact_due)
    )
    W = len(weeks) - 1
    this_week = in_week("created_at", weeks[W])
    rows = (
        Handoff.objects.filter(created_at__gte=weeks[0].start, created_at__lt=weeks[-1].end)
        .annotate(bucket=week_index("created_at", weeks))
        .values("bucket", "outcome", "reject_reason", "assigned_to")
        .annotate(
            created=Count("id"),
            in_time=Count("id", filter=in_time),
            breaches=Count("id", filter=breach),
            contact_in_time=Count("id", filter=this_week & contact_in_time),
            contact_late=Count("id", filter=this_week & contact_late),
            over_capacity=Count("id", filter=this_week & Q(over_capacity=True)),
            # The figures change by time alone when a pending hand-off passes its deadline (a breach),
            # or an accepted one its first-contact deadline without contact (W's contact rate).
            next_breach=Min("accept_deadline", filter=Q(outcome=Handoff.Outcome.PENDING, accept_deadline__gte=now)),
            next_contact_due=Min(
                contact_deadline,
                filter=this_week & accepted & Q(first_contact_at__isnull=True) & contact_ahead,
            ),
        )
        .order_by()
    )
    figures = Handoffs()
    level_figures = ServiceLevelFigures()
    by_reason = defaultdict(int)
    contact_yes = contact_no = 0
    valid_until = [None] * len(weeks)
    for row in rows:
        outcome, count, point = row["outcome"], row["created"], points[row["bucket"]]
        for deadline in (row["next_breach"], row["next_contact_due"]):
            if deadline is not None and (valid_until[row["bucket"]] is None or deadline < valid_until[row["bucket"]]):
                valid_until[row["bucket"]] = deadline
        if outcome == Handoff.Outcome.ACCEPTED:
            point.accepted += count
        elif outcome == Handoff.Outcome.REJECTED:
            point.rejected += count
        point.responded_in_time += row["in_time"]
        point.breaches += row["breaches"]
        if row["bucket"] != W:
            continue
        figures.created += count
        figures.over_capacity += row["over_capacity"]
        if row["assigned_to"] is not None:
            figures.received_by_rep[row["assigned_to"]] = figures.received_by_rep.get(row["assigned_to"], 0) + count
        if outcome == Handoff.Outcome.ACCEPTED:
            figures.accepted += count
        elif outcome == Handoff.Outcome.REJECTED:
            figures.rejected += count
            if count:
                by_reason[row["reject_reason"]] += count
        else:
            figures.pending += count
        contact_yes += row["contact_in_time"]
        contact_no += row["contact_late"]
    figures.acceptance_rate = points[W].acceptance_rate
    figures.rejected_by_reason = sorted_counts(by_reason)
    level_figures.responded_in_time = points[W].responded_in_time
    level_figures.breaches = points[W].breaches
    level_figures.responded_in_time_rate = points[W].responded_in_time_rate
    level_figures.first_contact_in_time_rate = share_of(contact_yes, contact_yes + contact_no)
    return figures, level_figures, valid_until


def median_hours_to_accept(week):
    """Median hours from hand-off to acceptance, over the week's accepted hand-offs (rows of the week)."""
    pairs = Handoff.objects.filter(in_week("created_at", week), outcome=Handoff.Outcome.ACCEPTED).values_list(
        "created_at", "responded_at"
    )
    hours = [(answered - created).total_seconds() / 3600 for created, answered in pairs if answered]
    return round(statistics.median(hours), 1) if hours else None

"""Reads for the lead pages: querysets with their joins done, pages without full-table counts."""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import dateformat, timezone

from crm import roles
from leads.models import Activity, Lead, Touchpoint

PAGE_SIZE = 50
# The list's sort keys (LeadFilter's ordering names) and the column each pages by.
SORT_FIELDS = {"created": "created_at", "score": "score", "moved": "status_changed_at", "company": "company"}
DEFAULT_SORT = "-created"


CONSENT_FIELDS = {
    "consent_at": "consent_at",
    "consent_version": "consent_version",
    "consent_text": "consent_text",
    "consent_page": "page_url",
}


def with_consent(queryset):
    """Annotate each lead with its latest consent (time, text version, text, source page), or None."""
    latest = Touchpoint.objects.filter(lead=OuterRef("pk"), consent_at__isnull=False).order_by("-consent_at", "-id")
    return queryset.annotate(**{name: Subquery(latest.values(column)[:1]) for name, column in CONSENT_FIELDS.items()})


def lead_consent(lead):
    """Return the lead's latest consent as a dict (from the annotations when present), or None."""
    if not hasattr(lead, "consent_at"):
        lead = with_consent(Lead.objects.filter(pk=lead.pk)).first() or lead
    if getattr(lead, "consent_at", None) is None:
        return None
    return {
        "at": lead.consent_at,
        "version": lead.consent_version,
        "text": lead.consent_text,
        "page": lead.consent_page,
    }


def lead_list_queryset():
    """Return leads with what a list row shows joined in."""
    return Lead.objects.select_related("owner", "first_touch_campaign")


def lead_for_page(pk):
    """Return the lead with its owner, campaigns and latest consent, or raise Http404."""
    queryset = Lead.objects.select_related("owner", "first_touch_campaign", "last_touch_campaign")
    return get_object_or_404(with_consent(queryset), pk=pk)


@dataclass(frozen=True)
class LeadPage:
    leads: list
    sort: str
    has_next: bool
    has_previous: bool
    next_cursor: str | None
    previous_cursor: str | None


def sort_from(value):
    """Return a valid sort key such as "-score" from LeadFilter's ordering value, else the default."""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    value = value or DEFAULT_SORT
    return value if value.lstrip("-") in SORT_FIELDS else DEFAULT_SORT


def _encode(lead, field):
    value = getattr(lead, field)
    if isinstance(value, datetime.datetime):
        value = value.isoformat()
    raw = json.dumps([value, lead.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor, field):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        return Lead._meta.get_field(field).to_python(value), int(pk)
    except (binascii.Error, ValueError, TypeError, ValidationError):
        return None


def leads_page(queryset, *, sort=DEFAULT_SORT, after=None, before=None, page_size=PAGE_SIZE):
    """Return one page of the queryset by keyset on (sort column, id): page_size + 1 rows, no COUNT.

    ``after`` and ``before`` are cursors of the previous page's last or the next page's first
    row; an unreadable cursor gives the first page. Every page costs the same at any depth.
    """
    sort = sort_from(sort)
    descending = sort.startswith("-")
    field = SORT_FIELDS[sort.lstrip("-")]
    cursor, forward = None, True
    if after:
        cursor = _decode(after, field)
    elif before:
        cursor, forward = _decode(before, field), False
    if cursor is None:
        forward = True
    # Walking forward on a descending sort, or backward on an ascending one, goes to smaller keys.
    smaller = descending == forward
    sign = "-" if smaller else ""
    queryset = queryset.order_by(f"{sign}{field}", f"{sign}id")
    if cursor is not None:
        value, pk = cursor
        op = "lt" if smaller else "gt"
        # The first conjunct is redundant but sargable: it lets the database range-scan the index.
        queryset = queryset.filter(
            Q(**{f"{field}__{op}e": value}) & (Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
        )
    rows = list(queryset[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    if not forward:
        rows.reverse()
    has_next = more if forward else True
    has_previous = (cursor is not None) if forward else more
    return LeadPage(
        leads=rows,
        sort=sort,
        has_next=has_next and bool(rows),
        has_previous=has_previous and bool(rows),
        next_cursor=_encode(rows[-1], field) if has_next and rows else None,
        previous_cursor=_encode(rows[0], field) if has_previous and rows else None,
    )


def lead_count_estimate():
    """Return PostgreSQL's estimate of the number of leads (pg_class.reltuples), or None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [Lead._meta.db_table])
        row = cursor.fetchone()
    # -1: the table was never vacuumed or analysed, so there is no estimate yet.
    return row[0] if row and row[0] >= 0 else None


EXPORT_HEADER = [
    "id",
    "email",
    "first_name",
    "last_name",
    "company",
    "title",
    "phone",
    "industry",
    "company_size",
    "country",
    "source",
    "first_touch_campaign",
    "last_touch_campaign",
    "status",
    "score",
    "fit",
    "owner",
    "deal_value",
    "lost_reason",
    "created_at",
    "consent_at",
    "consent_version",
    "consent_text",
    "consent_page",
]


def lead_export_rows(queryset, *, sort=DEFAULT_SORT):
    """Yield the CSV rows of the leads, streaming from the database in chunks."""
    sort = sort_from(sort)
    sign, field = ("-" if sort.startswith("-") else ""), SORT_FIELDS[sort.lstrip("-")]
    queryset = with_consent(queryset.select_related("owner", "first_touch_campaign", "last_touch_campaign")).order_by(
        f"{sign}{field}", f"{sign}id"
    )
    for lead in queryset.iterator(chunk_size=2000):
        yield [
            lead.pk,
            lead.email,
            lead.first_name,
            lead.last_name,
            lead.company,
            lead.title,
            lead.phone,
            lead.industry,
            lead.company_size,
            lead.country,
            lead.source,
            lead.first_touch_campaign.slug if lead.first_touch_campaign else "",
            lead.last_touch_campaign.slug if lead.last_touch_campaign else "",
            lead.status,
            lead.score,
            lead.fit,
            lead.owner.get_username() if lead.owner else "",
            lead.deal_value,
            lead.lost_reason,
            lead.created_at,
            lead.consent_at or "",
            lead.consent_version or "",
            lead.consent_text or "",
            lead.consent_page or "",
        ]


def open_tasks(lead):
    """Return the lead's open tasks, soonest due first, with their assignees."""
    return list(
        Activity.objects.filter(lead=lead, kind=Activity.Kind.TASK, done_at__isnull=True)
        .select_related("assignee")
        .order_by("due_at", "id")
    )


def end_of_today(now=None):
    """Return the next local midnight (TIME_ZONE): tasks due before it are due today or overdue."""
    local = timezone.localtime(now or timezone.now())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + datetime.timedelta(days=1)


def tasks_due(user, *, now=None, limit=500):
    """Return the user's open tasks due today or overdue, oldest due first, with their leads."""
    return list(
        Activity.objects.filter(
            assignee=user, kind=Activity.Kind.TASK, done_at__isnull=True, due_at__lt=end_of_today(now)
        )
        .select_related("lead", "lead__owner")
        .order_by("due_at", "id")[:limit]
    )


def sales_users():
    """Return the active members of the sales team, to whom a manager may delegate a task."""
    return get_user_model().objects.filter(is_active=True, groups__name=roles.SALES).distinct().order_by("username")


def merge_candidates(survivor, query, *, limit=10):
    """Return up to ``limit`` other leads whose e-mail contains the query."""
    query = (query or "").strip()
    if len(query) < 3:
        return []
    return list(
        Lead.objects.filter(email__icontains=query)
        .exclude(pk=survivor.pk)
        .select_related("owner")
        .order_by("email")[:limit]
    )


def task_assignees(user):
    """Return who the user may give a task to: themselves, and every sales rep for a manager.

    The one assignee policy: the task form offers these, and activity_log refuses any other
    (so the API, which has no form, answers the same).
    """
    users = get_user_model().objects.filter(pk=user.pk)
    if roles.is_manager(user):
        users = get_user_model().objects.filter(Q(pk=user.pk) | Q(pk__in=sales_users().values("pk")))
    return users.order_by("username")


COMPARED_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "company",
    "title",
    "phone",
    "country",
    "status",
    "owner",
    "source",
    "first_touch_campaign",
    "score",
    "created_at",
]


def merge_comparison(survivor, duplicate):
    """Return rows (label, survivor's value, duplicate's value) and the history each lead holds."""
    rows = []
    for name in COMPARED_FIELDS:
        field = Lead._meta.get_field(name)
        values = []
        for lead in (survivor, duplicate):
            display = getattr(lead, f"get_{name}_display", None)
            value = display() if display else getattr(lead, name)
            if isinstance(value, datetime.datetime):
                value = dateformat.format(timezone.localtime(value), "j M Y, H:i")
            elif name == "owner" and value is not None:
                value = value.get_full_name() or value.get_username()
            values.append("—" if value in ("", None) else value)
        rows.append((field.verbose_name.capitalize(), *values))
    # Every reverse relation moves on merge, those of other apps included: count them generically.
    history = []
    for relation in Lead._meta.related_objects:
        if relation.many_to_many:
            continue
        model = relation.related_model
        counts = [
            model._default_manager.filter(**{relation.field.name: lead}).count() for lead in (survivor, duplicate)
        ]
        history.append((model._meta.verbose_name_plural.capitalize(), *counts))
    return {"fields": rows, "history": history}

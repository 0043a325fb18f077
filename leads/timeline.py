"""The lead's timeline: one list, newest first, merged from several sources.

leads knows its own sources (touchpoints, status changes, activities). Other apps add
theirs without leads importing them: ``handoffs`` registers a source from
``HandoffsConfig.ready()``, so the dependency keeps pointing one way
(campaigns ← leads ← handoffs) while the lead page still shows hand-off events.

A source is a callable ``(lead, limit) -> list[TimelineEntry]`` that makes ONE query and
returns at most ``limit`` entries, newest first (``limit`` None: all of them). The page's
query count is then one per source, whatever the number of entries.
"""

import datetime
from dataclasses import dataclass

from django.db.models.functions import Coalesce

from leads.models import Activity, Lead, StatusChange, Touchpoint

DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # touchpoint, status, activity kind (call, email, …), task, handoff
    icon: str  # a bootstrap-icons name
    title: str
    body: str = ""
    actor: str = ""
    tone: str = "secondary"  # a Bootstrap colour for the marker and badge
    # Breaks ties between entries of the same instant: later-written rows first.
    order: int = 0


@dataclass(frozen=True)
class Timeline:
    entries: list
    truncated: bool  # more entries exist than were shown


_sources = []


def register_source(source):
    """Add a timeline source (idempotent, so a repeated ready() registers nothing twice)."""
    if source not in _sources:
        _sources.append(source)
    return source


def sources():
    """Return the registered sources, leads' own first."""
    return list(_sources)


def _name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _bounded(queryset, limit):
    return list(queryset if limit is None else queryset[:limit])


@register_source
def touchpoint_entries(lead, limit):
    """Return the lead's touchpoints as entries."""
    rows = _bounded(
        Touchpoint.objects.filter(lead=lead)
        .select_related("campaign", "variant", "recorded_by")
        .order_by("-occurred_at", "-id"),
        limit,
    )
    entries = []
    for touch in rows:
        reported = touch.kind == Touchpoint.Kind.SALES_REPORTED
        where = touch.campaign.name if touch.campaign else touch.get_channel_display()
        title = f"Buyer named {where} as the source" if reported else f"{touch.get_kind_display()}: {where}"
        details = [touch.note] if touch.note else []
        if touch.variant:
            details.append(f"Variant {touch.variant.name}")
        if touch.page_url:
            details.append(touch.page_url)
        if not reported and touch.campaign:
            details.append(f"Channel: {touch.get_channel_display()}")
        entries.append(
            TimelineEntry(
                at=touch.occurred_at,
                kind="touchpoint",
                icon="megaphone" if not reported else "chat-quote",
                title=title,
                body=" · ".join(details),
                actor=_name(touch.recorded_by),
                tone="info",
                order=touch.pk,
            )
        )
    return entries


@register_source
def status_entries(lead, limit):
    """Return the lead's status changes as entries."""
    rows = _bounded(
        StatusChange.objects.filter(lead=lead).select_related("changed_by").order_by("-changed_at", "-id"), limit
    )
    labels = dict(Lead.Status.choices)
    return [
        TimelineEntry(
            at=change.changed_at,
            kind="status",
            icon="arrow-right-circle",
            title=(
                f"{labels.get(change.from_status, change.from_status)} → {labels[change.to_status]}"
                if change.from_status
                else f"Became {labels[change.to_status]}"
            ),
            body=change.note,
            actor=_name(change.changed_by),
            tone={"won": "success", "lost": "danger", "disqualified": "danger"}.get(change.to_status, "primary"),
            order=change.pk,
        )
        for change in rows
    ]


ACTIVITY_ICONS = {
    Activity.Kind.CALL: "telephone",
    Activity.Kind.EMAIL: "envelope",
    Activity.Kind.MEETING: "people",
    Activity.Kind.NOTE: "sticky",
    Activity.Kind.TASK: "check2-square",
}


@register_source
def activity_entries(lead, limit):
    """Return the lead's activities and done tasks as entries (open tasks are next steps, not history)."""
    rows = _bounded(
        Activity.objects.filter(lead=lead)
        .exclude(kind=Activity.Kind.TASK, done_at__isnull=True)
        .select_related("user", "assignee")
        .annotate(at=Coalesce("done_at", "occurred_at"))
        .order_by("-at", "-id"),
        limit,
    )
    entries = []
    for activity in rows:
        if activity.kind == Activity.Kind.TASK:
            title = f"Done: {activity.subject or 'task'}"
            actor = _name(activity.assignee or activity.user)
        else:
            title = (
                f"{activity.get_kind_display()}: {activity.subject}"
                if activity.subject
                else activity.get_kind_display()
            )
            actor = _name(activity.user)
        entries.append(
            TimelineEntry(
                at=activity.at,
                kind=str(activity.kind),
                icon=ACTIVITY_ICONS[activity.kind],
                title=title,
                body=activity.body,
                actor=actor,
                tone="success" if activity.kind == Activity.Kind.TASK else "dark",
                order=activity.pk,
            )
        )
    return entries


def lead_timeline(lead, *, limit=DEFAULT_LIMIT):
    """Return the lead's merged timeline, newest first: the latest ``limit`` entries (None: all)."""
    # Each source returns at most limit + 1, so the merge knows whether anything was left out.
    fetch = None if limit is None else limit + 1
    entries = [entry for source in _sources for entry in source(lead, fetch)]
    entries.sort(key=lambda entry: (entry.at, entry.order), reverse=True)
    if limit is None:
        return Timeline(entries=entries, truncated=False)
    return Timeline(entries=entries[:limit], truncated=len(entries) > limit)

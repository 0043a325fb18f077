"""What a delivery says: the event's envelope with the object as the API shows it, or a Slack message."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from alignment.digests import slack_text
from campaigns.api import CampaignSerializer
from crm import events
from handoffs.api import HandoffSerializer
from leads.api import LeadSerializer
from leads.models import Lead
from leads.selectors import with_consent

# Payload keys that are the event's object (or who did it) rather than details of what happened.
_OBJECT_KEYS = {"lead", "lead_id", "handoff", "campaign", "report", "actor"}


def _lead(payload):
    lead = payload.get("lead")
    if lead is None:
        # The bulk import announces ids: its leads are plain rows, not model instances.
        queryset = Lead.objects.select_related("first_touch_campaign", "last_touch_campaign", "owner")
        lead = with_consent(queryset).get(pk=payload["lead_id"])  # one query, consent included
    return lead


def object_data(event):
    """Return the event's object as the API shows it."""
    kind = event.type.split(".", 1)[0]
    if kind == "lead":
        return LeadSerializer(_lead(event.payload)).data
    if kind == "handoff":
        return HandoffSerializer(event.payload["handoff"]).data
    if kind == "campaign":
        return CampaignSerializer(event.payload["campaign"]).data
    if kind == "report":
        return event.payload["report"].as_json()
    raise ValueError(f"No webhook payload is defined for {event.type}")


def envelope(event, event_id):
    """Return the JSON delivery of ``event``: id, type, time, the object and the details of the change."""
    details = {key: value for key, value in event.payload.items() if key not in _OBJECT_KEYS}
    actor = event.actor
    details["actor"] = actor.get_username() if actor is not None else None
    return {
        "id": str(event_id),
        "type": event.type,
        "time": event.at.isoformat(),
        "data": object_data(event),
        "details": details,
    }


def encode(document):
    return json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)


def _link(name, pk):
    return f"{settings.SITE_URL}{reverse(name, args=[pk])}"


def _lead_line(data):
    name = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part) or data["email"]
    company = f" ({data['company']})" if data.get("company") else ""
    return f"{name}{company}"


def slack_message(document):
    """Return a Slack-compatible ``{"text": …}`` body telling the event in one readable line or two."""
    kind, data, details = document["type"], document["data"], document["details"]
    if kind.startswith("lead."):
        who = f"<{_link('leads:detail', data['id'])}|{slack_text(_lead_line(data))}>"
        lines = {
            events.LEAD_CREATED: f"New lead: {who}, score {data['score']}.",
            events.LEAD_STATUS_CHANGED: f"{who} moved from {details.get('from_status')} to {details.get('to_status')}.",
            events.LEAD_WON: f":trophy: {who} won, deal value {details.get('deal_value')}.",
            events.LEAD_LOST: f"{who} lost ({slack_text(str(details.get('lost_reason')))}).",
        }
        text = lines[kind]
    elif kind.startswith("handoff."):
        lead = data["lead_summary"]
        who = f"<{_link('leads:detail', lead['id'])}|{slack_text(lead['name'] or lead['email'])}>"
        rep = data.get("assigned_to_username") or "nobody yet"
        text = {
            events.HANDOFF_CREATED: f"{who} handed to sales ({rep}).",
            events.HANDOFF_ACCEPTED: f"{rep} accepted the hand-off of {who}.",
            events.HANDOFF_REJECTED: (
                f"{rep} rejected the hand-off of {who} ({slack_text(data['reject_reason'])}): "
                f"{slack_text(data['feedback'])}"
            ),
        }[kind]
    elif kind.startswith("campaign."):
        verb = "created" if kind == events.CAMPAIGN_CREATED else "changed"
        text = f"Campaign {slack_text(data['name'])} ({slack_text(data['slug'])}) {verb}."
    else:
        text = f"The weekly report of {data['week']} is stored."
    return {"text": text}

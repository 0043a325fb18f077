"""The navigation bar: one list, filtered by the role policy."""

from dataclasses import dataclass

from django.urls import reverse

from crm import roles
from crm.roles import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: Perm
    icon: str
    section: str = "main"


NAV_ITEMS = [
    NavItem("Dashboard", "home", Perm.READ, "speedometer2"),
    NavItem("Leads", "leads:list", Perm.READ, "person-lines-fill", "sales"),
    NavItem("Today", "leads:today", Perm.WORK_LEADS, "calendar-check", "sales"),
    NavItem("Hand-offs", "handoffs:inbox", Perm.READ, "inbox", "sales"),
    NavItem("Pipeline", "handoffs:pipeline", Perm.WORK_LEADS, "kanban", "sales"),
    NavItem("Campaigns", "campaigns:list", Perm.READ, "megaphone", "marketing"),
    NavItem("Feedback", "marketing:feedback", Perm.READ, "chat-left-quote", "marketing"),
    NavItem("Capture forms", "leads:capture_form_list", Perm.READ, "ui-checks", "marketing"),
    NavItem("Import", "leads:import_upload", Perm.IMPORT_LEADS, "upload", "marketing"),
    NavItem("Scoring", "leads:scoring", Perm.READ, "bullseye", "marketing"),
    NavItem("Digests", "digest-list", Perm.READ, "envelope-paper", "team"),
    NavItem("Reps", "handoffs:reps", Perm.ASSIGN_HANDOFFS, "person-gear", "team"),
    NavItem("Team settings", "team-settings", Perm.MANAGE_TEAM, "sliders", "team"),
    NavItem("Webhooks", "integrations:endpoint_list", Perm.MANAGE_WEBHOOKS, "broadcast", "team"),
    NavItem("Audit trail", "privacy:audit-list", Perm.MANAGE_TEAM, "journal-text", "team"),
    NavItem("Personal data", "privacy:home", Perm.MANAGE_TEAM, "person-lock", "team"),
    NavItem("API token", "api-token", Perm.READ, "key", section="account"),
    NavItem("Alerts", "alert-settings", Perm.READ, "bell", section="account"),
]


def nav_items_for(user, current_path=""):
    """Return the navigation entries the user may use, marking the current one."""
    items = []
    for item in NAV_ITEMS:
        if not roles.has_perm(user, item.perm):
            continue
        url = reverse(item.url_name)
        matches = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": matches, "section": item.section})
    # Only the longest match is current: /handoffs/pipeline/ is Pipeline, not also Hand-offs.
    matching = [entry for entry in items if entry["active"]]
    if len(matching) > 1:
        longest = max(matching, key=lambda entry: len(entry["url"]))
        for entry in matching:
            entry["active"] = entry is longest
    return items

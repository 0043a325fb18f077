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
    NavItem("Capture forms", "leads:capture_form_list", Perm.READ, "ui-checks", "marketing"),
    NavItem("Import", "leads:import_upload", Perm.IMPORT_LEADS, "upload", "marketing"),
    NavItem("Scoring", "leads:scoring", Perm.READ, "bullseye", "marketing"),
    NavItem("Digests", "digest-list", Perm.READ, "envelope-paper", "team"),
    NavItem("Team settings", "team-settings", Perm.MANAGE_TEAM, "sliders", "team"),
    NavItem("Leads", "leads:list", Perm.READ, "person-lines-fill", "sales"),
    NavItem("Today", "leads:today", Perm.WORK_LEADS, "calendar-check", "sales"),
]


def nav_items_for(user, current_path=""):
    """Return the navigation entries the user may use, marking the current one."""
    items = []
    for item in NAV_ITEMS:
        if not roles.has_perm(user, item.perm):
            continue
        url = reverse(item.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active, "section": item.section})
    # Nested entries (/leads/ and /leads/today/): only the most specific match is current.
    matches = [entry for entry in items if entry["active"]]
    for entry in matches:
        entry["active"] = len(entry["url"]) == max(len(match["url"]) for match in matches)
    return items

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
    NavItem("API token", "api-token", Perm.READ, "key", section="account"),
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
    return items

from django.conf import settings

from crm import roles
from crm.navigation import nav_items_for


def tandem(request):
    """Expose the version, navigation and the user's capabilities to every template."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "tandem_version": settings.TANDEM_VERSION,
        "can": roles.nav_for(user) if signed_in else {},
        "user_roles": sorted(roles.roles_of(user)) if signed_in else [],
        "nav_items": nav_items_for(user, request.path) if signed_in else [],
    }

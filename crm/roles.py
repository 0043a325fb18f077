"""The role policy: who may do what, in one place.

Every page, API endpoint, template and task asks this module; nothing else decides
access. Roles are the Django groups ``marketing``, ``sales`` and ``managers``
(superusers count as managers). The design's rule, as capabilities:

* everyone signed in reads leads, campaigns, the dashboard and digests;
* marketing writes campaigns, spend, capture forms, ICP and scoring, creates leads
  and hand-offs, imports;
* sales writes status and activities on the leads it owns and answers its own
  hand-offs;
* managers do all of that, on any lead, and edit the service level and goals.

Anything else is refused with 403.
"""

from enum import StrEnum
from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

MARKETING = "marketing"
SALES = "sales"
MANAGERS = "managers"
ROLES = (MARKETING, SALES, MANAGERS)


class Perm(StrEnum):
    READ = "read"
    WRITE_CAMPAIGNS = "write_campaigns"
    WRITE_SCORING = "write_scoring"
    MANAGE_FORMS = "manage_forms"
    CREATE_LEADS = "create_leads"
    IMPORT_LEADS = "import_leads"
    CREATE_HANDOFFS = "create_handoffs"
    WORK_LEADS = "work_leads"  # status and activities; object-level: own leads only for sales
    ANSWER_HANDOFFS = "answer_handoffs"  # object-level: own hand-offs only for sales
    ASSIGN_HANDOFFS = "assign_handoffs"
    MANAGE_TEAM = "manage_team"  # service level, goals, anyone's leads
    MANAGE_WEBHOOKS = "manage_webhooks"  # outbound webhook endpoints and their deliveries


POLICY = {
    Perm.READ: {MARKETING, SALES, MANAGERS},
    Perm.WRITE_CAMPAIGNS: {MARKETING, MANAGERS},
    Perm.WRITE_SCORING: {MARKETING, MANAGERS},
    Perm.MANAGE_FORMS: {MARKETING, MANAGERS},
    Perm.CREATE_LEADS: {MARKETING, MANAGERS},
    Perm.IMPORT_LEADS: {MARKETING, MANAGERS},
    Perm.CREATE_HANDOFFS: {MARKETING, MANAGERS},
    Perm.WORK_LEADS: {SALES, MANAGERS},
    Perm.ANSWER_HANDOFFS: {SALES, MANAGERS},
    Perm.ASSIGN_HANDOFFS: {MANAGERS},
    Perm.MANAGE_TEAM: {MANAGERS},
    Perm.MANAGE_WEBHOOKS: {MANAGERS},
}


def roles_of(user):
    """Return the set of Tandem roles the user holds (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_tandem_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(MANAGERS)
        cached = frozenset(names)
        user._tandem_roles = cached
    return cached


def has_role(user, role):
    """Return whether the user holds the role."""
    return role in roles_of(user)


def is_manager(user):
    """Return whether the user is a manager (or a superuser)."""
    return MANAGERS in roles_of(user)


def has_perm(user, perm):
    """Return whether any of the user's roles grants the capability."""
    return bool(roles_of(user) & POLICY[Perm(perm)])


def can_work_lead(user, lead):
    """Return whether the user may change the lead's status and log activities on it."""
    if is_manager(user):
        return True
    return has_role(user, SALES) and lead.owner_id is not None and lead.owner_id == user.pk


def can_edit_lead(user, lead):
    """Return whether the user may correct the lead's profile: marketing, who brings leads in,
    and whoever may work it."""
    return has_perm(user, Perm.CREATE_LEADS) or can_work_lead(user, lead)


def can_answer_handoff(user, handoff):
    """Return whether the user may accept or reject the hand-off."""
    if is_manager(user):
        return True
    return has_role(user, SALES) and handoff.assigned_to_id is not None and handoff.assigned_to_id == user.pk


def can_read_audit(user, object_type, obj):
    """Return whether the user may read the audit trail of the object (by its AuditEntry object type).

    Managers read every trail (and the audit page). Otherwise a trail is read by who may change
    the object: a lead's by marketing and its owner, a hand-off's by marketing and its assignee,
    a campaign's (its variants' and spend's) and scoring's by marketing; team settings, roles and
    tokens by managers alone. A rep never reads the trail of a lead it does not own.
    """
    if is_manager(user):
        return True
    if object_type == "lead":
        return can_edit_lead(user, obj)
    if object_type == "handoff":
        return has_perm(user, Perm.CREATE_HANDOFFS) or can_answer_handoff(user, obj)
    if object_type in ("campaign", "variant", "spend"):
        return has_perm(user, Perm.WRITE_CAMPAIGNS)
    if object_type in ("icp", "scoring_rule"):
        return has_perm(user, Perm.WRITE_SCORING)
    return False


def require(user, perm):
    """Raise PermissionDenied unless the user has the capability."""
    if not has_perm(user, perm):
        raise PermissionDenied


def require_lead_work(user, lead):
    """Raise PermissionDenied unless the user may work the lead."""
    if not can_work_lead(user, lead):
        raise PermissionDenied


def require_handoff_answer(user, handoff):
    """Raise PermissionDenied unless the user may answer the hand-off."""
    if not can_answer_handoff(user, handoff):
        raise PermissionDenied


def perm_required(perm):
    """Decorate a view so that it answers 403 unless request.user has the capability.

    Anonymous users never get this far: the login-required middleware sends them
    to sign-in first.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require(request.user, perm)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class PermRequiredMixin:
    """Class-based view twin of perm_required: set ``required_perm``."""

    required_perm = Perm.READ

    def dispatch(self, request, *args, **kwargs):
        require(request.user, self.required_perm)
        return super().dispatch(request, *args, **kwargs)


class ApiPerm(BasePermission):
    """DRF permission reading the same policy.

    A view sets ``read_perm`` (default READ) and ``write_perm`` (unsafe methods) or
    ``action_perms`` ({action name: Perm}) for custom actions.
    """

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        action = getattr(view, "action", None)
        action_perms = getattr(view, "action_perms", {}) or {}
        if action in action_perms:
            return has_perm(user, action_perms[action])
        if request.method in SAFE_METHODS:
            return has_perm(user, getattr(view, "read_perm", Perm.READ))
        return has_perm(user, getattr(view, "write_perm", Perm.MANAGE_TEAM))


def nav_for(user):
    """Return the capabilities a template needs to show each role its navigation."""
    return {perm.value: has_perm(user, perm) for perm in Perm}

"""The audit card: the newest entries about an object, on its page, for who may read them."""

from django import template

from crm.roles import can_read_audit, is_manager
from crm.selectors import audit_trail_of

register = template.Library()


@register.inclusion_tag("crm/_audit_card.html", takes_context=True)
def audit_card(context, object_type, obj):
    """Render the object's trail, or nothing when the user may not read it."""
    user = context["request"].user
    if obj is None or not can_read_audit(user, object_type, obj):
        return {"allowed": False}
    return {
        "allowed": True,
        "entries": audit_trail_of(object_type, obj),
        "object_type": object_type,
        "object_id": obj.pk,
        "full_trail": is_manager(user),
    }

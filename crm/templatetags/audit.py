"""The audit card: the newest entries about an object, on its page, for who may read them."""

from django import template

from crm.roles import can_read_audit, is_manager
from crm.selectors import audit_trail_of, audit_trail_of_types

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


@register.inclusion_tag("crm/_audit_card.html", takes_context=True)
def audit_card_of_types(context, object_types):
    """Render the trail of shared settings (comma-separated object types), for who may read them all."""
    user = context["request"].user
    types = [name.strip() for name in object_types.split(",") if name.strip()]
    if not types or not all(can_read_audit(user, name, None) for name in types):
        return {"allowed": False}
    return {
        "allowed": True,
        "entries": audit_trail_of_types(types),
        "object_type": types[0],
        "object_id": "",
        "full_trail": is_manager(user),
        "show_object": True,
    }


@register.filter
def audit_value(value):
    """Show one old or new value of an entry, nothing as a dash."""
    if value is None or value == "":
        return "—"
    return value

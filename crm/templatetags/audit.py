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


# Fields whose values the trail keeps as a user's id (crm.audit.plain keeps a row as its key).
USER_FIELDS = frozenset({"owner", "assigned_to", "responded_by", "updated_by"})


@register.simple_tag(takes_context=True)
def audit_value(context, name, value):
    """Show one old or new value of an entry: a user's id as the user's name, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if name in USER_FIELDS and isinstance(value, int):
        from django.contrib.auth import get_user_model

        names = context.render_context.setdefault("audit_user_names", {})
        if value not in names:
            user = get_user_model().objects.filter(pk=value).only("username").first()
            names[value] = user.username if user is not None else f"user {value} (deleted)"
        return names[value]
    return value

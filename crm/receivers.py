"""Audit entries for the rows Tandem does not write through its own services.

Roles (a user's groups) and API tokens are changed by Django's admin, DRF's token command and
the token page; these receivers write their entries in the same transaction, whoever changed
them. A token entry names its user, never the key (a token's primary key is its secret).
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from crm.audit import ObjectType, audit_record

User = get_user_model()


def _group_names(user):
    return sorted(user.groups.values_list("name", flat=True))


def _record_roles(user, old, new):
    if old != new:
        audit_record(
            object_type=ObjectType.ROLE,
            object_id=user.pk,
            action="roles_changed",
            changes={"user": {"old": None, "new": user.get_username()}, "groups": {"old": old, "new": new}},
        )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="crm_audit_roles")
def audit_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """Record the groups a user had and has, on every add, remove and clear."""
    if action not in ("pre_add", "pre_remove", "pre_clear", "post_add", "post_remove", "post_clear"):
        return
    users = [instance] if not reverse else list(User.objects.filter(pk__in=pk_set or ()))
    if reverse and action.endswith("clear"):
        users = list(instance.user_set.all()) if action == "pre_clear" else getattr(instance, "_audit_cleared", [])
    if action.startswith("pre_"):
        for user in users:
            user._audit_roles_before = _group_names(user)
        if reverse and action == "pre_clear":
            instance._audit_cleared = users
        return
    for user in users:
        before = getattr(user, "_audit_roles_before", None)
        if before is None:
            continue
        _record_roles(user, before, _group_names(user))
        del user._audit_roles_before


@receiver(post_save, sender=Token, dispatch_uid="crm_audit_token_created")
def audit_token_created(sender, instance, created, **kwargs):
    if created:
        audit_record(
            object_type=ObjectType.TOKEN,
            object_id=instance.user_id,
            action="token_created",
            changes={"user": {"old": None, "new": instance.user.get_username()}},
        )


@receiver(post_delete, sender=Token, dispatch_uid="crm_audit_token_revoked")
def audit_token_revoked(sender, instance, **kwargs):
    audit_record(
        object_type=ObjectType.TOKEN,
        object_id=instance.user_id,
        action="token_revoked",
        changes={"user": {"old": instance.user.get_username(), "new": None}},
    )

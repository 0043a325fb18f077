"""Merging a duplicate lead into the one that survives."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from leads import scoring
from leads.models import Activity, Lead, LeadAlias, Touchpoint
from leads.services.base import PROFILE_FIELDS, LeadError, _bump, _sync, audit_lead


class MergeRefused(LeadError):
    """Two leads that cannot be merged as they stand; the message says why."""


def _condition_text(condition):
    parts = []
    for child in condition.children:
        if isinstance(child, tuple):
            parts.append(f"{child[0].replace('__', ' ')} {child[1]}")
    return " and ".join(parts) or "this state"


def _refuse_conflicting_rows(relation, survivor, duplicate):
    """Refuse when both leads hold a row that a conditional unique constraint allows once per lead."""
    model, field = relation.related_model, relation.field.name
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if tuple(fields) != (field,) or getattr(constraint, "condition", None) is None:
            continue
        holders = (
            model._default_manager.filter(constraint.condition, **{f"{field}__in": [survivor.pk, duplicate.pk]})
            .values(field)
            .distinct()
        )
        if holders.count() == 2:
            raise MergeRefused(
                f"Both leads have a {model._meta.verbose_name} with {_condition_text(constraint.condition)}, "
                "and a lead may have only one. Settle one of them before merging."
            )


def _move_related(relation, survivor, duplicate):
    """Point the duplicate's rows of one reverse relation at the survivor."""
    if relation.many_to_many:
        accessor = relation.get_accessor_name()
        getattr(survivor, accessor).add(*getattr(duplicate, accessor).all())
        return
    model, field = relation.related_model, relation.field.name
    _refuse_conflicting_rows(relation, survivor, duplicate)
    try:
        with transaction.atomic():
            model._default_manager.filter(**{field: duplicate}).update(**{field: survivor})
    except IntegrityError:
        # Any other uniqueness the two leads' rows would break together (a one-to-one, say).
        raise MergeRefused(
            f"The two leads' {model._meta.verbose_name_plural} cannot be combined. Settle one of them before merging."
        ) from None


def lead_merge(*, survivor, duplicate, actor, at=None):
    """Merge the duplicate into the survivor: move its history, keep its e-mail as an alias, delete it.

    Every reverse relation of Lead moves generically (touchpoints, status history, activities
    and the rows of apps leads does not know, such as hand-offs), so leads never imports them.
    The survivor keeps its status and owner; blank profile fields are filled from the duplicate.
    """
    if survivor.pk == duplicate.pk:
        raise MergeRefused("A lead cannot be merged into itself.")
    now = at or timezone.now()
    with transaction.atomic():
        # Lock both rows in id order, so two merges of the same pair cannot deadlock.
        locked = {lead.pk: lead for lead in Lead.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])}
        if len(locked) != 2:
            raise MergeRefused("One of the two leads no longer exists.")
        keep, lose = locked[survivor.pk], locked[duplicate.pk]
        for relation in Lead._meta.related_objects:
            _move_related(relation, keep, lose)
        fields = []
        for field in PROFILE_FIELDS:
            if getattr(keep, field) in ("", None) and getattr(lose, field) not in ("", None):
                setattr(keep, field, getattr(lose, field))
                fields.append(field)
        if lose.created_at < keep.created_at:
            # The person first came through the duplicate: that is the lead's first touch.
            keep.created_at, keep.source, keep.first_touch_campaign_id = (
                lose.created_at,
                lose.source,
                lose.first_touch_campaign_id,
            )
            fields += ["created_at", "source", "first_touch_campaign"]
        latest_campaign = (
            Touchpoint.objects.filter(lead=keep, campaign__isnull=False)
            .order_by("-occurred_at", "-id")
            .values_list("campaign_id", flat=True)
            .first()
        )
        if latest_campaign is not None and latest_campaign != keep.last_touch_campaign_id:
            keep.last_touch_campaign_id = latest_campaign
            fields.append("last_touch_campaign")
        keep.score, keep.fit = scoring.evaluate(keep, scoring.ScoringConfig.load())
        lose_email, lose_pk = lose.email, lose.pk
        lose.delete()
        LeadAlias.objects.create(email=lose_email, lead=keep, created_at=now)
        Activity.objects.create(
            lead=keep,
            kind=Activity.Kind.NOTE,
            user=actor,
            subject=f"Merged {lose_email} into this lead",
            occurred_at=now,
        )
        _bump(keep, [*fields, "score", "fit"], now)
        merged = {field: {"old": None, "new": getattr(keep, field)} for field in fields if field in PROFILE_FIELDS}
        audit_lead(
            keep, action="merged", changes={**merged, "merged_lead": {"old": lose_pk, "new": None}}, user=actor, at=now
        )
    _sync(survivor, keep)
    return survivor

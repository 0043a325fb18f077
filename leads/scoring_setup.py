"""Editing the ideal customer profile and the scoring rules, and previewing what an edit
would change before it is saved.

Every write queues a recompute of all scores (leads.tasks.scores_recompute) once the
transaction commits; the recompute re-ranks leads but never changes their status.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.audit import ObjectType, audit_change, audit_record, changes_between, snapshot
from crm.queue import enqueue_on_commit
from leads import scoring
from leads.models import IdealCustomerProfile, Lead, ScoringRule
from leads.services import PROFILE_FIELDS

PREVIEW_BATCH = 2000
ICP_FIELDS = ("industries", "company_size_min", "company_size_max", "countries", "title_keywords", "mql_threshold")
RULE_FIELDS = ("name", "field", "operator", "value", "points", "active")


def _queue_recompute():
    enqueue_on_commit("leads.tasks.scores_recompute")


def validate_icp(values):
    """Raise ValidationError when the profile's size range is upside down."""
    low, high = values.get("company_size_min"), values.get("company_size_max")
    if low is not None and high is not None and low > high:
        raise ValidationError({"company_size_max": "The largest size must be at least the smallest."})


def validate_rule(*, field, operator, value):
    """Raise ValidationError when a rule's value does not suit its operator."""
    ops = ScoringRule.Operator
    if field not in ScoringRule.Field.values:
        raise ValidationError({"field": "Choose a field."})
    if operator not in ops.values:
        raise ValidationError({"operator": "Choose an operator."})
    value = (value or "").strip()
    if operator in (ops.GTE, ops.LTE):
        try:
            number = Decimal(value)
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            raise ValidationError({"value": "Enter a number to compare with."})
    elif operator != ops.PRESENT and not value:
        raise ValidationError({"value": "Enter the value to match."})


def icp_update(*, actor, **values):
    """Save the ideal customer profile and queue a recompute of every lead's fit and score."""
    unknown = set(values) - set(ICP_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    validate_icp(values)
    with transaction.atomic():
        profile = IdealCustomerProfile.current()
        profile = IdealCustomerProfile.objects.select_for_update().get(pk=profile.pk)
        before = snapshot(profile, ICP_FIELDS)
        for name, value in values.items():
            setattr(profile, name, value)
        profile.updated_by = actor
        profile.save()
        audit_change(object_type=ObjectType.ICP, obj=profile, before=before, user=actor)
        _queue_recompute()
    return profile


def scoring_rule_create(*, actor, field, operator, points, value="", name="", active=True):
    """Add a scoring rule and queue a recompute."""
    validate_rule(field=field, operator=operator, value=value)
    with transaction.atomic():
        rule = ScoringRule.objects.create(
            name=name.strip(), field=field, operator=operator, value=value.strip(), points=points, active=active
        )
        audit_record(
            object_type=ObjectType.SCORING_RULE,
            object_id=rule.pk,
            action="created",
            changes=changes_between({}, snapshot(rule, RULE_FIELDS)),
            user=actor,
        )
        _queue_recompute()
    return rule


def scoring_rule_update(*, rule, actor, **changes):
    """Change a scoring rule and queue a recompute."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    merged = {name: changes.get(name, getattr(rule, name)) for name in ("field", "operator", "value")}
    validate_rule(**merged)
    with transaction.atomic():
        before = snapshot(ScoringRule.objects.select_for_update().get(pk=rule.pk), RULE_FIELDS)
        for name, value in changes.items():
            setattr(rule, name, value.strip() if isinstance(value, str) else value)
        rule.save(update_fields=list(changes))
        audit_change(object_type=ObjectType.SCORING_RULE, obj=rule, before=before, user=actor)
        _queue_recompute()
    return rule


def scoring_rule_set_active(*, rule, active, actor):
    """Switch a rule on or off and queue a recompute."""
    return scoring_rule_update(rule=rule, actor=actor, active=bool(active))


def scoring_rule_delete(*, rule, actor):
    """Delete a scoring rule and queue a recompute."""
    with transaction.atomic():
        audit_record(
            object_type=ObjectType.SCORING_RULE,
            object_id=rule.pk,
            action="deleted",
            changes=changes_between(snapshot(rule, RULE_FIELDS), {}),
            user=actor,
        )
        rule.delete()
        _queue_recompute()


def rules_with(*, rule=None, remove=False):
    """Return the active rules as they would be with ``rule`` added or changed (or removed)."""
    rules = [r for r in ScoringRule.objects.filter(active=True) if rule is None or r.pk != rule.pk]
    if rule is not None and not remove and rule.active:
        rules.append(rule)
    return rules


@dataclass
class ScoringPreview:
    """What a recompute under proposed settings would change, counted over every lead."""

    leads: int = 0
    fit_changes: int = 0
    score_changes: int = 0
    fit_moves: list = field(default_factory=list)  # [(from fit label, to fit label, n)], most first
    over_threshold_now: int = 0
    over_threshold_then: int = 0
    threshold: int = 0

    @property
    def changes(self):
        return self.fit_changes or self.score_changes


def scoring_preview(*, profile=None, rules=None, batch_size=PREVIEW_BATCH):
    """Count the leads whose fit and score would change under the given profile and rules.

    Walks every lead once with iterator() in batches (no sample), comparing the stored
    score and fit with those the proposed settings give: exactly what a recompute would change.
    """
    current = scoring.ScoringConfig.load()
    proposed = scoring.ScoringConfig(
        rules=tuple(current.rules if rules is None else rules), profile=profile or current.profile
    )
    threshold = proposed.profile.mql_threshold
    preview = ScoringPreview(threshold=threshold)
    moves = Counter()
    leads = Lead.objects.order_by("pk").only("pk", "email", "score", "fit", "source", *PROFILE_FIELDS)
    for lead in leads.iterator(chunk_size=batch_size):
        preview.leads += 1
        score, fit = scoring.evaluate(lead, proposed)
        if fit != lead.fit:
            preview.fit_changes += 1
            moves[(lead.fit, fit)] += 1
        if score != lead.score:
            preview.score_changes += 1
        preview.over_threshold_now += lead.score >= current.profile.mql_threshold
        preview.over_threshold_then += score >= threshold
    labels = dict(Lead.Fit.choices)
    preview.fit_moves = [(labels[a], labels[b], n) for (a, b), n in moves.most_common()]
    return preview

"""Writes on campaigns, their variants and their spend: the only code that changes them.

Each takes the acting user as ``actor`` and never a request, so the pages, the API and
commands share them. Each validates the row as the model and its constraints do and
turns a lost race on a unique key into a field error, never an IntegrityError.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from campaigns.models import Campaign, Spend, Variant
from campaigns.selectors import outside_references
from crm import events
from crm.audit import ObjectType, audit_change, audit_record, changes_between, snapshot

CAMPAIGN_FIELDS = (
    "name",
    "slug",
    "channel",
    "objective",
    "status",
    "start_date",
    "end_date",
    "budget",
    "owner",
    "audience_notes",
    "utm_campaign",
)
SPEND_FIELDS = ("campaign", "date", "amount", "note")
VARIANT_FIELDS = ("campaign", "name", "utm_content", "description")
# Paths under /campaigns/ that a slug would shadow.
RESERVED_SLUGS = frozenset({"new", "export"})


class CampaignInUse(Exception):
    """The campaign has history elsewhere (leads, touchpoints …): archive it instead."""

    def __init__(self, campaign, references):
        self.campaign, self.references = campaign, references
        listed = ", ".join(f"{count} {label}" for label, count in references.items())
        super().__init__(f"{campaign} cannot be deleted: {listed} refer to it. Archive it instead.")


class VariantInUse(Exception):
    """Touchpoints refer to the variant: deleting it would lose its A/B history."""

    def __init__(self, variant, references):
        self.variant, self.references = variant, references
        listed = ", ".join(f"{count} {label}" for label, count in references.items())
        super().__init__(f"Variant {variant.name} cannot be deleted: {listed} refer to it.")


def campaign_key_errors(*, slug, utm_campaign, exclude_pk=None):
    """Return field errors for a slug or utm_campaign key another campaign already uses.

    The utm key is compared case-insensitively because attribution matches it that way.
    """
    others = Campaign.objects.exclude(pk=exclude_pk) if exclude_pk else Campaign.objects.all()
    errors = {}
    if slug in RESERVED_SLUGS:
        errors["slug"] = f"“{slug}” is reserved for a page of Tandem; pick another slug."
    elif slug and others.filter(slug=slug).exists():
        errors["slug"] = "Another campaign already uses this slug; pick a different one."
    if utm_campaign:
        clash = others.alias(utm_lower=Lower("utm_campaign")).filter(utm_lower=utm_campaign.lower()).first()
        if clash is not None:
            errors["utm_campaign"] = (
                f"The campaign “{clash.name}” already uses this utm_campaign key; "
                "leads could not be told apart. Pick a different key."
            )
    return errors


def _save_campaign(campaign):
    errors = campaign_key_errors(slug=campaign.slug, utm_campaign=campaign.utm_campaign, exclude_pk=campaign.pk)
    if campaign.budget is not None and campaign.budget < 0:
        errors["budget"] = "A budget cannot be negative."
    if errors:
        raise ValidationError(errors)
    campaign.full_clean()
    try:
        # A savepoint, so a concurrent insert of the same key leaves the caller's transaction usable.
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        errors = campaign_key_errors(slug=campaign.slug, utm_campaign=campaign.utm_campaign, exclude_pk=campaign.pk)
        raise ValidationError(errors or "Another campaign was saved with the same slug or key; try again.") from None
    return campaign


def campaign_create(*, actor, **fields):
    """Create a campaign from its fields (see CAMPAIGN_FIELDS)."""
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be set here."))
    with transaction.atomic():
        campaign = _save_campaign(Campaign(**fields))
        _audit_created(ObjectType.CAMPAIGN, campaign, CAMPAIGN_FIELDS, actor)
        events.emit(events.CAMPAIGN_CREATED, campaign=campaign, actor=actor)
    return campaign


def campaign_update(*, campaign, actor, **changes):
    """Change a campaign's fields (see CAMPAIGN_FIELDS)."""
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    with transaction.atomic():
        before = snapshot(Campaign.objects.select_for_update().get(pk=campaign.pk), CAMPAIGN_FIELDS)
        for field, value in changes.items():
            setattr(campaign, field, value)
        _save_campaign(campaign)
        audit_change(object_type=ObjectType.CAMPAIGN, obj=campaign, before=before, user=actor)
        events.emit(events.CAMPAIGN_CHANGED, campaign=campaign, actor=actor, changed=sorted(changes))
    return campaign


def campaign_archive(*, campaign, actor):
    """Archive the campaign: hidden from the list and pickers, its history kept."""
    _set_archived(campaign, True, actor)
    return campaign


def campaign_restore(*, campaign, actor):
    """Bring an archived campaign back to the list."""
    _set_archived(campaign, False, actor)
    return campaign


def _set_archived(campaign, archived, actor):
    with transaction.atomic():
        was = Campaign.objects.select_for_update().values_list("archived", flat=True).get(pk=campaign.pk)
        Campaign.objects.filter(pk=campaign.pk).update(archived=archived)
        if was != archived:
            audit_record(
                object_type=ObjectType.CAMPAIGN,
                object_id=campaign.pk,
                action="archived" if archived else "restored",
                changes={"archived": {"old": was, "new": archived}},
                user=actor,
            )
            campaign.archived = archived
            events.emit(events.CAMPAIGN_CHANGED, campaign=campaign, actor=actor, changed=["archived"])
    campaign.archived = archived


def _audit_created(object_type, obj, fields, actor, **parent):
    changes = changes_between({}, snapshot(obj, fields))
    audit_record(object_type=object_type, object_id=obj.pk, action="created", changes=changes, user=actor, **parent)


def _audit_deleted(object_type, obj, fields, actor, **parent):
    changes = changes_between(snapshot(obj, fields), {})
    audit_record(object_type=object_type, object_id=obj.pk, action="deleted", changes=changes, user=actor, **parent)


def _on_campaign(obj):
    return {"parent_type": ObjectType.CAMPAIGN, "parent_id": obj.campaign_id}


def campaign_delete(*, campaign, actor):
    """Delete a campaign nothing else refers to; raise CampaignInUse otherwise."""
    with transaction.atomic():
        # The row lock makes a lead or touchpoint being attributed to it right now wait
        # (its foreign key check needs a share lock on this row), so none slips past the count.
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        references = outside_references(locked)
        if references:
            raise CampaignInUse(locked, references)
        _audit_deleted(ObjectType.CAMPAIGN, locked, CAMPAIGN_FIELDS, actor)
        locked.delete()


def _save_variant(variant):
    errors = {}
    others = Variant.objects.filter(campaign=variant.campaign).exclude(pk=variant.pk)
    if others.filter(name__iexact=variant.name).exists():
        errors["name"] = "This campaign already has a variant with this name."
    if others.filter(utm_content__iexact=variant.utm_content).exists():
        errors["utm_content"] = "Another variant of this campaign already uses this utm_content value."
    if errors:
        raise ValidationError(errors)
    variant.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError:
        raise ValidationError("Another variant was saved with the same name or utm_content; try again.") from None
    return variant


def variant_create(*, campaign, actor, name, utm_content, description=""):
    """Add an A/B variant, matched by utm_content, to the campaign."""
    with transaction.atomic():
        variant = _save_variant(
            Variant(campaign=campaign, name=name.strip(), utm_content=utm_content.strip(), description=description)
        )
        _audit_created(ObjectType.VARIANT, variant, VARIANT_FIELDS, actor, **_on_campaign(variant))
    return variant


def variant_update(*, variant, actor, name, utm_content, description=""):
    """Rename a variant or change its utm_content."""
    with transaction.atomic():
        before = snapshot(Variant.objects.select_for_update().get(pk=variant.pk), VARIANT_FIELDS)
        variant.name, variant.utm_content, variant.description = name.strip(), utm_content.strip(), description
        _save_variant(variant)
        audit_change(object_type=ObjectType.VARIANT, obj=variant, before=before, user=actor, **_on_campaign(variant))
    return variant


def variant_delete(*, variant, actor):
    """Delete a variant no touchpoint refers to; raise VariantInUse otherwise."""
    with transaction.atomic():
        locked = Variant.objects.select_for_update().get(pk=variant.pk)
        references = outside_references(locked)
        if references:
            raise VariantInUse(locked, references)
        _audit_deleted(ObjectType.VARIANT, locked, VARIANT_FIELDS, actor, **_on_campaign(locked))
        locked.delete()


def _save_spend(spend):
    if spend.amount is not None and spend.amount < 0:
        raise ValidationError({"amount": "Spend cannot be negative."})
    spend.full_clean()
    spend.save()
    return spend


def spend_add(*, campaign, actor, date, amount, note=""):
    """Record what the campaign cost on a day."""
    with transaction.atomic():
        spend = _save_spend(Spend(campaign=campaign, date=date, amount=amount, note=note.strip()))
        _audit_created(ObjectType.SPEND, spend, SPEND_FIELDS, actor, **_on_campaign(spend))
    return spend


def spend_update(*, spend, actor, date, amount, note=""):
    """Correct a spend entry."""
    with transaction.atomic():
        before = snapshot(Spend.objects.select_for_update().get(pk=spend.pk), SPEND_FIELDS)
        spend.date, spend.amount, spend.note = date, amount, note.strip()
        _save_spend(spend)
        audit_change(object_type=ObjectType.SPEND, obj=spend, before=before, user=actor, **_on_campaign(spend))
    return spend


def spend_delete(*, spend, actor):
    """Remove a spend entry entered by mistake."""
    with transaction.atomic():
        _audit_deleted(ObjectType.SPEND, spend, SPEND_FIELDS, actor, **_on_campaign(spend))
        spend.delete()

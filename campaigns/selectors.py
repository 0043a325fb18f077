"""Reads on campaigns: what the campaign pages and exports show.

Nothing here knows of leads or hand-offs (they import campaigns, not the reverse); the
figures that need them live in ``alignment.campaign_stats``.
"""

from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from campaigns.models import Campaign, Spend, Variant
from crm.roles import MANAGERS, MARKETING

MONEY = DecimalField(max_digits=14, decimal_places=2)


def campaign_list():
    """Return campaigns with their owner, total spend and number of variants, in one query."""
    # Subqueries rather than joins: joining spend and variants together would multiply rows.
    spent = (
        Spend.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    variants = (
        Variant.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Campaign.objects.select_related("owner").annotate(
        spent=Coalesce(Subquery(spent, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY),
        variant_count=Coalesce(Subquery(variants, output_field=IntegerField()), Value(0)),
    )


def campaign_spend(*, campaign):
    """Return the campaign's spend entries, newest first."""
    return Spend.objects.filter(campaign=campaign).order_by("-date", "-id")


def campaign_spend_total(*, campaign, start=None, end=None):
    """Return the campaign's spend between the dates (inclusive; open ends when None)."""
    queryset = Spend.objects.filter(campaign=campaign)
    if start is not None:
        queryset = queryset.filter(date__gte=start)
    if end is not None:
        queryset = queryset.filter(date__lte=end)
    return queryset.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def campaign_variants(*, campaign):
    """Return the campaign's variants in name order (A before B)."""
    return Variant.objects.filter(campaign=campaign).order_by("name", "pk")


def campaign_owner_choices(*, keep=None):
    """Return the users who may own a campaign: active marketers and managers (and ``keep``, the current owner)."""
    allowed = Q(is_active=True, groups__name__in=[MARKETING, MANAGERS])
    if keep is not None:
        allowed |= Q(pk=keep.pk)
    return get_user_model().objects.filter(allowed).distinct().order_by("username")


def outside_references(obj):
    """Return {label: count} of rows in other apps that point at the object.

    Campaigns know nothing of leads, so they do not ask for leads by name: any row of
    another app that refers to a campaign (a lead's first or last touch, a touchpoint, a
    capture form, an import) is history that a delete would cut loose.
    """
    relations = [
        relation
        for relation in obj._meta.related_objects
        if relation.related_model._meta.app_label != obj._meta.app_label and not relation.many_to_many
    ]
    per_model = Counter(relation.related_model for relation in relations)
    counts = {}
    for relation in relations:
        model = relation.related_model
        count = model._default_manager.filter(**{relation.field.name: obj}).count()
        if count:
            label = str(model._meta.verbose_name_plural)
            if per_model[model] > 1:
                label += f" ({relation.field.verbose_name})"
            counts[label] = count
    return counts

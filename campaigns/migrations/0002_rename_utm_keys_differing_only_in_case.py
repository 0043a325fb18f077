"""Give every utm key that differs only in case from an older one a key of its own.

The next migration makes utm_campaign (and a variant's utm_content within its campaign)
unique in any case. Attribution already picked the oldest row (lowest id) of such a group,
so that row keeps its key and every touch to come is attributed as before; the younger rows,
which no touch could reach by key, get ``<key>-<id>``. Their history is untouched.
"""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower


def _unique_key(key, pk, taken, max_length):
    suffix = f"-{pk}"
    candidate = key[: max_length - len(suffix)] + suffix
    while candidate.lower() in taken:
        suffix += "x"
        candidate = key[: max_length - len(suffix)] + suffix
    return candidate


def rename_case_duplicates(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    Variant = apps.get_model("campaigns", "Variant")
    keyed = Campaign.objects.annotate(key=Lower("utm_campaign"))
    clashing = keyed.values("key").annotate(n=Count("pk")).filter(n__gt=1).values_list("key", flat=True)
    taken = set(keyed.values_list("key", flat=True))
    max_length = Campaign._meta.get_field("utm_campaign").max_length
    for key in list(clashing):
        for campaign in keyed.filter(key=key).order_by("pk")[1:]:
            campaign.utm_campaign = _unique_key(campaign.utm_campaign, campaign.pk, taken, max_length)
            taken.add(campaign.utm_campaign.lower())
            campaign.save(update_fields=["utm_campaign"])
    contents = Variant.objects.annotate(key=Lower("utm_content"))
    clashing = contents.values("campaign_id", "key").annotate(n=Count("pk")).filter(n__gt=1)
    max_length = Variant._meta.get_field("utm_content").max_length
    for group in list(clashing):
        siblings = contents.filter(campaign_id=group["campaign_id"])
        taken = set(siblings.values_list("key", flat=True))
        for variant in siblings.filter(key=group["key"]).order_by("pk")[1:]:
            variant.utm_content = _unique_key(variant.utm_content, variant.pk, taken, max_length)
            taken.add(variant.utm_content.lower())
            variant.save(update_fields=["utm_content"])


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(rename_case_duplicates, migrations.RunPython.noop),
    ]

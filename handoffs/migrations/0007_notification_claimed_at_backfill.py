from django.db import migrations
from django.utils import timezone


def claims_start_now(apps, schema_editor):
    """Give the alerts in "sending" when this runs a claim time of now.

    Their real claim time was not recorded; created_at may be days older than a later retry's claim,
    and a sender may still be at work. Counting from now gives each the full ALERT_CLAIM_TIMEOUT.
    """
    Notification = apps.get_model("handoffs", "Notification")
    Notification.objects.filter(state="sending", claimed_at__isnull=True).update(claimed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("handoffs", "0006_notification_claimed_at"),
    ]

    operations = [
        migrations.RunPython(claims_start_now, migrations.RunPython.noop),
    ]

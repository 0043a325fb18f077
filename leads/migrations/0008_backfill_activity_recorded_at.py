from django.db import migrations
from django.db.models import F


def recorded_when_it_occurred(apps, schema_editor):
    # Before recorded_at existed, the time the activity was logged is not known: its reported
    # time is the best record there is (the first contacts already stamped keep their values).
    Activity = apps.get_model("leads", "Activity")
    Activity.objects.update(recorded_at=F("occurred_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0007_activity_recorded_at"),
    ]

    operations = [
        migrations.RunPython(recorded_when_it_occurred, migrations.RunPython.noop),
    ]

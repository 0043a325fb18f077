"""The weekly numbers' models now belong to alignment (alignment 0001): forget them here, keep the tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0004_rollup_triggers"),
        ("alignment", "0001_initial"),
    ]

    state_operations = [
        migrations.RemoveField(
            model_name="digestdelivery",
            name="digest",
        ),
        migrations.RemoveField(
            model_name="digestdelivery",
            name="user",
        ),
        migrations.RemoveField(
            model_name="quarterlygoal",
            name="updated_by",
        ),
        migrations.DeleteModel(
            name="RollupChange",
        ),
        migrations.DeleteModel(
            name="WeekRollup",
        ),
        migrations.DeleteModel(
            name="Digest",
        ),
        migrations.DeleteModel(
            name="DigestDelivery",
        ),
        migrations.DeleteModel(
            name="QuarterlyGoal",
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]

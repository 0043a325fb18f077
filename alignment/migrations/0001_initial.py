"""The weekly numbers' models move here from crm: state only, the tables keep their crm_ names.

The content types follow (with the permissions and admin log entries that point at them), so
the database holds the same rows as before the move.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ["digest", "digestdelivery", "quarterlygoal", "weekrollup", "rollupchange"]


def _relabel(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=new, model__in=MOVED).exists():
        return  # a database created after the move: post_migrate made them under the new label
    ContentType.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)


def move_content_types(apps, schema_editor):
    _relabel(apps, "crm", "alignment")


def move_content_types_back(apps, schema_editor):
    _relabel(apps, "alignment", "crm")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("crm", "0004_rollup_triggers"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Digest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.CharField(help_text="ISO week, e.g. 2026-W47", max_length=8)),
                (
                    "audience",
                    models.CharField(
                        choices=[("marketing", "Marketing"), ("sales", "Sales"), ("managers", "Managers")],
                        max_length=10,
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("built", "Built"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("partial", "Partly failed"),
                            ("failed", "Failed"),
                        ],
                        default="built",
                        max_length=10,
                    ),
                ),
                ("subject", models.CharField(max_length=200)),
                ("text_body", models.TextField()),
                ("html_body", models.TextField()),
                ("payload", models.JSONField(default=dict, help_text="The weekly numbers the digest was built from.")),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "db_table": "crm_digest",
                "ordering": ["-week", "audience"],
                "constraints": [
                    models.UniqueConstraint(fields=("week", "audience"), name="digest_once_per_week_audience")
                ],
            },
        ),
        migrations.CreateModel(
            name="RollupChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hour", models.DateTimeField(help_text="The start of the hour the changed rows' times fall in")),
                ("n", models.PositiveBigIntegerField(default=1)),
            ],
            options={
                "db_table": "crm_rollupchange",
                "indexes": [models.Index(fields=["hour"], name="rollupchange_hour")],
            },
        ),
        migrations.CreateModel(
            name="WeekRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.CharField(help_text="ISO week, e.g. 2026-W47", max_length=8)),
                (
                    "time_zone",
                    models.CharField(help_text="TIME_ZONE the week's bounds were computed in", max_length=64),
                ),
                (
                    "week_stamp",
                    models.BigIntegerField(help_text="Changes noted over the week's own times when computed"),
                ),
                (
                    "quarter_stamp",
                    models.BigIntegerField(
                        help_text="Changes noted from the quarter's start to the week's start (the goals read them)",
                        null=True,
                    ),
                ),
                ("computed_for", models.DateTimeField(help_text="The 'now' the figures were computed for")),
                (
                    "valid_until",
                    models.DateTimeField(
                        help_text="A deadline after which a pending hand-off turns a breach", null=True
                    ),
                ),
                (
                    "hours_to_first_contact",
                    models.PositiveIntegerField(help_text="The service level the contact figures used"),
                ),
                (
                    "point",
                    models.JSONField(help_text="The week's trend figures (without spend, which is always read live)"),
                ),
                (
                    "detail",
                    models.JSONField(
                        help_text="Everything the report shows of the week, when computed as W", null=True
                    ),
                ),
                ("stored_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "db_table": "crm_weekrollup",
                "constraints": [
                    models.UniqueConstraint(fields=("week", "time_zone"), name="rollup_once_per_week_zone")
                ],
            },
        ),
        migrations.CreateModel(
            name="DigestDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("channel", models.CharField(choices=[("email", "E-mail"), ("webhook", "Webhook")], max_length=10)),
                (
                    "recipient",
                    models.CharField(help_text="E-mail address, or the audience name for a webhook.", max_length=500),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                ("claimed_at", models.DateTimeField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "digest",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="alignment.digest"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "db_table": "crm_digestdelivery",
                "ordering": ["digest", "channel", "recipient"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("digest", "channel", "recipient"), name="delivery_once_per_recipient"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="QuarterlyGoal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveIntegerField()),
                ("quarter", models.PositiveSmallIntegerField(choices=[(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")])),
                ("mqls", models.PositiveIntegerField(default=0)),
                ("accepted", models.PositiveIntegerField(default=0, verbose_name="accepted leads")),
                ("wins", models.PositiveIntegerField(default=0)),
                ("revenue", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "db_table": "crm_quarterlygoal",
                "ordering": ["-year", "-quarter"],
                "constraints": [
                    models.UniqueConstraint(fields=("year", "quarter"), name="goal_once_per_quarter"),
                    models.CheckConstraint(
                        condition=models.Q(("quarter__gte", 1), ("quarter__lte", 4)), name="goal_quarter_1_to_4"
                    ),
                    models.CheckConstraint(condition=models.Q(("revenue__gte", 0)), name="goal_revenue_not_negative"),
                ],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]

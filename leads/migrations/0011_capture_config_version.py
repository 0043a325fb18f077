"""A version number of what decides a website capture's answer, kept by triggers.

Any write to leads_captureform, and any update of campaigns_campaign.archived (a form's
default campaign stops attributing when archived), gives leads_captureconfigversion's one
row a number it never had, as migration 0005 does for the scoring. A process may then keep
the capture forms it read while the number stays the same: every capture's statement checks
it (leads.capture, leads.services.capture).
"""

from django.db import migrations, models

POSTGRES_FORWARD = [
    "CREATE SEQUENCE leads_captureconfigversion_seq",
    """
    CREATE FUNCTION leads_captureconfigversion_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO leads_captureconfigversion (id, number) VALUES (1, nextval('leads_captureconfigversion_seq'))
        ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER leads_captureform_config_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    "ON leads_captureform FOR EACH STATEMENT EXECUTE FUNCTION leads_captureconfigversion_bump()",
    "CREATE TRIGGER campaigns_campaign_capture_config_version AFTER UPDATE OF archived OR DELETE OR TRUNCATE "
    "ON campaigns_campaign FOR EACH STATEMENT EXECUTE FUNCTION leads_captureconfigversion_bump()",
    "INSERT INTO leads_captureconfigversion (id, number) VALUES (1, nextval('leads_captureconfigversion_seq'))",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS leads_captureform_config_version ON leads_captureform",
    "DROP TRIGGER IF EXISTS campaigns_campaign_capture_config_version ON campaigns_campaign",
    "DROP FUNCTION IF EXISTS leads_captureconfigversion_bump()",
    "DROP SEQUENCE IF EXISTS leads_captureconfigversion_seq",
]

# SQLite has neither sequences nor statement triggers: a row trigger per event writes a
# random 63-bit number (a repeat is as likely as guessing a random key).
SQLITE_BUMP = (
    "INSERT INTO leads_captureconfigversion (id, number) VALUES (1, abs(random())) "
    "ON CONFLICT (id) DO UPDATE SET number = excluded.number"
)
SQLITE_TRIGGERS = {
    "leads_captureform_config_version_insert": "AFTER INSERT ON leads_captureform",
    "leads_captureform_config_version_update": "AFTER UPDATE ON leads_captureform",
    "leads_captureform_config_version_delete": "AFTER DELETE ON leads_captureform",
    "campaigns_campaign_capture_config_version_update": "AFTER UPDATE OF archived ON campaigns_campaign",
    "campaigns_campaign_capture_config_version_delete": "AFTER DELETE ON campaigns_campaign",
}
SQLITE_FORWARD = [
    *(f"CREATE TRIGGER {name} {when} BEGIN {SQLITE_BUMP}; END" for name, when in SQLITE_TRIGGERS.items()),
    "INSERT INTO leads_captureconfigversion (id, number) VALUES (1, abs(random()))",
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"No capture configuration version triggers for {schema_editor.connection.vendor}.")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0010_merge_consent_and_recorded_at"),
        ("campaigns", "0006_names_refuse_control_and_bidi_characters"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaptureConfigVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("number", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "capture configuration version"},
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]

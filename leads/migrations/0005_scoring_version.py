"""A version number of the scoring configuration, kept by triggers on its two tables.

Any write to leads_scoringrule or leads_idealcustomerprofile (whatever makes it) gives
leads_scoringversion's one row a number it never had, so a process that cached the rules
and the profile sees at once, by one indexed read, that they changed.
"""

from django.db import migrations, models

TABLES = ("leads_scoringrule", "leads_idealcustomerprofile")

POSTGRES_FORWARD = [
    "CREATE SEQUENCE leads_scoringversion_seq",
    """
    CREATE FUNCTION leads_scoringversion_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO leads_scoringversion (id, number) VALUES (1, nextval('leads_scoringversion_seq'))
        ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION leads_scoringversion_bump()"
        for table in TABLES
    ),
    "INSERT INTO leads_scoringversion (id, number) VALUES (1, nextval('leads_scoringversion_seq'))",
]
POSTGRES_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_version ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS leads_scoringversion_bump()",
    "DROP SEQUENCE IF EXISTS leads_scoringversion_seq",
]

# SQLite has neither sequences nor statement triggers: a row trigger per event writes a
# random 63-bit number (a repeat is as likely as guessing a random key).
SQLITE_BUMP = (
    "INSERT INTO leads_scoringversion (id, number) VALUES (1, abs(random())) "
    "ON CONFLICT (id) DO UPDATE SET number = excluded.number"
)
SQLITE_FORWARD = [
    *(
        f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} BEGIN {SQLITE_BUMP}; END"
        for table in TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    "INSERT INTO leads_scoringversion (id, number) VALUES (1, abs(random()))",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_version_{event.lower()}"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"No scoring version triggers for {schema_editor.connection.vendor}.")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_drop_indexes_covered_by_composites")]

    operations = [
        migrations.CreateModel(
            name="ScoringVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("number", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "scoring version"},
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]

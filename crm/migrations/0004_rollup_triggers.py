"""Triggers that note every change to rows a stored week rollup may have read (PostgreSQL only).

Each trigger runs once per statement over its transition tables and appends to
crm_rollupchange one row per hour of the changed rows' times, with their count. Times less
than an hour old are skipped: crm.rollups stores a week only hours after it ended, so no
stored week can hold them, and the hot paths (capture, import, answering a fresh hand-off)
write nothing extra. On other databases the weekly numbers are always computed live.
"""

from django.db import migrations

RECENT = "now() - interval '1 hour'"

# What a stored week reads, by table (crm.metrics):
# - leads: created_at (new leads), and through the status history the week of each entry
#   (source, lost reason, first-touch campaign and deal value of the leads entering a status);
# - status changes: changed_at; hand-offs: created_at;
# - touchpoints: the attribution of leads won in the week (touches up to the win);
# - campaigns: slug and name are shown, so renaming or deleting one notes a change of every week.
LEAD_FIGURES = "(o.created_at, o.source, o.deal_value, o.lost_reason, o.first_touch_campaign_id)"


def _own_time(column):
    """The body for a table whose rows a week reads by their own time column."""
    notes = {
        rows: f"""
        INSERT INTO crm_rollupchange (hour, n)
        SELECT date_trunc('hour', {column}), count(*) FROM {rows}
        WHERE {column} < {RECENT} GROUP BY 1;"""
        for rows in ("new_rows", "old_rows")
    }
    return f"""
    IF TG_OP IN ('INSERT', 'UPDATE') THEN{notes["new_rows"]}
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN{notes["old_rows"]}
    END IF;
    """


FUNCTIONS = {
    "leads_lead": f"""
    IF TG_OP = 'INSERT' THEN
        INSERT INTO crm_rollupchange (hour, n)
        SELECT date_trunc('hour', created_at), count(*) FROM new_rows
        WHERE created_at < {RECENT} GROUP BY 1;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO crm_rollupchange (hour, n)
        SELECT date_trunc('hour', created_at), count(*) FROM old_rows
        WHERE created_at < {RECENT} GROUP BY 1;
    ELSE
        INSERT INTO crm_rollupchange (hour, n)
        SELECT date_trunc('hour', t), count(*) FROM (
            WITH changed AS (
                SELECT o.id, o.created_at AS old_at, n.created_at AS new_at
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE {LEAD_FIGURES} IS DISTINCT FROM
                      {LEAD_FIGURES.replace("o.", "n.")}
            )
            SELECT old_at FROM changed
            UNION ALL SELECT new_at FROM changed
            UNION ALL SELECT s.changed_at FROM changed c JOIN leads_statuschange s ON s.lead_id = c.id
        ) x(t)
        WHERE t < {RECENT} GROUP BY 1;
    END IF;
    """,
    "leads_statuschange": _own_time("changed_at"),
    "handoffs_handoff": _own_time("created_at"),
    # A touch counts for a won lead's attribution when it is no later than the win (so a fresh touch,
    # as every capture and import writes, can't count for a stored week: no lookup is made for it).
    "leads_touchpoint": f"""
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO crm_rollupchange (hour, n)
        SELECT date_trunc('hour', s.changed_at), count(*) FROM new_rows t
        JOIN leads_statuschange s ON s.lead_id = t.lead_id AND s.to_status = 'won' AND t.occurred_at <= s.changed_at
        WHERE t.occurred_at < {RECENT} AND s.changed_at < {RECENT} GROUP BY 1;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO crm_rollupchange (hour, n)
        SELECT date_trunc('hour', s.changed_at), count(*) FROM old_rows t
        JOIN leads_statuschange s ON s.lead_id = t.lead_id AND s.to_status = 'won' AND t.occurred_at <= s.changed_at
        WHERE t.occurred_at < {RECENT} AND s.changed_at < {RECENT} GROUP BY 1;
    END IF;
    """,
    # '-infinity' is inside every stored week's range (crm.rollups).
    "campaigns_campaign": """
    IF TG_OP = 'DELETE' THEN
        INSERT INTO crm_rollupchange (hour, n) VALUES ('-infinity', 1);
    ELSIF EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE (o.slug, o.name) IS DISTINCT FROM (n.slug, n.name)
    ) THEN
        INSERT INTO crm_rollupchange (hour, n) VALUES ('-infinity', 1);
    END IF;
    """,
}


def _events(table):
    if table == "campaigns_campaign":
        return (("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows"))
    return (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    )


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, body in FUNCTIONS.items():
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION crm_rollup_note_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\n    RETURN NULL;\nEND\n$$"
        )
        # One trigger per event: a DELETE has no new_rows, and each branch reads only its own tables.
        for event, referencing in _events(table):
            schema_editor.execute(
                f"CREATE TRIGGER crm_rollup_{event.lower()} AFTER {event} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION crm_rollup_note_{table}()"
            )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in FUNCTIONS:
        for event, _ in _events(table):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS crm_rollup_{event.lower()} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS crm_rollup_note_{table}()")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_week_rollups"),
        ("leads", "0004_drop_indexes_covered_by_composites"),
        ("handoffs", "0001_initial"),
        ("campaigns", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

"""Triggers that note every change to rows a stored week rollup may have read (PostgreSQL only).

Row triggers whose WHEN clause looks at the row's own time first: a row less than an hour old
(what every capture, import and fresh hand-off writes) fires no function at all, as
alignment.metrics.rollups stores a week only hours after it ended, so no stored week can hold such a row.
For an older row the function appends to crm_rollupchange the hour of each time it touches.
On other databases nothing is stored and the weekly numbers are always computed live.
"""

from django.db import migrations

RECENT = "now() - interval '1 hour'"

# What a stored week reads, by table (alignment.metrics):
# - leads: created_at (new leads), and through the status history the week of each entry
#   (source, lost reason, first-touch campaign and deal value of the leads entering a status);
# - status changes: changed_at; hand-offs: created_at;
# - touchpoints: the attribution of leads won in the week (touches up to the win);
# - campaigns: slug and name are shown, so renaming or deleting one notes a change of every week.
LEAD_FIGURES = "(%s.created_at, %s.source, %s.deal_value, %s.lost_reason, %s.first_touch_campaign_id)"

NOTE = f"""
CREATE OR REPLACE FUNCTION crm_rollup_note(at timestamptz) RETURNS void LANGUAGE sql AS $$
    INSERT INTO crm_rollupchange (hour, n) SELECT date_trunc('hour', at), 1 WHERE at < {RECENT}
$$
"""


def _own_time(column):
    """The body for a table whose rows a week reads by their own time column."""
    return f"""
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM crm_rollup_note(NEW.{column}); END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN PERFORM crm_rollup_note(OLD.{column}); END IF;
    """


FUNCTIONS = {
    "leads_lead": """
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM crm_rollup_note(NEW.created_at); END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN PERFORM crm_rollup_note(OLD.created_at); END IF;
    IF TG_OP = 'UPDATE' THEN
        PERFORM crm_rollup_note(s.changed_at) FROM leads_statuschange s WHERE s.lead_id = NEW.id;
    END IF;
    """,
    "leads_statuschange": _own_time("changed_at"),
    "handoffs_handoff": _own_time("created_at"),
    # A touch counts for a won lead's attribution when it is no later than the win.
    "leads_touchpoint": """
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM crm_rollup_note(s.changed_at) FROM leads_statuschange s
        WHERE s.lead_id = NEW.lead_id AND s.to_status = 'won' AND s.changed_at >= NEW.occurred_at;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM crm_rollup_note(s.changed_at) FROM leads_statuschange s
        WHERE s.lead_id = OLD.lead_id AND s.to_status = 'won' AND s.changed_at >= OLD.occurred_at;
    END IF;
    """,
    # '-infinity' is inside every stored week's range (alignment.metrics.rollups).
    "campaigns_campaign": """
    INSERT INTO crm_rollupchange (hour, n) VALUES ('-infinity', 1);
    """,
}


def _old_or_new(column):
    return f"(OLD.{column} < {RECENT} OR NEW.{column} < {RECENT})"


# When each trigger fires: an old enough row, and for updates only a change of what a week reads.
WHEN = {
    "leads_lead": {
        "INSERT": f"NEW.created_at < {RECENT}",
        # A status entry of the lead may be old even when the lead is new: any change of these columns.
        "UPDATE": f"{LEAD_FIGURES % (('OLD',) * 5)} IS DISTINCT FROM {LEAD_FIGURES % (('NEW',) * 5)}",
        "DELETE": f"OLD.created_at < {RECENT}",
    },
    "leads_statuschange": {
        "INSERT": f"NEW.changed_at < {RECENT}",
        "UPDATE": f"OLD.* IS DISTINCT FROM NEW.* AND {_old_or_new('changed_at')}",
        "DELETE": f"OLD.changed_at < {RECENT}",
    },
    "handoffs_handoff": {
        "INSERT": f"NEW.created_at < {RECENT}",
        "UPDATE": f"OLD.* IS DISTINCT FROM NEW.* AND {_old_or_new('created_at')}",
        "DELETE": f"OLD.created_at < {RECENT}",
    },
    # A touch can count only for a win at or after it: a fresh touch counts for no stored week.
    "leads_touchpoint": {
        "INSERT": f"NEW.occurred_at < {RECENT}",
        "UPDATE": f"OLD.* IS DISTINCT FROM NEW.* AND {_old_or_new('occurred_at')}",
        "DELETE": f"OLD.occurred_at < {RECENT}",
    },
    "campaigns_campaign": {
        "UPDATE": "(OLD.slug, OLD.name) IS DISTINCT FROM (NEW.slug, NEW.name)",
        "DELETE": "true",
    },
}


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(NOTE)
    for table, body in FUNCTIONS.items():
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION crm_rollup_note_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\n    RETURN NULL;\nEND\n$$"
        )
        for event, condition in WHEN[table].items():
            schema_editor.execute(
                f"CREATE TRIGGER crm_rollup_{event.lower()} AFTER {event} ON {table} FOR EACH ROW "
                f"WHEN ({condition}) EXECUTE FUNCTION crm_rollup_note_{table}()"
            )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, events in WHEN.items():
        for event in events:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS crm_rollup_{event.lower()} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS crm_rollup_note_{table}()")
    schema_editor.execute("DROP FUNCTION IF EXISTS crm_rollup_note(timestamptz)")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_week_rollups"),
        ("leads", "0004_drop_indexes_covered_by_composites"),
        ("handoffs", "0001_initial"),
        ("campaigns", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

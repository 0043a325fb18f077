"""Set-wise INSERT and UPDATE of plain rows, for the batch capture of an import.

QuerySet.bulk_create and bulk_update prepare every value of every model instance through the
ORM, and bulk_update builds a CASE expression per object and field: for a thousand rows that
costs more than the database's work. These helpers take rows as tuples of column values.
On PostgreSQL rows travel by COPY, which the server reads several times faster than a
thousand-row VALUES list; elsewhere (SQLite) they go as VALUES within the parameter limit.
"""

import datetime
import decimal
import enum
import io

from django.db import connection

# Placeholders for the fast COPY text: ASCII separators, which no lead's data needs. A row
# that holds one anyway is noticed by the counts in copy_text and written value by value.
_FIELD, _RECORD, _NULL = "\x1f", "\x1e", "\x1d"
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _columns(model, names):
    """Return the model's fields named by attname (the primary key only when named), then its other
    concrete fields with their defaults."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    named = [fields[name] for name in names]
    rest = [f for attname, f in fields.items() if attname not in names and not f.primary_key]
    return named + rest, tuple(f.get_default() for f in rest)


class _Texts:
    """Unescaped COPY text of values other than plain strings and NULL (choices, numbers, times);
    a batch's one timestamp is formatted once."""

    def __init__(self):
        self.stamp, self.stamp_text = None, ""

    def __call__(self, value):
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, int | decimal.Decimal):
            return str(value)
        if isinstance(value, datetime.datetime | datetime.date):
            if value is not self.stamp:
                self.stamp, self.stamp_text = value, value.isoformat()
            return self.stamp_text
        raise TypeError(f"no COPY text for {type(value).__name__}")


def _escape(text):
    for char, escaped in _ESCAPES:
        text = text.replace(char, escaped)
    return text


def copy_text(rows):
    """Return tuples of values (str, None, int, bool, Decimal, date, datetime) in COPY's text format."""
    other = _Texts()
    # Join everything with placeholders and escape the whole text at once: escaping value by
    # value costs more than all the rest of a batch's COPY.
    text = _RECORD.join(
        [
            # Choices are str subclasses, which join takes as they are; plain ints are common.
            _FIELD.join(
                [
                    v if isinstance(v, str) else _NULL if v is None else str(v) if type(v) is int else other(v)
                    for v in row
                ]
            )
            for row in rows
        ]
    )
    width = len(rows[0]) if rows else 0
    if (
        text.count(_FIELD) != len(rows) * (width - 1)
        or text.count(_RECORD) != max(len(rows) - 1, 0)
        or text.count(_NULL) != sum(row.count(None) for row in rows)
    ):
        # Some value holds a placeholder character: escape value by value.
        return "".join(
            "\t".join(["\\N" if v is None else _escape(v if type(v) is str else other(v)) for v in row]) + "\n"
            for row in rows
        )
    text = _escape(text)
    return text.replace(_FIELD, "\t").replace(_RECORD, "\n").replace(_NULL, "\\N") + "\n"


def _copy(cursor, sql, text):
    # copy_expert is psycopg2's own, past Django's cursor wrapper: its errors are made Django's
    # here (a refused value is a DataError, as from execute) for the callers that handle them.
    with connection.wrap_database_errors:
        cursor.copy_expert(sql, io.StringIO(text))


def _stage(cursor, model, fields, rows):
    """COPY the rows into a scratch table of this transaction, numbered in their order; return its name."""
    quote = connection.ops.quote_name
    stage = quote(f"stage_{model._meta.db_table}")
    columns = ", ".join(quote(f.column) for f in fields)
    # Typed as the model's table, without its constraints: the statement that moves the rows on checks them.
    cursor.execute(
        f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "
        f"SELECT 0 AS stage_row, {columns} FROM {quote(model._meta.db_table)} WITH NO DATA"
    )
    numbered = [(n, *row) for n, row in enumerate(rows)]
    _copy(cursor, f"COPY {stage} (stage_row, {columns}) FROM STDIN", copy_text(numbered))
    return stage


def _param_limit():
    # On SQLite the library's real limit, which the connection sets as it opens (crm.sqlite).
    connection.ensure_connection()
    return connection.features.max_query_params


def _chunks(rows, width):
    """Split the rows so that no statement passes the database's limit of parameters."""
    limit = _param_limit()
    size = max(1, limit // width) if limit else max(1, len(rows))
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def _values_sql(fields, rows):
    """Return a VALUES list of placeholders and its parameters, prepared as the ORM prepares them."""
    one = f"({', '.join(['%s'] * len(fields))})"
    params = [f.get_db_prep_save(value, connection) for row in rows for f, value in zip(fields, row, strict=True)]
    return f"VALUES {', '.join([one] * len(rows))}", params


def insert_rows(model, names, rows, *, skip_conflicts=False, returning=()):
    """INSERT rows (tuples of the named columns; other columns take their defaults), in their order.

    With ``skip_conflicts`` a row that a unique index refuses is skipped (ON CONFLICT DO
    NOTHING, which waits for a concurrent transaction inserting the same key and skips the
    row if that one commits). Returns the ``returning`` columns of the rows inserted.
    """
    if not rows:
        return []
    fields, defaults = _columns(model, names)
    if defaults:
        rows = [(*row, *defaults) for row in rows]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    suffix = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    if returning:
        suffix += f" RETURNING {', '.join(quote(model._meta.get_field(name).column) for name in returning)}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not suffix:
            _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", copy_text(rows))
            return []
        if connection.vendor == "postgresql":
            # COPY can neither skip conflicts nor return ids: the rows go through a scratch
            # table, in their order (callers sort them, so that two transactions inserting
            # the same keys take them in the same order: one waits instead of deadlocking).
            stage = _stage(cursor, model, fields, rows)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} ORDER BY stage_row{suffix}")
            inserted = cursor.fetchall() if returning else []
            cursor.execute(f"DROP TABLE {stage}")
            return inserted
        inserted = []
        for part in _chunks(rows, len(fields)):
            values, params = _values_sql(fields, part)
            cursor.execute(f"INSERT INTO {table} ({columns}) {values}{suffix}", params)
            if returning:
                inserted += cursor.fetchall()
        return inserted


def reserve_ids(model, count):
    """Return ``count`` new primary keys of the model's table from its sequence (PostgreSQL), in order,
    so that rows inserted with them can go by plain COPY and still be known by id."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            # OFFSET 0 keeps the sequence's name a one-row subquery, looked up once: flattened,
            # pg_get_serial_sequence ran for every id (7 µs each, more than nextval itself).
            "SELECT nextval(seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq OFFSET 0) AS s, "
            "generate_series(1, %s) ORDER BY 1",
            [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def update_rows(model, objs, names):
    """UPDATE the named fields of the model instances to their values in memory, in one statement."""
    if not objs:
        return
    pk = model._meta.pk
    fields = [pk, *(model._meta.get_field(name) for name in names)]
    rows = [tuple(getattr(obj, f.attname) for f in fields) for obj in objs]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    where = f"{table}.{quote(pk.column)}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = _stage(cursor, model, fields, rows)
            assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields[1:])
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {stage} AS s WHERE {where} = s.{quote(pk.column)}")
            cursor.execute(f"DROP TABLE {stage}")
            return
        assignments = ", ".join(f"{quote(f.column)} = v.column{n}" for n, f in enumerate(fields[1:], start=2))
        for part in _chunks(rows, len(fields)):
            values, params = _values_sql(fields, part)
            cursor.execute(f"UPDATE {table} SET {assignments} FROM ({values}) AS v WHERE {where} = v.column1", params)

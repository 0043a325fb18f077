"""Hot read queries of the capture endpoint, compiled to SQL once per process.

Building and compiling a queryset costs more Python than the database spends on these
indexed one-row reads. A PreparedQuery builds its queryset once with probe values in place
of the arguments, keeps the SQL the ORM compiled for it, and from then on runs that SQL with
the arguments put where the probes were: the same statement, the same rows, as model
instances through QuerySet.raw().
"""

import hashlib
import weakref

from django.conf import settings
from django.db import DatabaseError, connections


class PreparedQuery:
    """``build(*args)`` returns the queryset; ``first(*args)`` runs its SQL and returns the first row or None.

    Every argument must reach the SQL as a parameter of its own (a filter value), never as
    part of the SQL text, and the probes must not equal any constant of the query.
    """

    def __init__(self, build, *probes):
        self.build, self.probes = build, probes
        self._compiled = {}

    def compiled(self, using="default"):
        """Return (sql, slots): each slot is the index of an argument or ``(constant,)``."""
        connection = connections[using]
        key = (using, connection.vendor)
        found = self._compiled.get(key)
        if found is None:
            queryset = self.build(*self.probes)
            sql, params = queryset.query.get_compiler(using=using).as_sql()
            slots = tuple(self.probes.index(p) if p in self.probes else (p,) for p in params)
            used = {slot for slot in slots if isinstance(slot, int)}
            if used != set(range(len(self.probes))):
                raise ValueError(f"{self.build.__qualname__}: an argument does not reach the SQL as a parameter.")
            found = self._compiled[key] = (sql, slots, queryset.model)
        return found

    def first(self, *args, using="default"):
        sql, slots, model = self.compiled(using)
        params = [args[slot] if isinstance(slot, int) else slot[0] for slot in slots]
        return next(iter(model._default_manager.raw(sql, params, using=using)), None)


# The psycopg2 connections each prepared statement name is prepared on (a reconnect, which
# drops the server's prepared statements, is a connection object of its own).
_PREPARED_ON = weakref.WeakKeyDictionary()
# SQLSTATEs: no prepared statement of the name on this server connection, or one already there.
_UNKNOWN_STATEMENT, _DUPLICATE_STATEMENT = "26000", "42P05"


def _pgcode(error):
    return getattr(error.__cause__, "pgcode", None)


def _numbered(sql, count):
    """Return ``sql`` with its ``count`` %s placeholders numbered $1..$count, as PREPARE wants."""
    parts = sql.split("%s")
    if len(parts) != count + 1 or "%" in "".join(parts).replace("%%", ""):
        raise ValueError("the statement's placeholders must be its parameters, one %s each")
    numbered = parts[0]
    for n, part in enumerate(parts[1:], start=1):
        numbered += f"${n}{part}"
    return numbered.replace("%%", "%")


def execute_prepared(cursor, sql, params):
    """Execute ``sql`` with ``params`` on a PostgreSQL cursor as a server-side prepared statement.

    Parsing and planning a long statement can cost the database more than running it (the
    capture's one-statement insert: about 0.85 ms of its 1.6 ms); a prepared statement is parsed
    once per connection and its plan kept. Only in autocommit, where a failed statement aborts
    no transaction: a server connection that lost the statement (a pooler handing out another
    one, DISCARD ALL) runs it as plain SQL this once and prepares it again next time. Settings:
    ``DB_PREPARED_STATEMENTS`` (off behind a transaction-pooling PgBouncer).
    """
    connection = cursor.db
    if not (settings.DB_PREPARED_STATEMENTS and connection.vendor == "postgresql" and connection.get_autocommit()):
        cursor.execute(sql, params)
        return
    name = "tandem_" + hashlib.sha1(sql.encode()).hexdigest()[:16]  # a changed statement is another one
    raw = connection.connection
    prepared = _PREPARED_ON.setdefault(raw, set())
    if name not in prepared:
        try:
            cursor.execute(f"PREPARE {name} AS {_numbered(sql, len(params))}")
        except DatabaseError as error:
            if _pgcode(error) != _DUPLICATE_STATEMENT:
                raise
        prepared.add(name)
    try:
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
    except DatabaseError as error:
        if _pgcode(error) != _UNKNOWN_STATEMENT:
            raise
        prepared.discard(name)
        cursor.execute(sql, params)

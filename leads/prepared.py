"""Hot read queries of the capture endpoint, compiled to SQL once per process.

Building and compiling a queryset costs more Python than the database spends on these
indexed one-row reads. A PreparedQuery builds its queryset once with probe values in place
of the arguments, keeps the SQL the ORM compiled for it, and from then on runs that SQL with
the arguments put where the probes were: the same statement, the same rows, as model
instances through QuerySet.raw().
"""

from django.db import connections


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

"""Django's flush, which also empties the append-only audit trail on SQLite.

On PostgreSQL flush truncates, which the trail's row triggers do not see; SQLite's flush deletes
row by row, which its trigger refuses unless ``crm.audit.audit_flush_allowed`` is in effect. So
flush (a test run's reset between transactional tests, or an operator's wipe of everything)
does the same on both databases, and no other statement can delete an entry.
"""

from django.core.management.commands import flush

from crm.audit import audit_flush_allowed


class Command(flush.Command):
    def handle(self, **options):
        with audit_flush_allowed():
            return super().handle(**options)

"""What each SQLite connection (the embedded default) tells Django when it opens."""

import sqlite3


def use_the_librarys_parameter_limit(sender, connection, **kwargs):
    """Let Django batch by the SQLite library's real limit of parameters (connection_created).

    Django 5.2 assumes SQLite's historical 999 and splits every bulk_create, bulk_update and
    in_bulk past it, so a batch that is one statement on PostgreSQL became one statement per
    few dozen rows here (an import's audit entries and webhook deliveries). SQLite 3.32+ allows
    32,766 and Debian's build 250,000; the connection says which.
    """
    if connection.vendor == "sqlite":
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        # Per connection wrapper: the class attribute stays Django's, for any other connection.
        connection.features.max_query_params = limit

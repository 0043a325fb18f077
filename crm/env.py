"""Typed readers for settings from the environment.

Each raises ImproperlyConfigured with one sentence naming the variable, so a
wrong value stops start-up instead of surfacing later as a confusing error.
"""

import os
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None, *, required=False):
    """Return the variable as a string, or the default."""
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name, default=False):
    """Return the variable as a boolean (1/0, true/false, yes/no, on/off)."""
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), not {value!r}.")


def env_int(name, default, *, minimum=None):
    """Return the variable as an integer, not below minimum."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name, default=()):
    """Return the variable split on commas, blanks dropped."""
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def redis_database(url):
    """Return (server, database number) of a redis://, rediss:// or unix:// URL (database 0 when unnamed)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.scheme == "unix":
        server, number = parts.path, (query.get("db") or ["0"])[0]
    else:
        server = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
        number = parts.path.strip("/") or (query.get("db") or ["0"])[0]
    try:
        return server, int(number)
    except ValueError:
        raise ImproperlyConfigured(f"{url!r} names no Redis database number.") from None


def redis_next_db(url):
    """Return the URL of the database after the one ``url`` names, on the same server."""
    parts = urlsplit(url)
    number = redis_database(url)[1] + 1
    if parts.scheme == "unix":
        query = {**parse_qs(parts.query), "db": [str(number)]}
        return f"unix://{parts.netloc}{parts.path}?{urlencode(query, doseq=True)}"  # urlunsplit drops the //
    query = {key: value for key, value in parse_qs(parts.query).items() if key != "db"}
    return urlunsplit(parts._replace(path=f"/{number}", query=urlencode(query, doseq=True)))

"""Walk the URLconf: every pattern, with its namespaced name and the keywords it takes."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern


@dataclass(frozen=True)
class Route:
    name: str | None  # "namespace:name"
    route: str  # the full pattern text, for messages
    kwargs: tuple  # keyword names the pattern captures

    @property
    def is_api(self):
        return self.route.startswith("api/")

    @property
    def is_admin(self):
        return self.route.startswith("admin/")


def _keywords(pattern):
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(re.compile(pattern._regex).groupindex)
    return ()


def walk(patterns=None, prefix="", namespace=None, kwargs=()):
    """Yield a Route for every URL pattern reachable from the root URLconf."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        text = prefix + str(entry.pattern)
        keywords = kwargs + _keywords(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, text, inner, keywords)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(name=name, route=text, kwargs=keywords)

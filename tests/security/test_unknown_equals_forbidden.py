"""An object URL answers a user who may not use it the same whether the object exists or not.

Otherwise the status tells a user without a role which ids, slugs and keys exist (404 for an
unknown lead, 403 for an existing one). Every page pattern that names an object is opened with
the world's object and with one that does not exist.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.policy import KWARG_VALUES, PAGES
from tests.security.test_access_pages import PAGE_ROUTES, page_url

UNKNOWN_BY_KIND = {int: 987654, str: "no-such-thing"}


def _unknown_url(route, rule, world):
    kwargs = {}
    for keyword in route.kwargs:
        if keyword == "format":
            continue
        known = getattr(world, rule.obj).pk if keyword == "pk" else KWARG_VALUES[keyword](world)
        kwargs[keyword] = UNKNOWN_BY_KIND[type(known)]
    return reverse(route.name, kwargs=kwargs)


def _object_routes():
    return sorted(
        name
        for name, route in PAGE_ROUTES.items()
        if name in PAGES and any(keyword != "format" for keyword in route.kwargs)
    )


def test_the_walk_finds_object_pages():
    assert "leads:edit" in _object_routes()
    assert len(_object_routes()) > 15


@pytest.mark.parametrize("role", ["norole", "anonymous"])
def test_an_unknown_object_is_answered_as_a_forbidden_one(world, role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    problems = []
    for name in _object_routes():
        route, rule = PAGE_ROUTES[name], PAGES[name]
        if role in (rule.get or set()) | (rule.post or set()):
            continue  # pages open to this role (password reset confirm) have nothing to hide
        try:
            unknown = _unknown_url(route, rule, world)
        except Exception:  # a converter that refuses the stand-in value cannot be reached either
            continue
        known = page_url(route, rule, world)
        for method in ("get", "post"):
            answers = [getattr(client, method)(url) for url in (known, unknown)]
            codes = [response.status_code for response in answers]
            if codes[0] != codes[1]:
                problems.append(f"{method.upper()} {name} as {role}: {codes[0]} for an object, {codes[1]} for none")
    assert not problems, "\n".join(problems)

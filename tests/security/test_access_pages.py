"""Every page of the URLconf, as every role: the README's policy, and nothing changed by a refusal.

The walk discovers the pages; tests/security/policy.py says who may open each. A pattern the
table does not know fails ``test_every_page_has_an_expectation`` — add it to PAGES there.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from tests.security.policy import API_PREFIX, KWARG_VALUES, PAGES
from tests.security.urlwalk import walk
from tests.security.world import ROLE_NAMES, WriteRecorder

LOGIN_PREFIX = "/accounts/login/"


def _page_routes():
    routes = {}
    for route in walk():
        if route.is_admin or route.route.startswith(API_PREFIX):
            continue  # the admin and the API have their own walks
        routes.setdefault(route.name, route)
    return routes


PAGE_ROUTES = _page_routes()


def test_every_page_has_an_expectation():
    unnamed = [route.route for route in PAGE_ROUTES.values() if route.name is None]
    unknown = sorted(name for name in PAGE_ROUTES if name and name not in PAGES)
    assert not unnamed, f"URL patterns without a name cannot be checked: {unnamed}. Give each a name."
    assert not unknown, (
        f"No access expectation for {unknown}. Add each to PAGES in tests/security/policy.py, saying which "
        "roles may GET and POST it (README, 'Lifecycle and roles'); a page nobody decided on must not ship."
    )


def test_the_walk_finds_the_pages_it_should():
    # Guards the walker itself: if it stopped descending into includes, every test would pass vacuously.
    for name in ("home", "login", "healthz", "password_reset"):
        assert name in PAGE_ROUTES


def page_url(route, rule, world):
    kwargs = {}
    for keyword in route.kwargs:
        if keyword == "format":
            continue
        if keyword == "pk":
            assert rule.obj, f"{route.name} takes a pk: set obj= in its PAGES entry (which object it names)"
            kwargs["pk"] = getattr(world, rule.obj).pk
        else:
            assert keyword in KWARG_VALUES, f"{route.name}: add a value for <{keyword}> to KWARG_VALUES"
            kwargs[keyword] = KWARG_VALUES[keyword](world)
    return reverse(route.name, kwargs=kwargs)


def _request(client, method, url):
    """Send the request and undo whatever it wrote, so every role meets the same world."""
    with transaction.atomic():
        with WriteRecorder() as writes:
            response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response, writes.tables


def check(route, rule, world, clients):
    """Return the list of policy violations of one page, as readable sentences."""
    url = page_url(route, rule, world)
    problems = []
    for method in ("get", "post"):
        allowed = getattr(rule, method)
        read_only = method == "get" or rule.post is None
        if allowed is None and method == "post" and rule.get is not None:
            # A POST to a read-only page: whoever may read it may get the page again, but nothing is written.
            allowed = rule.get
        for role in ROLE_NAMES:
            response, changed = _request(clients[role], method, url)
            status = response.status_code
            where = f"{method.upper()} {url} as {role}"
            if status >= 500:
                problems.append(f"{where}: {status} (a server error)")
                continue
            if allowed is None:
                # The view does not serve this method: nobody gets anything from it.
                if role == "anonymous" and status == 302:
                    if not response["Location"].startswith(LOGIN_PREFIX):
                        problems.append(f"{where}: redirected to {response['Location']}, not to sign-in")
                elif status not in (403, 405):
                    problems.append(f"{where}: {status}, expected 405 (or 403)")
                if changed:
                    problems.append(f"{where}: wrote to {changed}")
                continue
            if role in allowed:
                to_login = status == 302 and response["Location"].startswith(LOGIN_PREFIX)
                if status in (401, 403) or (to_login and not rule.signs_out):
                    problems.append(f"{where}: refused ({status}) but the policy allows {role}")
                elif method == "get" and status not in rule.get_ok:
                    problems.append(f"{where}: {status}, expected {rule.get_ok}")
                elif read_only and changed:
                    problems.append(f"{where}: a read, yet it wrote to {changed}")
                continue
            if role == "anonymous":
                if status != 302 or not response["Location"].startswith(LOGIN_PREFIX):
                    problems.append(f"{where}: {status}, expected a redirect to {LOGIN_PREFIX}")
            elif status != 403:
                problems.append(f"{where}: {status}, expected 403")
            if changed:
                problems.append(f"{where}: refused, yet it wrote to {changed}")
    return problems


@pytest.mark.parametrize("name", sorted(name for name in PAGE_ROUTES if name in PAGES))
def test_page_follows_the_role_policy(name, world, clients):
    problems = check(PAGE_ROUTES[name], PAGES[name], world, clients)
    assert not problems, "\n".join(problems)


def test_a_rep_cannot_work_another_reps_lead_or_answer_their_hand_off(world, clients):
    # The object rules, from the other side: sue (sales2) on sid's lead and hand-off is refused
    # above; here sid on sue's, so a rule that only looks at "is a rep" fails one of the two.
    targets = [
        ("leads:move", world.lead2.pk),
        ("leads:log_activity", world.lead2.pk),
        ("leads:add_task", world.lead2.pk),
        ("handoffs:accept", world.handoff2.pk),
        ("handoffs:reject", world.handoff2.pk),
        ("handoffs:pipeline_move", world.lead2.pk),
    ]
    for name, pk in targets:
        if name not in PAGE_ROUTES:
            continue
        keyword = PAGE_ROUTES[name].kwargs[0]
        url = reverse(name, kwargs={keyword: pk})
        response, changed = _request(clients["sales"], "post", url)
        assert response.status_code == 403, f"POST {url} as sid: {response.status_code}"
        assert not changed, f"POST {url} as sid wrote to {changed}"


def _admin_urls():
    urls = []
    for route in walk():
        if not route.is_admin or route.name in (None, "admin:login", "admin:logout"):
            continue  # the admin's own sign-in and sign-out are public by design
        kwargs = {}
        for keyword in route.kwargs:
            kwargs[keyword] = {"app_label": "leads", "url": "x"}.get(keyword, "1")
        try:
            urls.append(reverse(route.name, kwargs=kwargs))
        except Exception:  # a regex that refuses the dummy value: the index and the rest still cover it
            continue
    return sorted(set(urls))


def test_the_admin_lets_in_staff_only(world, clients):
    urls = _admin_urls()
    assert len(urls) > 10, "the admin walk found almost nothing"
    problems = []
    for role in ("anonymous", "managers", "marketing", "norole"):
        for url in urls:
            response, changed = _request(clients[role], "get", url)
            if response.status_code != 302 or "login" not in response["Location"]:
                problems.append(f"GET {url} as {role}: {response.status_code}")
            if changed:
                problems.append(f"GET {url} as {role} wrote to {changed}")
    assert not problems, "\n".join(problems)


def test_every_write_without_a_csrf_token_is_refused_and_writes_nothing(world):
    """CSRF is on for every page that takes a POST, and for the session-authenticated API."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["managers"])
    problems, checked = [], 0
    for name, route in sorted(PAGE_ROUTES.items(), key=lambda item: str(item[0])):
        rule = PAGES.get(name)
        if rule is None or not rule.post or "managers" not in rule.post:
            continue
        url = page_url(route, rule, world)
        response, changed = _request(client, "post", url)
        checked += 1
        if response.status_code != 403:
            problems.append(f"POST {url} without a CSRF token: {response.status_code}")
        if changed:
            problems.append(f"POST {url} without a CSRF token wrote to {changed}")
    for url in ("/api/v1/leads/", "/api/v1/campaigns/"):
        response, changed = _request(client, "post", url)
        if response.status_code != 403 or changed:
            problems.append(f"POST {url} with a session and no CSRF token: {response.status_code} {changed}")
    assert checked > 3
    assert not problems, "\n".join(problems)

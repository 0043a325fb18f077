"""Sign-in: failed attempts are throttled, weak passwords refused, production cookies secure,
and every page is served with the security headers.

``manage.py check --deploy`` with production settings is proven clean by
crm/tests/test_settings.py::test_check_deploy_is_clean_with_production_settings (not repeated here).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.security.policy import PAGES
from tests.security.test_access_pages import PAGE_ROUTES, page_url
from tests.security.world import ROLE_NAMES

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-Passw0rd"


def _sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_failed_sign_ins_lock_the_account_out_even_for_the_right_password(users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _sign_in(client, "mia", "wrong-password")
        assert "_auth_user_id" not in client.session
    response = _sign_in(client, "mia", PASSWORD)
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302  # still signed out


def test_fewer_failures_than_the_limit_do_not_lock_out(users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "mia", "wrong-password")
    response = _sign_in(client, "mia", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users["marketing"].pk)


def test_a_lock_out_is_per_user_and_address_not_for_everyone(users):
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _sign_in(attacker, "mia", "wrong-password")
    other = Client()
    response = other.post(reverse("login"), {"username": "sid", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    response = other.post(reverse("login"), {"username": "mia", "password": PASSWORD}, REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "password", ["short1!", "password1234", "12345678901234", "mia-example.com", "qwertyuiop", "Tandem"]
)
def test_weak_passwords_are_refused(users, password):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, user=users["marketing"])


def test_a_long_unusual_password_is_accepted(users):
    password_validation.validate_password("violet-Harbour-42-quietly", user=users["marketing"])


def test_production_settings_make_cookies_secure_and_http_only():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['DEBUG', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY']}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="0", SECRET_KEY="pV8#tq2!Lx9@Rz4$Wm7^Kc1&Hn6*Jb3(Yd5)Fs0_Ge8+Ua2")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": values["SECURE_HSTS_SECONDS"],
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
    }
    assert values["SECURE_HSTS_SECONDS"] >= 31536000


def test_the_session_cookie_is_http_only(users):
    response = _sign_in(Client(), "mia", PASSWORD)
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"].lower() == "lax"


def _script_sources(policy):
    for directive in policy.split(";"):
        parts = directive.split()
        if parts and parts[0] == "script-src":
            return parts[1:]
    for directive in policy.split(";"):  # no script-src: default-src applies
        parts = directive.split()
        if parts and parts[0] == "default-src":
            return parts[1:]
    return None


def header_problems(url, response):
    problems = []
    policy = response.headers.get("Content-Security-Policy", "")
    sources = _script_sources(policy)
    if not policy or sources is None:
        problems.append(f"{url}: no Content-Security-Policy with script-src")
    elif "'unsafe-inline'" in sources or "'unsafe-eval'" in sources or "*" in sources:
        problems.append(f"{url}: script-src allows {sources}")
    if "frame-ancestors 'none'" not in policy:
        problems.append(f"{url}: CSP lets other sites frame the page")
    expected = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
    for header, value in expected.items():
        if response.headers.get(header) != value:
            problems.append(f"{url}: {header} is {response.headers.get(header)!r}, expected {value!r}")
    return problems


def test_every_page_is_served_with_the_security_headers(world, clients):
    problems = []
    checked = 0
    for name, route in sorted(PAGE_ROUTES.items(), key=lambda item: str(item[0])):
        rule = PAGES.get(name)
        if rule is None or rule.get is None:
            continue
        role = next(role for role in ROLE_NAMES if role in rule.get)
        url = page_url(route, rule, world)
        response = clients[role].get(url)
        problems += header_problems(url, response)
        checked += 1
    # Refusals and redirects carry them too.
    for role, url in (("anonymous", "/leads/"), ("norole", "/campaigns/"), ("anonymous", "/no-such-page/")):
        problems += header_problems(f"{url} as {role}", clients[role].get(url))
    assert checked > 5
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"]
)
def test_sign_in_never_redirects_off_site(users, target):
    response = Client().post(
        f"{reverse('login')}?next={target}", {"username": "mia", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8"
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith(("//", "/\\"))

"""Settings come from the environment; a wrong value stops start-up with one clear sentence."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PROD_SECRET = "x9!Vq2#pL7zR4tY8wK1mN6bC3dF0gH5jS2aE7uI9oP4lZ8xQ1vB6nM3"


def manage(*args, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY=PROD_SECRET)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_missing_secret_key_with_debug_off_names_the_variable():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be a boolean"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE must be an IANA time zone"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is not a database URL"),
        ("REDIS_URL", "http://127.0.0.1:6379", "REDIS_URL must start with redis://"),
        ("CSRF_TRUSTED_ORIGINS", "example.com", "CSRF_TRUSTED_ORIGINS entries must include the scheme"),
        ("EMAIL_URL", "carrier-pigeon://x", "EMAIL_URL is not an e-mail URL"),
    ],
)
def test_a_wrong_value_stops_start_up_naming_the_variable(variable, value, message):
    result = manage("check", **{"DEBUG": "1", variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_email_url_configures_smtp():
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    result = manage(
        "shell", "--no-imports", "-c", code, DEBUG="1", EMAIL_URL="smtp://user:pass@mail.example.com:587/?tls=True"
    )
    assert result.returncode == 0, result.stderr
    # crm.mail: Django's SMTP backend that tells a refused message from one the server may have accepted.
    assert result.stdout.split() == ["crm.mail.EmailBackend", "mail.example.com", "587", "True"]


def test_without_email_url_mail_is_written_under_var():
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_FILE_PATH)"
    env = {"DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=BASE_DIR,
        env={k: v for k, v in {**os.environ, **env}.items() if k != "EMAIL_URL"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    backend, path = result.stdout.split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path.endswith("var/mail")


def settings_of(code, **env_overrides):
    """Print from a fresh interpreter whose settings come only from the given environment."""
    env = {"DEBUG": "1", **env_overrides}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.setdefault(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k not in {*env, "DJANGO_SETTINGS_MODULE"}},
            **{k: v for k, v in env.items() if v is not None},
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_without_database_url_the_database_is_a_sqlite_file_under_var(tmp_path):
    code = "from django.conf import settings as s; d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    engine, name = settings_of(code, VAR_DIR=str(tmp_path))
    assert (engine, name) == ("django.db.backends.sqlite3", str(tmp_path / "tandem.sqlite3"))


def test_redis_url_puts_the_broker_results_and_cache_on_redis(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, s.CACHES['default']['BACKEND'])"
    )
    url = "redis://127.0.0.1:6379/5"
    assert settings_of(code, VAR_DIR=str(tmp_path), REDIS_URL=url) == [
        url,
        url,
        "crm.cache.RedisCache",
    ]
    # Unset: kombu's filesystem broker under var/ and a cache in the process.
    code = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'], "
        "s.CACHES['default']['BACKEND'])"
    )
    broker, folder, cache = settings_of(code, VAR_DIR=str(tmp_path))
    assert (broker, cache) == ("filesystem://", "django.core.cache.backends.locmem.LocMemCache")
    assert folder.startswith(str(tmp_path / "celery"))


def test_in_production_whitenoise_serves_the_collected_static_files(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": PROD_SECRET,
        "VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "testserver",
    }
    collected = manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stderr
    code = (
        "from django.test import Client; from django.templatetags.static import static; "
        "c = Client(); page = c.get('/accounts/login/', secure=True); "
        'import re; html = page.content.decode(); assets = re.findall(r\'(?:src|href)="(/static/[^"]+)"\', html); '
        "print(page.status_code, len(assets), len(re.findall(r'(?:src|href)=\"(?:https?:)?//', html))); "
        "[print(a, c.get(a, secure=True).status_code, c.get(a, secure=True).get('Cache-Control')) for a in assets]"
    )
    shown = manage("shell", "--no-imports", "-c", code, **env)
    assert shown.returncode == 0, shown.stderr
    head, *assets = shown.stdout.strip().splitlines()
    status, ours, elsewhere = head.split()
    assert (status, elsewhere) == ("200", "0") and int(ours) >= 4  # nothing from the internet
    # Every asset of the page is ours, hashed by the manifest and cached for good.
    for line in assets:
        path, status, cache = line.split(" ", 2)
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", path), path
        assert status == "200" and "max-age=315360000" in cache, line


def test_a_missing_service_skips_with_its_reason_unless_ci_requires_it(settings):
    from conftest import service_missing

    assert settings_of("from django.conf import settings as s; print(s.REQUIRE_SERVICES)", REQUIRE_SERVICES="1") == [
        "True"
    ]
    settings.REQUIRE_SERVICES = False
    with pytest.raises(pytest.skip.Exception, match="needs Redis"):
        service_missing("needs Redis: set REDIS_URL")
    settings.REQUIRE_SERVICES = True
    with pytest.raises(pytest.fail.Exception, match="needs Redis.*REQUIRE_SERVICES=1, so this is a failure"):
        service_missing("needs Redis: set REDIS_URL")


@pytest.mark.postgres
def test_postgresql_connections_plan_for_cached_data_without_jit(db):
    """The weekly report relies on both: JIT compiling cost more than it saved, and with the default
    random_page_cost of 4 the planner read every lead to join one week's status changes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('random_page_cost')")
        assert cursor.fetchone() == ("off", "1.1")

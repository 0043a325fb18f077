"""Sign-in, sign-out, password reset, the home page and the health check."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_sign_in_page_renders_the_contract_fields(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_wrong_password_shows_an_error_and_signs_nobody_in(client, users):
    response = client.post("/accounts/login/", {"username": "mia", "password": "wrong-password"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_signs_in_and_shows_the_role(client, users):
    response = client.post("/accounts/login/", {"username": "mia", "password": "s3cret-Passw0rd"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert ">marketing<" in response.content.decode()


def test_repeated_failed_sign_ins_lock_the_account(client, users, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "mia", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "mia", "password": "s3cret-Passw0rd"})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(client, users):
    client.force_login(users["sales"])
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_mails_a_working_link(client, users):
    response = client.post("/accounts/password_reset/", {"email": "mia@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "A-much-better-passphrase-42", "new_password2": "A-much-better-passphrase-42"},
    )
    assert done.status_code == 302
    users["marketing"].refresh_from_db()
    assert users["marketing"].check_password("A-much-better-passphrase-42")


def test_health_check_is_public_and_reports_the_database(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_every_page_answers_with_security_headers(client, users):
    client.force_login(users["sales"])
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_footer_shows_the_version(client, users):
    from crm import __version__

    client.force_login(users["sales"])
    assert f"v{__version__}" in client.get("/").content.decode()


def test_admin_is_branded(client, users):
    client.force_login(users["managers"])
    users["managers"].is_staff = True
    users["managers"].is_superuser = True
    users["managers"].save()
    assert "Tandem administration" in client.get("/admin/").content.decode()
